namespace Mvm.Tools;

public sealed partial class Virsh
{
    /// <summary>`virsh cpu-models ARCH`: the named CPU models this host's libvirt knows for the architecture.</summary>
    public async Task<IReadOnlyList<string>> CpuModelsAsync(string arch, CancellationToken ct = default)
    {
        var result = await RunAsync(["cpu-models", "--arch", arch], null, ct).ConfigureAwait(false);
        return VirshOutput.ParseNames(result.StdoutText);
    }
}
