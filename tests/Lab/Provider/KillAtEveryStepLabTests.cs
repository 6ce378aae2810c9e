using System.Diagnostics;
using Xunit.Abstractions;
using Mvm.EngineHarness.Deployment;
using Mvm.Tests.Lab.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// Issue 12, defect 2: the plugin SIGKILLed right after each remote command in turn (the
/// MVM_TEST_KILL_AFTER switch of the plugin's test build, tests/TestPlugin, raised from 1 until the
/// operation ends unharmed) during a VM create, a VM delete and a VirtualImage create, on a 3-host
/// cluster (h5-h7, or MVM_LAB_VM_HOSTS). After
/// every kill the next `up` must converge, and every host is counted for what nobody's state holds:
/// domains, RBD images (disks, seeds, partial imports) and scratch directories. The count must be
/// zero every time. VMs are tiny and boot nothing (a blank 16 MiB qcow2 image), so each cut costs
/// seconds; the running VM is powered off by hand before its delete, so a delete never waits out a
/// guest that will not shut down (the delete loop cuts a shut-off VM's delete).
/// </summary>
[Collection("lab")]
public sealed class KillAtEveryStepLabTests(LabFixture lab, ITestOutputHelper output) : IDisposable
{
    private readonly LabProgram _program = new("mvm-lab-kill-");
    private readonly List<string> _figures = [];
    private int _orphans;

    private readonly VmLabCluster _cluster = new(lab, "kill test");

    private static string[] Machines => VmLabCluster.Machines;

    private (int Exit, string Output) On(string host, string command) => _cluster.On(host, command);

    private string Program(string imageFile, bool vm, bool vmRunning, bool extraImage) => _cluster.Program("mvm-kill", "killlab") +
        Image("base", "kbase", imageFile) + (extraImage ? Image("kimg", "kimg", imageFile) : "") + (vm ? Vm(vmRunning) : "");

    private static string Image(string resource, string name, string imageFile) => $$"""
          {{resource}}:
            type: mvm:index:VirtualImage
            properties:
              connectString: ${cluster.connectString}
              name: {{name}}
              source: {{imageFile}}
              format: qcow2

        """;

    private static string Vm(bool running) => $$"""
          kv:
            type: mvm:index:VirtualMachine
            properties:
              connectString: ${cluster.connectString}
              name: kv
              image: ${base.name}
              vcpus: 1
              memoryMiB: 128
              powerState: {{(running ? "running" : "stopped")}}
              restartPolicy: never
              disks:
                - name: boot
                  sizeGiB: 1
              networkInterfaces:
                - name: lan
                  vlan: "22"
              cloudInit:
                userData: |
                  #cloud-config
                  hostname: kv

        """;

    private void Write(string imageFile, bool vm = false, bool vmRunning = true, bool extraImage = false) =>
        _program.Write(Program(imageFile, vm, vmRunning, extraImage), LabProgram.LabConfig(lab.OutDir, lab.PrivateKeyFile));

    private async Task<DeploymentResult> UpAsync(string what, IReadOnlyDictionary<string, string?>? env = null)
    {
        // The kill switch lives only in the test build of the plugin; runs without it use the shipped plugin.
        var r = await _program.RunAsync(e => e.UpAsync(), env, env is null ? null : LabProgram.TestPluginPath);
        if (env is null) Assert.True(r.Succeeded, $"{what} failed:\n{r.Transcript}");
        return r;
    }

    private static bool WasKilled(DeploymentResult r) => r.Plugins.Any(p => p.Stderr.Contains("MVM_TEST_KILL_AFTER: killed", StringComparison.Ordinal));

    private static string KilledAfter(DeploymentResult r) =>
        r.Plugins.Select(p => p.Stderr.Split('\n').FirstOrDefault(l => l.StartsWith("MVM_TEST_KILL_AFTER: killed", StringComparison.Ordinal))).FirstOrDefault(l => l is not null)?["MVM_TEST_KILL_AFTER: ".Length..] ?? "?";

    /// <summary>
    /// Kills the plugin after remote command 1, 2, … of <paramref name="operation"/> until it runs
    /// to its end; after each kill, <paramref name="recover"/> must converge and <paramref name="count"/>
    /// then finds nothing that state does not hold; <paramref name="reset"/> prepares the next round.
    /// </summary>
    private async Task<int> CutAtEveryStepAsync(string operation, Func<Task> prepare, Func<Task> recover, Func<string, int> count, Func<Task> reset)
    {
        var clock = Stopwatch.StartNew();
        for (var n = 1; ; n++)
        {
            Assert.True(n < 200, $"{operation} never finished: the kill switch is not counting");
            await prepare();
            var cut = await UpAsync($"{operation} cut after command {n}", new Dictionary<string, string?> { ["MVM_TEST_KILL_AFTER"] = $"{operation}:{n}" });
            if (!WasKilled(cut))
            {
                Assert.True(cut.Succeeded, $"{operation} with the switch at {n} (past its last command) failed:\n{cut.Transcript}");
                var left = count($"{operation}, not cut");
                Assert.Equal(0, left);
                await reset();
                var line = $"{operation}: cut after each of its {n - 1} remote commands in turn, {clock.Elapsed.TotalSeconds:0} s; orphans found: {_orphans}";
                _figures.Add(line);
                output.WriteLine(line);
                return n - 1;
            }
            Assert.False(cut.Succeeded, $"{operation} succeeded although the plugin was killed after command {n}");
            output.WriteLine($"{operation}: killed after command {n}: {KilledAfter(cut)}");
            await recover();
            _orphans += count($"{operation} cut after command {n} ({KilledAfter(cut)}), then up");
            await reset();
        }
    }

