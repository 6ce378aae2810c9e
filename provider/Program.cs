using Mvm;

// pulumi-resource-mvm: launched by the Pulumi engine as `pulumi-resource-mvm [flags] ENGINE_ADDRESS`.
// The first and only stdout output is the port line; everything else goes to stderr or the engine log.
// Reaching ModelRoots makes Native AOT keep what the model reads of the records' property types.
_ = ModelRoots.Types;
// The production entry: the resources of ResourceCatalog, hosts reached as they are (no decorator).
return await PluginMain.RunAsync(args, ResourceCatalog.All());
