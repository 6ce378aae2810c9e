using Xunit.Abstractions;
using Mvm.EngineHarness.Deployment;
using Mvm.Tests.Lab.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// What the stages of <see cref="ClusterLifecycleLabTests"/> share for the whole class: the two
/// stacks (the cluster and the MvmHost worker), the stages' outcomes, the figures, and what earlier
/// stages made that later ones check. h4-h8 are left bare when the last stage has run, whatever happened.
/// </summary>
public sealed class ClusterLifecycleLabRun : IDisposable
{
    private LabFixture? _lab;
    private readonly List<string> _figures = [];

    public LabStages Stages { get; } = new();
    public LabProgram Cluster { get; } = new("mvm-lab-cluster-");
    public LabProgram Worker { get; } = new("mvm-lab-worker-");

    public DeploymentResult? Created { get; set; }
    public string? CanarySum { get; set; }
    public string? StoppedOsd { get; set; }
    public bool WorkerJoined { get; set; }
    public bool WorkerGone { get; set; }

    /// <summary>The lab the stages run on (xunit gives it to the test class, not to this fixture).</summary>
    public ClusterLifecycleLabRun Attach(LabFixture lab)
    {
        _lab ??= lab;
        return this;
    }

    /// <summary>A timer writing to this stage's output, keeping every stage's figures in one list.</summary>
    public LabTimer Timer(ITestOutputHelper output) => new(output, _figures);

    public void Dispose()
    {
        if (_lab is not null) LabHostReset.Reset(_lab, "h4", "h5", "h6", "h7", "h8");
        Cluster.Dispose();
        Worker.Dispose();
    }
}