    private string[] Lines(string host, string command)
    {
        var r = On(host, command);
        Assert.True(r.Exit == 0, $"`{command}` on {host}: {r.Output}");
        return r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>
    /// What the hosts hold beyond <paramref name="domains"/> and <paramref name="images"/>, written
    /// out; the number of such objects. Also: every image and domain found carries its owner mark.
    /// </summary>
    private int Orphans(string when, string[] domains, string[] images)
    {
        var found = new List<string>();
        var defined = Machines.SelectMany(m => Lines(m, "virsh list --all --name").Select(d => (Host: m, Name: d))).ToList();
        found.AddRange(defined.Where(d => !domains.Contains(d.Name)).Select(d => $"domain {d.Name} on {d.Host}"));
        foreach (var d in domains)
        {
            var where = defined.Where(x => x.Name == d).ToList();
            Assert.True(where.Count == 1, $"{when}: domain {d} is defined {where.Count} times: {string.Join(", ", where)}");
            Assert.Contains("urn:pulumi:", On(where[0].Host, $"virsh metadata {d} --uri https://github.com/pulumi-resource-mvm/xmlns/domain/1").Output);
        }
        var pool = Lines(Machines[0], "rbd ls vms");
        found.AddRange(pool.Where(i => !images.Any(want => want.EndsWith('*') ? i.StartsWith(want[..^1], StringComparison.Ordinal) : i == want)).Select(i => $"RBD image vms/{i}"));
        foreach (var want in images)
        {
            var matches = pool.Where(i => want.EndsWith('*') ? i.StartsWith(want[..^1], StringComparison.Ordinal) : i == want).ToList();
            Assert.True(matches.Count == 1, $"{when}: {matches.Count} RBD images match {want}: {string.Join(' ', pool)}");
            Assert.Contains("urn:pulumi:", On(Machines[0], $"rbd image-meta get vms/{matches[0]} mvm.owner").Output);
        }
        foreach (var m in Machines)
            found.AddRange(Lines(m, "ls -d /var/tmp/mvm-* 2>/dev/null || true").Select(d => $"scratch {d} on {m}"));
        foreach (var f in found) output.WriteLine($"ORPHAN ({when}): {f}");
        return found.Count;
    }

    [Fact]
    public async Task PluginKilledAfterEachRemoteCommandLeavesNothingBehind()
    {
        _cluster.AssertBare();
        var imageFile = Path.Combine(_program.Directory, "blank.qcow2");
        var made = Process.Start("qemu-img", ["create", "-q", "-f", "qcow2", imageFile, "16M"]);
        made.WaitForExit();
        Assert.Equal(0, made.ExitCode);

        Write(imageFile);
        var clock = Stopwatch.StartNew();
        await UpAsync("cluster and base image");
        _figures.Add($"cluster and base image: {clock.Elapsed.TotalSeconds:0} s");
        string[] vmImages = ["kbase", "kv-boot", "kv-seed-*"];

        // 1. VM create (running), cut after each remote command; the next up finishes it.
        var creates = await CutAtEveryStepAsync("create:VirtualMachine",
            prepare: () => { Write(imageFile, vm: true); return Task.CompletedTask; },
            recover: () => UpAsync("the up after the cut create"),
            count: when => Orphans(when, ["kv"], vmImages),
            reset: async () =>
            {
                // Powered off by hand: a guest that boots nothing never answers the shutdown request.
                foreach (var m in Machines) On(m, "virsh destroy kv >/dev/null 2>&1; true");
                Write(imageFile);
                await UpAsync("delete the VM");
                Assert.Equal(0, Orphans("after the VM's delete", [], ["kbase"]));
            });

        // 2. VM delete (shut off), cut after each remote command; the next up finishes it.
        var deletes = await CutAtEveryStepAsync("delete:VirtualMachine",
            prepare: async () =>
            {
                Write(imageFile, vm: true, vmRunning: false);
                await UpAsync("create the VM to delete");
                Write(imageFile);
            },
            recover: () => UpAsync("the up after the cut delete"),
            count: when => Orphans(when, [], ["kbase"]),
            reset: () => Task.CompletedTask);

        // 3. VirtualImage create, cut after each remote command; the next up finishes it.
        var imports = await CutAtEveryStepAsync("create:VirtualImage",
            prepare: () => { Write(imageFile, extraImage: true); return Task.CompletedTask; },
            recover: () => UpAsync("the up after the cut import"),
            count: when => Orphans(when, [], ["kbase", "kimg"]),
            reset: async () =>
            {
                Write(imageFile);
                await UpAsync("delete the image");
            });

        clock.Restart();
        var destroyed = await _program.RunAsync(e => e.DestroyAsync());
        Assert.True(destroyed.Succeeded, destroyed.Transcript);
        foreach (var m in Machines) Assert.Equal("", On(m, "virsh list --all --name").Output.Trim());
        _figures.Add($"destroy: {clock.Elapsed.TotalSeconds:0} s");
        output.WriteLine($"kill-at-every-step: {creates + deletes + imports} cuts (VM create {creates}, VM delete {deletes}, image create {imports}); orphans: {_orphans}");
        output.WriteLine("figures:\n  " + string.Join("\n  ", _figures));
        Assert.Equal(0, _orphans);
    }

    public void Dispose()
    {
        LabHostReset.Reset(lab, Machines);
        _program.Dispose();
    }
}
