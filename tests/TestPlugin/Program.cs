using Mvm;
using Mvm.TestPlugin;

// pulumi-resource-mvm-test: the provider's own server with what only tests need, so none of it ships in
// pulumi-resource-mvm: the mvm:testing:Fixture resource (protocol tier) and the MVM_TEST_KILL_AFTER kill
// switch on every operation's host connector (the lab's kill-at-every-step test).
return await PluginMain.RunAsync(args, [.. ResourceCatalog.All(), new FixtureResource()], KillSwitch.Wrap);
