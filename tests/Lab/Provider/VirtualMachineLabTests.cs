using System.Diagnostics;
using Xunit.Abstractions;
using Mvm.EngineHarness.Deployment;
using Mvm.Tests.Lab.Tools;
using Mvm.Tests.Lab.Transport;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// Issue #5 as a user lives it, on a 3-host HCI cluster of the lab (h5-h7, or MVM_LAB_VM_HOSTS):
/// a VirtualImage from the lab's guest image and two VMs on different hosts on a VLAN port group
/// boot, and cloud-init writes a marker read back through the guest agent. Then, each in place
/// (the UUID never changes) and checked inside the guest: vCPUs and memory, a disk added and grown,
/// a NIC added, both removed again, a host change by live migration; a hand migration is followed
/// by refresh; destroy leaves no domain or RBD image on any host. One cluster for the whole
/// scenario (<see cref="VirtualMachineLabRun"/>), each stage its own [Fact] in order, so the first
/// failure does not hide the rest; a stage that builds on a failed one says so and does not run.
/// </summary>
[Collection("lab")]
[TestCaseOrderer(StageOrderer.Name, StageOrderer.Assembly)]
public sealed class VirtualMachineLabTests(LabFixture lab, VirtualMachineLabRun run, ITestOutputHelper output)
    : IClassFixture<VirtualMachineLabRun>
{
    private static readonly TimeSpan AgentLimit = TimeSpan.FromMinutes(12);
    private static readonly TimeSpan T = TimeSpan.FromMinutes(2);
    private readonly LabProgram _program = run.Attach(lab);

    private readonly VmLabCluster _cluster = new(lab, "VM test");

    private static string[] Machines => VmLabCluster.Machines;

    private LabHost Machine(string name) => _cluster.Machine(name);

    private IHost Root(string name) => run.Transport.Host(lab.Target(Machine(name)));

    private record Vm(string Name, string Host, int Vcpus = 1, int MemoryMiB = 384, int BootGiB = 3, bool Data = false,
        int DataGiB = 1, bool SecondNic = false);

    private string Program(string image, params Vm[] vms) => _cluster.Program("mvm-vm", "vmlab") + $$"""
          guest:
            type: mvm:index:VirtualImage
            properties:
              connectString: ${cluster.connectString}
              name: guest
              source: {{image}}
              format: qcow2
        {{string.Concat(vms.Select(VmBlock))}}
        """;

    private static string VmBlock(Vm v) => $$"""
          {{v.Name}}:
            type: mvm:index:VirtualMachine
            properties:
              connectString: ${cluster.connectString}
              name: {{v.Name}}
              host: {{v.Host}}
              image: ${guest.name}
              vcpus: {{v.Vcpus}}
              maxVcpus: 2
              memoryMiB: {{v.MemoryMiB}}
              maxMemoryMiB: 512
              restartPolicy: never
              disks:
                - name: boot
                  sizeGiB: {{v.BootGiB}}
        {{(v.Data ? $"        - name: data\n          sizeGiB: {v.DataGiB}\n" : "")}}      networkInterfaces:
                - name: lan
                  vlan: "22"
        {{(v.SecondNic ? "        - name: lan2\n          vlan: \"22\"\n" : "")}}      cloudInit:
                userData: |
                  #cloud-config
                  write_files:
                    - path: /var/lib/mvm-marker
                      content: "marker of {{v.Name}}"

        """;

    private async Task<DeploymentResult> TimedAsync(string what,
        Func<Mvm.EngineHarness.Engine, Task<DeploymentResult>> op)
    {
        var clock = Stopwatch.StartNew();
        var r = await _program.RunAsync(op);
        var line = $"{what}: {clock.Elapsed.TotalSeconds:0.0} s";
        Figure(line);
        Assert.True(r.Succeeded, $"{what} failed:\n{r.Transcript}");
        return r;
    }

    private void Figure(string line)
    {
        run.Figures.Add(line);
        output.WriteLine(line);
    }

    private async Task<string> GuestAsync(string host, string vm, string command)
    {
        var r = await new Virsh(Root(host)).GuestExecAsync(vm, ["/bin/sh", "-c", command], T);
        Assert.True(r.ExitCode == 0, $"`{command}` in {vm} exited {r.ExitCode}: {r.StderrText}");
        return r.StdoutText.Trim();
    }

    /// <summary>Polls the guest until <paramref name="check"/> holds: hot-plug and unplug complete asynchronously in
    /// the guest.</summary>
    private async Task EventuallyAsync(string host, string vm, string command, Func<string, bool> check, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        string last;
        while (!check(last = await GuestAsync(host, vm, command)))
        {
            Assert.True(DateTime.UtcNow < until, $"{what}: inside {vm}, `{command}` still says: {last}");
            await Task.Delay(2000);
        }
    }

    private (int Exit, string Output) On(string host, string command) => _cluster.On(host, command);

    private string Uuid(string host, string vm) => On(host, $"virsh domuuid {vm}").Output.Trim();

    private const string Create = "1 create", Grow = "2 grow", Shrink = "3 shrink", Migrate = "4 migrate",
        Refresh = "5 refresh", CutShort = "6 create cut short", Import = "7 import", Destroy = "8 destroy";

    private string Image => run.Image ?? throw new InvalidOperationException("stage 1 built no guest image");

    private string Config => LabProgram.LabConfig(lab.OutDir, lab.PrivateKeyFile);

    /// <summary>1. Cluster, image and two VMs on different hosts; both guests boot and run cloud-init.</summary>
    [Fact, Stage(1)]
    public Task Stage1_ClusterImageAndTwoVmsBootAndRunCloudInit() => run.Stages.RunAsync(Create, [], async () =>
    {
        _cluster.AssertBare();
        var (image, _, _) = LabGuestImage.Build(output);
        run.Image = image;
        string h1 = Machines[0], h2 = Machines[1];

        _program.Write(Program(image, new Vm("vma", h1), new Vm("vmb", h2)), Config);
        var created = await TimedAsync("create cluster, image and 2 VMs", e => e.UpAsync());
        run.Created = created;
        var uuidA = run.UuidA = Uuid(h1, "vma");
        run.UuidB = Uuid(h2, "vmb");
        Assert.Equal(uuidA, LabProgram.OutputOf(created, "vma", "uuid"));
        Assert.Equal("running", LabProgram.OutputOf(created, "vmb", "state"));
        var boot = Stopwatch.StartNew();
        await Task.WhenAll(new Virsh(Root(h1)).WaitForAgentAsync("vma", AgentLimit),
            new Virsh(Root(h2)).WaitForAgentAsync("vmb", AgentLimit));
        Figure($"both guests' agents answer {boot.Elapsed.TotalSeconds:0} s after up returned");
        await EventuallyAsync(h1, "vma", "cat /var/lib/mvm-marker 2>/dev/null || true", s => s == "marker of vma",
            "cloud-init marker");
        await EventuallyAsync(h2, "vmb", "cat /var/lib/mvm-marker 2>/dev/null || true", s => s == "marker of vmb",
            "cloud-init marker");
        Assert.Contains("vlan22", On(h1, "virsh dumpxml vma").Output); // on the VLAN 22 port group
    });

    /// <summary>2. In place, seen inside the guest: a 2nd vCPU, more memory, a data disk, a bigger boot disk, a 2nd
    /// NIC.</summary>
    [Fact, Stage(2)]
    public Task Stage2_VmGrowsInPlace() => run.Stages.RunAsync(Grow, [Create], async () =>
    {
        string h1 = Machines[0], h2 = Machines[1];
        _program.Write(Program(Image, new Vm("vma", h1, Vcpus: 2, MemoryMiB: 448, BootGiB: 4, Data: true,
            SecondNic: true), new Vm("vmb", h2)), Config);
        await TimedAsync("grow vma (vCPU, memory, disks, NIC)", e => e.UpAsync());
        Assert.Equal(run.UuidA, Uuid(h1, "vma"));
        await EventuallyAsync(h1, "vma", "cat /sys/devices/system/cpu/online", s => s == "0-1", "2nd vCPU online");
        await EventuallyAsync(h1, "vma", "lsblk -b -d -n -o NAME,SIZE /dev/vda /dev/vdb 2>&1 | tr -s ' '",
            s => s.Contains("vda 4294967296") && s.Contains("vdb 1073741824"), "boot grown, data attached");
        await EventuallyAsync(h1, "vma", "ls /sys/class/net | grep -c '^e'", s => s == "2", "2nd NIC");
        await EventuallyAsync(h1, "vma", "awk '/MemTotal/ {print $2}' /proc/meminfo", s => long.Parse(s) > 400_000,
            "balloon grown to 448 MiB");
    });

    /// <summary>3. Removed again: the data disk and the NIC leave the running guest; the disk's image goes.</summary>
    [Fact, Stage(3)]
    public Task Stage3_DiskAndNicAreRemovedInPlace() => run.Stages.RunAsync(Shrink, [Grow], async () =>
    {
        string h1 = Machines[0], h2 = Machines[1];
        _program.Write(Program(Image, new Vm("vma", h1, Vcpus: 2, MemoryMiB: 448, BootGiB: 4), new Vm("vmb", h2)),
            Config);
        await TimedAsync("shrink vma (disk and NIC removed)", e => e.UpAsync());
        await EventuallyAsync(h1, "vma", "ls /sys/block | grep -c '^vd'", s => s == "1", "data disk gone");
        await EventuallyAsync(h1, "vma", "ls /sys/class/net | grep -c '^e'", s => s == "1", "2nd NIC gone");
        Assert.DoesNotContain("vma-data", On(h1, "rbd ls vms").Output);
        Assert.Equal(run.UuidA, Uuid(h1, "vma"));
    });

    /// <summary>
    /// 4. A host change is a live migration: same domain, guest still up with its marker. (vma is
    /// declared as stage 3 left it; should stages 2-3 have failed, this `up` applies it.)
    /// </summary>
    [Fact, Stage(4)]
    public Task Stage4_HostChangeIsALiveMigration() => run.Stages.RunAsync(Migrate, [Create], async () =>
    {
        string h1 = Machines[0], h2 = Machines[1], h3 = Machines[2];
        _program.Write(Program(Image, new Vm("vma", h1, Vcpus: 2, MemoryMiB: 448, BootGiB: 4), new Vm("vmb", h3)),
            Config);
        var moved = await TimedAsync("vmb: host change (live migration)", e => e.UpAsync());
        Assert.Contains(moved.Logs, l => l.Message.StartsWith($"VM vmb live-migrated from {h2} to {h3}",
            StringComparison.Ordinal));
        Assert.Equal(run.UuidB, Uuid(h3, "vmb"));
        Assert.NotEqual(0, On(h2, "virsh domuuid vmb").Exit);
        Assert.Equal("marker of vmb", await GuestAsync(h3, "vmb", "cat /var/lib/mvm-marker"));
    });

    /// <summary>5. A hand migration (as DRS or an operator would) is followed by refresh, not planned as a
    /// replacement.</summary>
    [Fact, Stage(5)]
    public Task Stage5_RefreshFollowsAHandMigration() => run.Stages.RunAsync(Refresh, [Migrate], async () =>
    {
        string h1 = Machines[0], h3 = Machines[2];
        var back = $"virsh migrate --live --persistent --undefinesource vmb " +
            $"'qemu+ssh://root@{Machine(h1).Management}/system?keyfile=/etc/mvm/migration/id_ed25519'";
        Assert.True(On(h3, back).Exit == 0, "hand migration failed: " + On(h3, back).Output);
        var refreshed = await TimedAsync("refresh after a hand migration", e => e.RefreshAsync());
        Assert.Equal(h1, LabProgram.OutputOf(refreshed, "vmb", "currentHost"));
        var preview = await TimedAsync("preview after refresh", e => e.PreviewAsync());
        Assert.DoesNotContain(preview.Steps, s => s.Name == "vmb" && s.Op != StepOp.Same);
    });

    /// <summary>
    /// 6. Failure mid-create: sshd on the target host is killed once vmf's boot disk exists. The VM
    /// is then in state as an init failure (or absent); the next `up` finishes it; nothing is orphaned.
    /// </summary>
    [Fact, Stage(6)]
    public Task Stage6_ACreateCutShortIsFinishedNothingOrphaned() => run.Stages.RunAsync(CutShort, [Refresh], async () =>
    {
        string h1 = Machines[0], h2 = Machines[1], h3 = Machines[2];
        var withF = new[]
        {
            new Vm("vma", h1, Vcpus: 2, MemoryMiB: 448, BootGiB: 4), new Vm("vmb", h3), new Vm("vmf", h3),
        };
        _program.Write(Program(Image, withF), Config);
        var cut = await CreateWithSshdKilledAsync(h3, "vmf");
        var partial = cut.State.Resources.SingleOrDefault(r => r.Name == "vmf");
        output.WriteLine(partial is null
            ? "vmf: absent from state after the failure"
            : $"vmf: in state with init errors: {string.Join("; ", partial.InitErrors)}");
        Assert.True(partial is null || partial.InitErrors.Count > 0,
            "vmf is in state without an init error after a failed create:\n" + cut.Transcript);
        await LabFixture.WaitForSshAsync(Machine(h3), TimeSpan.FromSeconds(30));
        var finished = await TimedAsync("up after the failure (finishes vmf)", e => e.UpAsync());
        Assert.Empty(finished.State.Resources.Single(r => r.Name == "vmf").InitErrors);
        Assert.Equal(LabProgram.OutputOf(finished, "vmf", "uuid"), Uuid(h3, "vmf"));
        Assert.Equal("running", LabProgram.OutputOf(finished, "vmf", "state"));
        AssertNoOrphans(new Dictionary<string, string[]> { [h1] = ["vma", "vmb"], [h2] = [], [h3] = ["vmf"] });
    });

    /// <summary>
    /// 7. Brownfield: a domain made by hand (RBD disk, NIC on VLAN 22) imported by name into a
    /// fresh stack whose program describes it; the next preview has nothing to do.
    /// </summary>
    [Fact, Stage(7)]
    public Task Stage7_AHandMadeDomainImportsWithNoDiff() => run.Stages.RunAsync(Import, [Create], async () =>
    {
        string h2 = Machines[1];
        var connect = LabProgram.OutputOf(run.Created!, "cluster", "connectString")!;
        var handMade = On(h2, HandMadeDomain.Script("vmc", "vmc-boot", "1G", 256, "mvm-vlan22", start: false));
        Assert.True(handMade.Exit == 0, handMade.Output);
        try
        {
            using var imported = new LabProgram("mvm-lab-vm-import-");
            imported.Write($$"""
                name: mvm-vm-import
                runtime: yaml
                plugins:
                  providers:
                    - name: mvm
                      path: {{Path.GetDirectoryName(LabProgram.PluginPath)}}
                config:
                  connect:
                    type: string
                    secret: true
                resources:
                  vmc:
                    type: mvm:index:VirtualMachine
                    properties:
                      connectString: ${connect}
                      name: vmc
                      vcpus: 1
                      memoryMiB: 256
                      powerState: stopped
                      disks:
                        - name: boot
                          sizeGiB: 1
                      networkInterfaces:
                        - name: nic0
                          vlan: "22"
                """,
                Config + $"  mvm:importConnectString:\n    secret: {connect}\n  mvm-vm-import:connect:\n    secret: {connect}\n");
            var import = await imported.RunAsync(e => e.ImportAsync("mvm:index:VirtualMachine", "vmc", "vmc",
                protect: false));
            Assert.True(import.Succeeded, import.Transcript);
            Assert.DoesNotContain(connect, import.Transcript);
            var after = await imported.RunAsync(e => e.PreviewAsync());
            Assert.True(after.Succeeded, after.Transcript);
            Assert.True(after.Steps.All(s => s.Op == StepOp.Same),
                "the imported VM's program is not what the host has:\n" + after.Transcript);
        }
        finally
        {
            // The hand-made domain is no stack's: it goes whatever happened, so the destroy stage finds only the
            // stack's.
            On(h2, "virsh undefine vmc && rbd rm --no-progress vms/vmc-boot");
        }
    });

    /// <summary>8. Destroy: no domain and no RBD image left anywhere.</summary>
    [Fact, Stage(8)]
    public Task Stage8_DestroyLeavesNoDomain() => run.Stages.RunAsync(Destroy, [Create], async () =>
    {
        await TimedAsync("destroy (VMs, image, cluster)", e => e.DestroyAsync());
        foreach (var m in Machines) Assert.Equal("", On(m, "virsh list --all --name").Output.Trim());
        output.WriteLine("figures:\n  " + string.Join("\n  ", run.Figures));
    });

    /// <summary>
    /// Runs `up` while a watcher on another host waits for <paramref name="vm"/>'s boot disk to appear,
    /// then stops sshd on <paramref name="target"/> and kills its sessions, as a crash of the host's
    /// SSH would; it comes back once the `up` has ended. (Killed alone, systemd restarts sshd at once
    /// and the provider's next command simply reconnects: that is not a failure.)
    /// </summary>
    private async Task<DeploymentResult> CreateWithSshdKilledAsync(string target, string vm)
    {
        var watcher = Machines.First(m => m != target);
        var killed = Task.Run(() =>
        {
            var seen = On(watcher, $"for i in $(seq 1500); do rbd ls vms 2>/dev/null | grep -qx {vm}-boot && exit 0; " +
                $"sleep 0.2; done; exit 1");
            Assert.True(seen.Exit == 0, $"{vm}-boot never appeared: " + seen.Output);
            return lab.Exec(Machine(target), "bash", "-c",
                "systemctl stop ssh.socket ssh.service 2>/dev/null; pkill -KILL -x sshd; true");
        });
        DeploymentResult r;
        try
        {
            r = await _program.RunAsync(e => e.UpAsync());
            var kill = await killed;
            Assert.True(kill.Exit == 0, "could not stop sshd on " + target + ": " + kill.Output);
        }
        finally
        {
            lab.Exec(Machine(target), "systemctl", "start", "ssh");
        }
        Assert.False(r.Succeeded, "the up survived sshd being killed on " + target + ":\n" + r.Transcript);
        output.WriteLine("failed up, as injected:\n" + string.Join("\n",
            r.Transcript.Split('\n').Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).Take(6)));
        return r;
    }

    /// <summary>Every host has exactly the domains given, and the VM pool exactly the images of those VMs and the guest
    /// image.</summary>
    private void AssertNoOrphans(IReadOnlyDictionary<string, string[]> domains)
    {
        foreach (var (m, names) in domains)
            Assert.Equal(names.Order(StringComparer.Ordinal),
                On(m, "virsh list --all --name").Output.Split('\n',
                StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal));
        var images = On(Machines[0], "rbd ls vms").Output.Split('\n',
            StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var vms = domains.Values.SelectMany(v => v).ToList();
        Assert.All(images, i => Assert.True(
            i == "guest" || vms.Any(v => i == $"{v}-boot" || i.StartsWith($"{v}-seed-", StringComparison.Ordinal)),
            $"orphan RBD image {i}; pool holds: {string.Join(' ', images)}"));
        foreach (var v in vms)
        {
            Assert.Contains($"{v}-boot", images);
            Assert.Single(images, i => i.StartsWith($"{v}-seed-", StringComparison.Ordinal));
        }
    }
}
