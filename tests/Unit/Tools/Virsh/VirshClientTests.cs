using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools;

/// <summary>
/// The Virsh client over a fake host: the exact argv and stdin of every command, and how the
/// real libvirt 9.0 outputs and errors (Fixtures/Virsh) come back as results and exceptions.
/// </summary>
public class VirshClientTests
{
    private static readonly string[] Prefix = ["env", "LC_ALL=C", "virsh", "-c", "qemu:///system"];
    private static readonly Guid Secret = Guid.Parse("6d0c1a6e-3f7b-4c52-9a51-6a1f0e0b7c11");

    private static string Fixture(string name) => VirshTestHost.Fixture(name);

    private static (Virsh, VirshTestHost) Client()
    {
        var host = new VirshTestHost();
        return (new Virsh(host) { PollInterval = TimeSpan.FromMilliseconds(1) }, host);
    }

    [Fact]
    public async Task EveryCommandRunsVirshOnTheSystemDaemonInTheCLocale()
    {
        var (virsh, host) = Client();
        await virsh.StartAsync("vm1");
        Assert.Equal([.. Prefix, "start", "--domain", "vm1"], host.LastArgv);
        Assert.Equal(TimeSpan.FromMinutes(1), host.Calls[^1].Timeout);
    }

    public static TheoryData<string, Func<Virsh, Task>, string[]> Commands() => new()
    {
        { "destroy", v => v.DestroyAsync("vm1"), ["destroy", "--domain", "vm1"] },
        { "shutdown mode", v => v.ShutdownAsync("vm1", TimeSpan.Zero, "acpi"), ["shutdown", "--domain", "vm1", "--mode", "acpi"] },
        { "undefine", v => v.UndefineAsync("vm1"), ["undefine", "--domain", "vm1", "--managed-save", "--snapshots-metadata", "--checkpoints-metadata", "--nvram"] },
        { "undefine keep", v => v.UndefineAsync("vm1", keepNvram: true), ["undefine", "--domain", "vm1", "--managed-save", "--snapshots-metadata", "--checkpoints-metadata", "--keep-nvram"] },
        { "setvcpus", v => v.SetVcpusAsync("vm1", 3, ChangeScope.LiveAndConfig), ["setvcpus", "--domain", "vm1", "--count", "3", "--live", "--config"] },
        { "setvcpus live", v => v.SetVcpusAsync("vm1", 3, ChangeScope.Live), ["setvcpus", "--domain", "vm1", "--count", "3", "--live"] },
        { "max vcpus", v => v.SetMaxVcpusAsync("vm1", 16), ["setvcpus", "--domain", "vm1", "--count", "16", "--maximum", "--config"] },
        { "setmem", v => v.SetMemAsync("vm1", 262144, ChangeScope.Config), ["setmem", "--domain", "vm1", "--size", "262144KiB", "--config"] },
        { "setmaxmem", v => v.SetMaxMemAsync("vm1", 1048576), ["setmaxmem", "--domain", "vm1", "--size", "1048576KiB", "--config"] },
        { "blockresize", v => v.BlockResizeAsync("vm1", "vdb", 10L << 30, allowShrink: true), ["blockresize", "--domain", "vm1", "--path", "vdb", "--size", "10737418240B"] },
        { "net-start", v => v.NetStartAsync("n1"), ["net-start", "--network", "n1"] },
        { "net-autostart", v => v.NetAutostartAsync("n1"), ["net-autostart", "--network", "n1"] },
        { "net-autostart off", v => v.NetAutostartAsync("n1", enable: false), ["net-autostart", "--network", "n1", "--disable"] },
        { "net-destroy", v => v.NetDestroyAsync("n1"), ["net-destroy", "--network", "n1"] },
        { "net-undefine", v => v.NetUndefineAsync("n1"), ["net-undefine", "--network", "n1"] },
        { "pool-start", v => v.PoolStartAsync("p1"), ["pool-start", "--pool", "p1"] },
        { "pool-autostart", v => v.PoolAutostartAsync("p1"), ["pool-autostart", "--pool", "p1"] },
        { "pool-destroy", v => v.PoolDestroyAsync("p1"), ["pool-destroy", "--pool", "p1"] },
        { "pool-undefine", v => v.PoolUndefineAsync("p1"), ["pool-undefine", "--pool", "p1"] },
        { "secret-undefine", v => v.SecretUndefineAsync(Secret), ["secret-undefine", "--secret", Secret.ToString()] },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task BuildsTheArgv(string what, Func<Virsh, Task> call, string[] args)
    {
        var (virsh, host) = Client();
        if (what == "shutdown mode") host.Reply().Reply("shut off (shutdown)\n");
        await call(virsh);
        Assert.Equal([.. Prefix, .. args], host.Calls[0].Argv);
        Assert.Null(host.Calls[0].Stdin);
    }

    [Fact]
    public async Task NamesAreOptionValuesSoNoNameIsReadAsAnOption()
    {
        // virsh takes the word after --domain as the value even when it looks like an option
        // (checked on the lab's libvirt 9.0: `virsh domstate --domain --all` → "failed to get domain '--all'").
        var (virsh, host) = Client();
        host.Reply("running\n");
        await virsh.DomStateAsync("--all");
        Assert.Equal([.. Prefix, "domstate", "--domain", "--all", "--reason"], host.LastArgv);
    }

    [Fact]
    public async Task XmlGoesOnStdinWithValidation()
    {
        var (virsh, host) = Client();
        var domain = DomainXml.Parse(Fixture("virsh-9.0.0-dumpxml-inactive-rbd.xml"));
        await virsh.DefineAsync(domain);
        Assert.Equal(["define", "--file", "/dev/stdin", "--validate"], host.LastArgs);
        Assert.Equal(domain.ToXml(), host.LastStdinText);
        await virsh.DefineAsync(domain.ToXml(), validate: false);
        Assert.Equal(["define", "--file", "/dev/stdin"], host.LastArgs);

        await virsh.NetDefineAsync(NetworkXml.FromSpec(new OvsNetworkSpec("n1", "br0", [])));
        Assert.Equal(["net-define", "--file", "/dev/stdin", "--validate"], host.LastArgs);
        Assert.StartsWith("<network>", host.LastStdinText);
        await virsh.PoolDefineAsync(PoolXml.FromSpec(new RbdPoolSpec("p1", "vms", [], null)));
        Assert.Equal(["pool-define", "--file", "/dev/stdin", "--validate"], host.LastArgs);
        await virsh.SecretDefineAsync(SecretXml.FromSpec(new SecretSpec(Secret, "client.libvirt secret")));
        Assert.Equal(["secret-define", "--file", "/dev/stdin", "--validate"], host.LastArgs);
        Assert.Contains(Secret.ToString(), host.LastStdinText);

        var disk = new DiskSpec { Source = new FileDiskSource("/d/x.qcow2"), TargetDev = "vdb" };
        await virsh.AttachDeviceAsync("vm1", disk, ChangeScope.LiveAndConfig);
        Assert.Equal(["attach-device", "--domain", "vm1", "--file", "/dev/stdin", "--live", "--config"], host.LastArgs);
        Assert.Equal(DomainXml.DiskXml(disk), host.LastStdinText);
        await virsh.DetachDeviceAsync("vm1", disk, ChangeScope.Config);
        Assert.Equal(["detach-device", "--domain", "vm1", "--file", "/dev/stdin", "--config"], host.LastArgs);
    }

    [Fact]
    public async Task DetachingALiveNicSendsOnlyWhatIdentifiesIt()
    {
        // Live XML carries the PCI address and alias of the running NIC; the definition's copy has
        // others, so sending them would make the --config half of the detach miss.
        var (virsh, host) = Client();
        var live = DomainXml.Parse(Fixture("virsh-9.0.0-dumpxml-running.xml"));
        await virsh.DetachDeviceAsync("mvmtest-vm1", live.Interfaces[0], ChangeScope.LiveAndConfig);
        Assert.Equal(
            "<interface type=\"bridge\">\n  <mac address=\"52:54:00:6d:00:01\" />\n  <source bridge=\"mvmtest-br0\" />\n</interface>",
            host.LastStdinText!.Replace("\r\n", "\n", StringComparison.Ordinal));
        await virsh.DetachDeviceAsync("mvmtest-vm1", live.Interfaces[1], ChangeScope.LiveAndConfig);
        Assert.Contains("<interface type=\"network\">", host.LastStdinText);
        Assert.Contains("<source network=\"mvmtest-net\" portgroup=\"vlan-200\" />", host.LastStdinText);
        await Assert.ThrowsAsync<ArgumentException>(() => virsh.DetachDeviceAsync("vm1", InterfaceSpec.OvsBridge("br0"), ChangeScope.Live));
    }

    [Fact]
    public async Task SecretValuesTravelOnStdinOnly()
    {
        var (virsh, host) = Client();
        const string Key = "AQBc5dxlAAAAABAAc2VjcmV0LWtleS1ub3QtcmVhbA==";
        await virsh.SecretSetValueBase64Async(Secret, Key);
        Assert.Equal([.. Prefix, "secret-set-value", "--secret", Secret.ToString(), "--file", "/dev/stdin"], host.LastArgv);
        Assert.Equal(Key + "\n", host.LastStdinText);

        var raw = new byte[] { 0, 1, 2, 250, 255 };
        await virsh.SecretSetValueAsync(Secret, raw);
        Assert.Equal(Convert.ToBase64String(raw) + "\n", host.LastStdinText);
        Assert.DoesNotContain(host.Calls, c => c.Argv.Any(a => a.Contains(Key, StringComparison.Ordinal) || a.Contains(Convert.ToBase64String(raw), StringComparison.Ordinal)));

        // libvirt would store nothing for bad base64 and say only "must not be NULL": refused here,
        // without echoing the value.
        var e = await Assert.ThrowsAsync<ArgumentException>(() => virsh.SecretSetValueBase64Async(Secret, "not base64!"));
        Assert.DoesNotContain("not base64!", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => virsh.SecretSetValueAsync(Secret, Array.Empty<byte>()));
        Assert.Equal(2, host.Calls.Count);
    }

    [Fact]
    public async Task MigrationArgvAndDestinationUri()
    {
        var uri = LibvirtUri.QemuSsh("10.20.0.13", keyFile: "/root/.ssh/mvm_migrate");
        Assert.Equal("qemu+ssh://root@10.20.0.13/system?keyfile=/root/.ssh/mvm_migrate", uri);
        Assert.Equal("qemu+ssh://mvm@[fd00::3]:2222/system", LibvirtUri.QemuSsh("fd00::3", "mvm", 2222));
        Assert.Equal("qemu+ssh://h3/system", LibvirtUri.QemuSsh("h3", user: null));
        Assert.Throws<ArgumentException>(() => LibvirtUri.QemuSsh("h3", keyFile: "/tmp/k&no_verify=1"));
        Assert.Throws<ArgumentException>(() => LibvirtUri.QemuSsh("h3/system?x", "root"));
        Assert.Throws<ArgumentException>(() => LibvirtUri.QemuSsh("h3", "ro ot"));

        var (virsh, host) = Client();
        await virsh.MigrateAsync("vm1", new MigrateOptions(uri), TimeSpan.FromMinutes(10));
        Assert.Equal([.. Prefix, "migrate", "--domain", "vm1", "--desturi", uri, "--live", "--persistent", "--undefinesource"], host.LastArgv);
        Assert.Equal(TimeSpan.FromMinutes(10), host.Calls[^1].Timeout);

        await virsh.MigrateAsync("vm1", new MigrateOptions(uri) { AutoConverge = true, MigrateUri = "tcp://10.20.1.13", BandwidthMiBs = 500 }, TimeSpan.FromMinutes(1));
        Assert.Equal(["migrate", "--domain", "vm1", "--desturi", uri, "--live", "--persistent", "--undefinesource", "--auto-converge",
            "--migrateuri", "tcp://10.20.1.13", "--bandwidth", "500"], host.LastArgs);
        await Assert.ThrowsAsync<ArgumentException>(() => virsh.MigrateAsync("vm1", new MigrateOptions(uri) { Persistent = false }, TimeSpan.FromMinutes(1)));

        await virsh.MigrateAsync("vm1", new MigrateOptions(uri) { Live = false, Offline = true }, TimeSpan.FromMinutes(1));
        Assert.Equal(["migrate", "--domain", "vm1", "--desturi", uri, "--offline", "--persistent", "--undefinesource"], host.LastArgs);
        await Assert.ThrowsAsync<ArgumentException>(() => virsh.MigrateAsync("vm1", new MigrateOptions(uri) { Offline = true }, TimeSpan.FromMinutes(1)));

        // The destination keeps the definition it is given, not the running XML.
        await virsh.MigrateAsync("vm1", new MigrateOptions(uri) { PersistentXml = "<domain>def</domain>" }, TimeSpan.FromMinutes(1));
        Assert.Equal(["migrate", "--domain", "vm1", "--desturi", uri, "--live", "--persistent", "--undefinesource", "--persistent-xml", "/dev/stdin"], host.LastArgs);
        Assert.Equal("<domain>def</domain>", host.LastStdinText);
        await Assert.ThrowsAsync<ArgumentException>(() => virsh.MigrateAsync("vm1", new MigrateOptions(uri) { PersistentXml = "<domain/>", Persistent = false, UndefineSource = false }, TimeSpan.FromMinutes(1)));

        // Metadata items as libvirt wants them for --set: unqualified, libvirt adds the namespace.
        await virsh.SetMetadataAsync("vm1", new Dictionary<string, string> { ["placement"] = "pinned", ["host"] = "h2" }, ChangeScope.LiveAndConfig);
        Assert.Equal(["metadata", "--domain", "vm1", "--uri", DomainXml.MetadataNamespace, "--key", "mvm", "--set",
            "<domain><item name=\"host\">h2</item><item name=\"placement\">pinned</item></domain>", "--live", "--config"], host.LastArgs);
        await Assert.ThrowsAsync<ArgumentException>(() => virsh.MigrateAsync("vm1", new MigrateOptions("h3"), TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task ParsesWhatLibvirtPrints()
    {
        var (virsh, host) = Client();
        host.Reply(Fixture("virsh-9.0.0-dominfo-running.txt"));
        var running = await virsh.DomInfoAsync("mvmtest-vm1");
        Assert.Equal(new DomainInfo(9, "mvmtest-vm1", Guid.Parse("03b3b37b-b18b-4860-a943-50cf64f2a32f"), "hvm", DomainState.Running, 1, 393216, 393216,
            Persistent: true, Autostart: false, ManagedSave: false), running);
        host.Reply(Fixture("virsh-9.0.0-dominfo-shutoff.txt"));
        var off = await virsh.DomInfoAsync("mvmtest-vm1");
        Assert.Equal((null, DomainState.ShutOff, 2, 524288L, 327680L), (off.Id, off.State, off.Vcpus, off.MaxMemoryKiB, off.UsedMemoryKiB));

        host.Reply(Fixture("virsh-9.0.0-domstate-running.txt"));
        Assert.Equal(new DomainStateInfo(DomainState.Running, "booted"), await virsh.DomStateAsync("mvmtest-vm1"));
        host.Reply(Fixture("virsh-9.0.0-domstate-destroyed.txt"));
        var destroyed = await virsh.DomStateAsync("mvmtest-vm1");
        Assert.Equal((DomainState.ShutOff, "destroyed", false), (destroyed.State, destroyed.Reason, destroyed.IsActive));

        host.Reply(Fixture("virsh-9.0.0-list-all-uuid-name.txt"));
        Assert.Equal([new DomainListEntry(Guid.Parse("03b3b37b-b18b-4860-a943-50cf64f2a32f"), "mvmtest-vm1")], await virsh.ListAsync());
        Assert.Equal(["list", "--all", "--uuid", "--name"], host.LastArgs);
        host.Reply("\n");
        Assert.Empty(await virsh.ListAsync());

        host.Reply(Fixture("virsh-9.0.0-net-info.txt"));
        Assert.Equal(new NetworkInfo("mvmtest-net", Guid.Parse("5f819034-6a76-4903-8aa2-c52092f9fdb3"), true, true, true, "mvmtest-br0"), await virsh.NetInfoAsync("mvmtest-net"));

        host.Reply(Fixture("virsh-9.0.0-pool-info-inactive.txt"));
        var inactive = await virsh.PoolInfoAsync("mvmtest-rbd-pool");
        Assert.Equal(["pool-info", "--pool", "mvmtest-rbd-pool", "--bytes"], host.LastArgs);
        Assert.Equal(("inactive", false, (long?)null), (inactive.State, inactive.IsRunning, inactive.AvailableBytes));
        host.Reply(Fixture("virsh-9.0.0-pool-info-running.txt"));
        var poolRunning = await virsh.PoolInfoAsync("mvmtest-rbd-pool");
        Assert.Equal((true, 270553174016L, 16878043136L, 253675130880L), (poolRunning.IsRunning, poolRunning.CapacityBytes, poolRunning.AllocationBytes, poolRunning.AvailableBytes));

        // pool-list pads names to its column width.
        host.Reply(Fixture("virsh-9.0.0-pool-list-all-name.txt"));
        Assert.Equal(["mvmtest-rbd-pool"], await virsh.PoolListAsync());
        Assert.Equal(["pool-list", "--all", "--name"], host.LastArgs);
        host.Reply("default\nmvmtest-net\n\n");
        Assert.Equal(["default", "mvmtest-net"], await virsh.NetListAsync());
        Assert.Equal(["net-list", "--all", "--name"], host.LastArgs);

        host.Reply(Fixture("virsh-9.0.0-secret-list.txt"));
        Assert.Equal([new SecretListEntry(Secret, "ceph client.mvmtest secret")], await virsh.SecretListAsync());

        host.Reply(Fixture("virsh-9.0.0-dumpxml-running.xml"));
        var xml = await virsh.DumpXmlAsync("mvmtest-vm1");
        Assert.Equal(9, xml.Id);
        host.Reply(Fixture("virsh-9.0.0-dumpxml-inactive-uefi.xml"));
        await virsh.DumpXmlAsync("mvmtest-vm1", inactive: true);
        Assert.Equal(["dumpxml", "--domain", "mvmtest-vm1", "--inactive"], host.LastArgs);

        host.Reply("Capacity:       67108864\nAllocation:     204800\nPhysical:       196616\n\n");
        Assert.Equal(new BlockInfo(67108864, 204800, 196616), await virsh.DomBlkInfoAsync("vm1", "vda"));
        Assert.Equal(["domblkinfo", "--domain", "vm1", "--device", "vda"], host.LastArgs);
    }

    [Fact]
    public void StateWordsAndBadOutput()
    {
        Assert.Equal(DomainState.ShuttingDown, VirshOutput.ParseState("in shutdown"));
        Assert.Equal(DomainState.Blocked, VirshOutput.ParseState("idle"));
        Assert.Equal(DomainState.PmSuspended, VirshOutput.ParseState("pmsuspended"));
        Assert.Equal(new DomainStateInfo(DomainState.Paused, null), VirshOutput.ParseDomState("paused\n\n"));
        Assert.Throws<FormatException>(() => VirshOutput.ParseState("dancing"));
        Assert.Throws<FormatException>(() => VirshOutput.ParseDomInfo("Name: x\n"));
        Assert.Throws<FormatException>(() => VirshOutput.ParseListUuidName("not-a-uuid vm1\n"));
        // A domain name with spaces survives (the UUID column never has one).
        Assert.Equal("my vm", VirshOutput.ParseListUuidName("ef8d68c2-1ad7-4bc3-b9d2-91f04b626f48 my vm\n")[0].Name);
    }

    [Fact]
    public async Task ShutdownWaitsForTheDomainToStop()
    {
        var (virsh, host) = Client();
        host.Reply().Reply("running (booted)\n").Reply("in shutdown (unknown)\n").Reply("shut off (shutdown)\n");
        Assert.True(await virsh.ShutdownAsync("vm1", TimeSpan.FromSeconds(10)));
        Assert.Equal(4, host.Calls.Count);

        // A guest that ignores ACPI: false once the wait is over, and the caller destroys it.
        (virsh, host) = Client();
        host.Reply();
        for (var i = 0; i < 1000; i++) host.Reply("running (booted)\n");
        Assert.False(await virsh.ShutdownAsync("vm1", TimeSpan.FromMilliseconds(50)));
        // Asked once: the next request is due only after ShutdownRepeat (10 s), longer than this wait.
        Assert.All(host.Calls.Skip(1), c => Assert.Equal("domstate", c.Argv[5]));

        // Already off: the captured "domain is not running" is success, with no waiting.
        (virsh, host) = Client();
        host.Fail(Fixture("virsh-9.0.0-shutdown-not-running.stderr"));
        Assert.True(await virsh.ShutdownAsync("vm1", TimeSpan.FromSeconds(10)));
        Assert.Single(host.Calls);

        // A transient domain vanishes when it stops.
        (virsh, host) = Client();
        host.Reply().Fail(Fixture("virsh-9.0.0-dumpxml-missing-domain.stderr"));
        Assert.True(await virsh.ShutdownAsync("vm1", TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ShutdownAsksAgainWhileTheGuestStillRuns()
    {
        // A guest still booting drops the first request (no agent yet, nothing handling the ACPI
        // button): the client asks again every ShutdownRepeat, here at every look at the state.
        var host = new VirshTestHost();
        var virsh = new Virsh(host) { PollInterval = TimeSpan.FromMilliseconds(1), ShutdownRepeat = TimeSpan.Zero };
        host.Reply()
            .Reply("running (booted)\n")
            // A refusal of a repeated request (libvirt 9.0 when the guest's shutdown command fails) is not an error.
            .Fail(Fixture("virsh-9.0.0-shutdown-agent-failed.stderr"))
            .Reply("running (booted)\n")
            .Reply()
            .Reply("shut off (shutdown)\n");
        Assert.True(await virsh.ShutdownAsync("vm1", TimeSpan.FromSeconds(10), "agent,acpi"));
        string[] shutdown = ["shutdown", "--domain", "vm1", "--mode", "agent,acpi"];
        Assert.Equal(6, host.Calls.Count);
        foreach (var i in new[] { 0, 2, 4 }) Assert.Equal(shutdown, host.Calls[i].Argv.Skip(5));
        foreach (var i in new[] { 1, 3, 5 }) Assert.Equal("domstate", host.Calls[i].Argv[5]);
    }

    [Fact]
    public async Task BlockResizeRefusesToShrink()
    {
        var (virsh, host) = Client();
        host.Reply("Capacity:       67108864\nAllocation:     204800\nPhysical:       196616\n");
        var e = await Assert.ThrowsAsync<ArgumentException>(() => virsh.BlockResizeAsync("vm1", "sdb", 16L << 20));
        Assert.Contains("refusing to shrink disk sdb of domain vm1 on h2 from 67108864 to 16777216 bytes", e.Message);
        Assert.Single(host.Calls); // nothing resized

        host.Reply("Capacity:       67108864\nAllocation:     204800\nPhysical:       196616\n");
        await virsh.BlockResizeAsync("vm1", "sdb", 128L << 20);
        Assert.Equal(["blockresize", "--domain", "vm1", "--path", "sdb", "--size", "134217728B"], host.LastArgs);
    }

    [Theory]
    [InlineData("start", "virsh-9.0.0-start-already-active.stderr")]
    [InlineData("destroy", "virsh-9.0.0-destroy-not-running.stderr")]
    [InlineData("net-start", "virsh-9.0.0-net-start-already-active.stderr")]
    [InlineData("net-destroy", "virsh-9.0.0-net-destroy-not-active.stderr")]
    [InlineData("pool-start", "virsh-9.0.0-pool-start-already-active.stderr")]
    [InlineData("pool-destroy", "virsh-9.0.0-pool-destroy-not-active.stderr")]
    public async Task NothingToDoIsFalseNotAnError(string command, string stderr)
    {
        var (virsh, host) = Client();
        host.Fail(Fixture(stderr));
        var changed = command switch
        {
            "start" => await virsh.StartAsync("mvmtest-vm1"),
            "destroy" => await virsh.DestroyAsync("mvmtest-rbd"),
            "net-start" => await virsh.NetStartAsync("mvmtest-net"),
            "net-destroy" => await virsh.NetDestroyAsync("mvmtest-net"),
            "pool-start" => await virsh.PoolStartAsync("mvmtest-rbd-pool"),
            _ => await virsh.PoolDestroyAsync("mvmtest-rbd-pool"),
        };
        Assert.False(changed);
    }

    [Fact]
    public async Task ALookalikeOfNothingToDoIsStillAnError()
    {
        // Starting a domain whose network is down also says "is not active" — about the network.
        var (virsh, host) = Client();
        host.Fail("error: Failed to start domain 'vm1'\nerror: Requested operation is not valid: network 'default' is not active\n");
        var e = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => virsh.StartAsync("vm1"));
        Assert.Contains("network 'default' is not active", e.Message);
        host.Fail(Fixture("virsh-9.0.0-net-destroy-not-active.stderr"));
        await Assert.ThrowsAsync<RemoteCommandFailedException>(() => virsh.NetDestroyAsync("another-net"));
    }

    [Theory]
    [InlineData("virsh-9.0.0-dumpxml-missing-domain.stderr", "domain", "mvmtest-missing")]
    [InlineData("virsh-9.0.0-net-info-missing-network.stderr", "network", "mvmtest-missing")]
    [InlineData("virsh-9.0.0-pool-info-missing-pool.stderr", "pool", "mvmtest-missing")]
    [InlineData("virsh-9.0.0-secret-undefine-missing-secret.stderr", "secret", "6d0c1a6e-3f7b-4c52-9a51-6a1f0e0b7c11")]
    public async Task NotFoundIsObjectNotFound(string stderr, string kind, string name)
    {
        var (virsh, host) = Client();
        host.Fail(Fixture(stderr));
        Func<Task> call = kind switch
        {
            "domain" => () => virsh.DumpXmlAsync(name),
            "network" => () => virsh.NetInfoAsync(name),
            "pool" => () => virsh.PoolInfoAsync(name),
            _ => () => virsh.SecretUndefineAsync(Guid.Parse(name)),
        };
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(call);
        Assert.Equal((kind, name, "h2", "virsh"), (e.Kind, e.Name, e.HostName, e.Tool));
        Assert.StartsWith($"{kind} \"{name}\" does not exist on h2 (virsh: failed to get {kind} '{name}'", e.Message);
    }

    [Fact]
    public async Task NotFoundOnlyCountsForTheObjectTheCommandIsAbout()
    {
        // pool-start fails because the pool's *secret* is missing: the pool exists, and a Delete
        // that took this for "already gone" would leave it behind.
        var (virsh, host) = Client();
        host.Fail(Fixture("virsh-9.0.0-pool-start-missing-secret.stderr"));
        var e = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => virsh.PoolStartAsync("mvmtest-rbd-pool"));
        Assert.Contains("Secret not found", e.Stderr);
        Assert.Contains("virsh -c qemu:///system pool-start --pool mvmtest-rbd-pool", e.Message);

        // A domain that vanished between virsh's lookup and the operation is gone all the same.
        host.Fail("error: Failed to destroy domain 'vm1'\nerror: Domain not found: no domain with matching uuid 'ef8d68c2-1ad7-4bc3-b9d2-91f04b626f48' (vm1)\n");
        var gone = await Assert.ThrowsAsync<ObjectNotFoundException>(() => virsh.DestroyAsync("vm1"));
        Assert.Equal(("domain", "vm1"), (gone.Kind, gone.Name));
    }

    [Theory]
    [InlineData("virsh-9.0.0-detach-missing-disk.stderr", "sdb")]
    [InlineData("virsh-9.0.0-blockresize-missing-disk.stderr", "vdz")]
    [InlineData("virsh-9.0.0-domblkinfo-missing-disk.stderr", "vdz")]
    public async Task AMissingDeviceIsObjectNotFoundForTheDevice(string stderr, string device)
    {
        var (virsh, host) = Client();
        host.Fail(Fixture(stderr));
        Func<Task> call = stderr.Contains("detach", StringComparison.Ordinal)
            ? () => virsh.DetachDeviceAsync("vm1", new DiskSpec { Source = new FileDiskSource("/x.qcow2"), TargetDev = device, Bus = DiskBus.Scsi }, ChangeScope.Live)
            : stderr.Contains("blockresize", StringComparison.Ordinal)
                ? () => virsh.BlockResizeAsync("vm1", device, 1L << 30, allowShrink: true)
                : () => virsh.DomBlkInfoAsync("vm1", device);
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(call);
        Assert.Equal(device, e.Name);
        Assert.Contains(e.Kind, new[] { "device", "disk" });
        // The NIC form of libvirt's message, from a detach by MAC.
        host.Fail("error: Failed to detach device from /dev/stdin\nerror: device not found: no device found at address '0000:09:00.0' matching MAC address '52:54:00:6d:00:03' and alias 'net2'\n");
        var nic = await Assert.ThrowsAsync<ObjectNotFoundException>(() => virsh.DetachDeviceAsync("vm1", InterfaceSpec.OvsBridge("br0", mac: "52:54:00:6d:00:03"), ChangeScope.Live));
        Assert.Equal(("device", "52:54:00:6d:00:03"), (nic.Kind, nic.Name));
    }

    [Fact]
    public async Task MissingToolsSayWhatToInstall()
    {
        var (virsh, host) = Client();
        host.Fail("env: 'virsh': No such file or directory\n", exit: 127);
        var e = await Assert.ThrowsAsync<ToolMissingException>(() => virsh.ListAsync());
        Assert.Equal(("virsh", "libvirt-clients"), (e.Tool, e.Package));

        // Captured on a host with libvirt but without its RBD storage backend.
        host.Fail("error: Failed to define pool from /dev/stdin\nerror: internal error: missing backend for pool type 9 (rbd)\n");
        var rbd = await Assert.ThrowsAsync<ToolMissingException>(() => virsh.PoolDefineAsync("<pool type='rbd'/>"));
        Assert.Equal("libvirt-daemon-driver-storage-rbd", rbd.Package);
    }

    [Fact]
    public async Task OtherFailuresCarryCommandExitAndStderr()
    {
        var (virsh, host) = Client();
        host.Fail(Fixture("virsh-9.0.0-setvcpus-over-max.stderr"));
        var e = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => virsh.SetVcpusAsync("mvmtest-vm1", 5, ChangeScope.Live));
        Assert.Equal(1, e.ExitCode);
        Assert.Contains("requested vcpus is greater than max allowable vcpus for the live domain: 5 > 4", e.Message);
        Assert.Contains("setvcpus --domain mvmtest-vm1 --count 5 --live", e.Message);

        host.Fail(Fixture("virsh-9.0.0-define-kvm-without-kvm.stderr"));
        var kvm = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => virsh.DefineAsync("<domain type='kvm'/>"));
        Assert.Contains("does not support virt type 'kvm'", kvm.Message);

        // Why undefine always says --nvram or --keep-nvram.
        host.Fail(Fixture("virsh-9.0.0-undefine-uefi-without-nvram-flag.stderr"));
        var nvram = await Assert.ThrowsAsync<RemoteCommandFailedException>(() => virsh.UndefineAsync("mvmtest-vm1"));
        Assert.Contains("cannot undefine domain with nvram", nvram.Message);
        Assert.Equal(
            "Failed to undefine domain 'mvmtest-vm1'; Requested operation is not valid: cannot undefine domain with nvram",
            VirshErrors.Detail(Fixture("virsh-9.0.0-undefine-uefi-without-nvram-flag.stderr")));
    }

    [Fact]
    public async Task ValuesAreCheckedBeforeAnythingRuns()
    {
        var (virsh, host) = Client();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => virsh.SetVcpusAsync("vm1", 0, ChangeScope.Live));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => virsh.SetMemAsync("vm1", 0, ChangeScope.Live));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => virsh.SetVcpusAsync("vm1", 1, (ChangeScope)0));
        await Assert.ThrowsAsync<ArgumentException>(() => virsh.AttachDeviceAsync("vm1", InterfaceSpec.OvsBridge("br0", 5000), ChangeScope.Live));
        Assert.Empty(host.Calls);
    }
}
