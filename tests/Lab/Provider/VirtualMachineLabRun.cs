using Mvm.EngineHarness.Deployment;
using Mvm.Tests.Lab.Transport;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// What the stages of <see cref="VirtualMachineLabTests"/> share, kept for the whole class: the
/// stack's program (one cluster for every stage), the stages' outcomes, the figures, and what the
/// first stage made that later ones check (the guest image, the VMs' UUIDs, its deployment). The
/// hosts are reset when the last stage has run, whatever happened.
/// </summary>
public sealed class VirtualMachineLabRun : IDisposable
{
    private LabFixture? _lab;

    public LabStages Stages { get; } = new();
    public LabProgram Program { get; } = new("mvm-lab-vm-");
    public List<string> Figures { get; } = [];
    public SshTransport Transport { get; } = new();

    public string? Image { get; set; }
    public string? UuidA { get; set; }
    public string? UuidB { get; set; }
    public DeploymentResult? Created { get; set; }

    /// <summary>The lab the stages run on (xunit gives it to the test class, not to this fixture); the
    /// program.</summary>
    public LabProgram Attach(LabFixture lab)
    {
        _lab ??= lab;
        return Program;
    }

    public void Dispose()
    {
        if (_lab is not null) LabHostReset.Reset(_lab, VmLabCluster.Machines);
        Program.Dispose();
        Transport.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
