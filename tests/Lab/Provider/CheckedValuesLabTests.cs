using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Xunit.Abstractions;
using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.CephPool;
using Mvm.Resources.MvmCluster;
using Mvm.Resources.OvsVlan;
using Mvm.Resources.VirtualImage;
using Mvm.Resources.VirtualMachine;
using Mvm.Tests.Lab.Tools;
using Mvm.Tests.Lab.Tools.CephClients;
using Mvm.Tests.Lab.Transport;
using Mvm.Tests.Unit.Checks;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// "Whatever Check accepts, the hosts accept", on the real tools of h3 (Ceph 16.2.15 from
/// <see cref="CephLabCluster"/>, libvirt 9.0 and Open vSwitch from <see cref="LibvirtLabSetup"/>):
/// a sample of generated values each resource's Check accepts — a different sample every day,
/// the seed printed (`MVM_CHECK_SEED=n` replays one) — goes through the tool the field reaches and
/// must come back byte for byte. Nothing is started; every object is removed again.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class CheckedValuesLabTests(LabFixture lab, ITestOutputHelper output)
{
    private const int PerKind = 20;
    private const string Pool = "mvmtest-checked";
    private const string Section = "client.mvmtest-checked";
    private const string Network = "mvmtest-checked-net";
    private const string Bridge = "mvmtest-chk";
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);
    // Each rbd/ceph call is a process start on h3 and a monitor round trip: in parallel over the one SSH connection.
    private static readonly ParallelOptions Eight = new() { MaxDegreeOfParallelism = 8 };

    private static readonly string ConnectString = Mvm.Cluster.ConnectString.Encode(new ClusterInfo
    {
        Name = "lab",
        Fsid = "6b1f5bd4-3c1e-4f4c-9a55-0d1f0c1e2a11",
        Hosts = [new Mvm.Cluster.MemberHost { Name = "h3", Address = "10.20.0.13" }],
    });

    private static PropertyValue S(string v) => PropertyValue.Of(v);

    private static ObjectProperty Obj(params (string Key, PropertyValue Value)[] fields) =>
        (ObjectProperty)PropertyValue.Of(fields.Select(f => KeyValuePair.Create(f.Key, f.Value)));

    private static bool Accepts(IResource resource, ObjectProperty inputs) => resource.Check("r", ObjectProperty.Empty, inputs).Failures.Count == 0;

    private static readonly PropertyValue Cs = PropertyValue.Secret(PropertyValue.Of(ConnectString));

    private static bool ImageName(string v) => Accepts(new VirtualImage(), Obj(("connectString", Cs), ("name", S(v)), ("source", S("/x.qcow2"))));
    private static bool PoolName(string v) => Accepts(new CephPool(), Obj(("connectString", Cs), ("name", S(v)), ("size", PropertyValue.Of(1))));
    private static bool PortGroupName(string v) => Accepts(new OvsVlan(), Obj(("connectString", Cs), ("name", S(v)), ("vlanId", PropertyValue.Of(22))));

    private static ObjectProperty Vm(string name, string disk, string mac) => Obj(("connectString", Cs), ("name", S(name)), ("image", S("debian")),
        ("vcpus", PropertyValue.Of(1)), ("memoryMiB", PropertyValue.Of(512)),
        ("disks", PropertyValue.Of([Obj(("name", S(disk)), ("sizeGiB", PropertyValue.Of(1)))])),
        ("networkInterfaces", PropertyValue.Of([Obj(("name", S("lan")), ("vlan", S("22")), ("mac", S(mac)))])));

    /// <summary>A 3-host hci cluster (cephConfig applies only there) with these Ceph settings.</summary>
    private static ObjectProperty HciCluster(ObjectProperty cephConfig)
    {
        var hosts = PropertyValue.Of(Enumerable.Range(1, 3).Select(i => (PropertyValue)Obj(("name", S($"h{i}")), ("address", S($"10.0.0.{i}")),
            ("dataDevices", PropertyValue.Of([S("/dev/vdb")])))));
        return Obj(("name", S("lab")), ("layout", S("hci")), ("hosts", hosts), ("cephConfig", cephConfig));
    }

    private static bool CephSetting(string key, string value) => Accepts(new MvmCluster(), HciCluster(Obj((key, S(value)))));

    private static List<string> Sample(ValueGenerator gen, Func<Random, string> valid, Func<string, bool> accepted, int count = PerKind)
    {
        var found = new List<string>();
        for (var i = 0; i < 20000 && found.Count < count; i++)
        {
            var v = gen.Next(valid);
            if (!found.Contains(v, StringComparer.OrdinalIgnoreCase) && accepted(v)) found.Add(v);
        }
        Assert.True(found.Count == count, $"only {found.Count} accepted values found");
        return found;
    }

    [Fact]
    public async Task ValuesCheckAcceptsRoundTripThroughTheRealTools()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("MVM_CHECK_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)
            ? s : int.Parse(DateTime.UtcNow.ToString("yyyyMMdd", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        output.WriteLine($"seed {seed} (replay with MVM_CHECK_SEED={seed})");
        var gen = new ValueGenerator(seed);
        var clock = Stopwatch.StartNew();

        await using var transport = new SshTransport();
        var host = transport.Host(lab.Target(lab.H3));
        await CephLabCluster.EnsureAsync(lab, host, output);
        await LibvirtLabSetup.EnsureAsync(host);
        output.WriteLine($"setup {clock.Elapsed.TotalSeconds:F1} s ({LibvirtLabSetup.Report})");
        var ceph = new Ceph(host);
        var rbd = new Rbd(host);
        var virsh = new Virsh(host);
        await CleanAsync(host, ceph);
        try
        {
            await RoundTripsAsync(gen, host, ceph, rbd, virsh, clock);
        }
        finally
        {
            await CleanAsync(host, ceph);
        }
    }

    private async Task RoundTripsAsync(ValueGenerator gen, IHost host, Ceph ceph, Rbd rbd, Virsh virsh, Stopwatch clock)
    {
        // RBD image names: VirtualImage names and VM disk images (`VM-DISK`).
        var images = Sample(gen, r => ValueGenerator.SimpleName(r, 127), ImageName)
            .Concat(Sample(gen, r => ValueGenerator.SimpleName(r, 32), d => Accepts(new VirtualMachine(), Vm("web1", d, "52:54:00:00:00:01"))).Select(d => "web1-" + d))
            .ToList();
        // With its application set: a pool without one is HEALTH_WARN, and the Ceph fixture would rebuild the cluster.
        await Sh(host, "ceph", "osd", "pool", "create", Pool, "8");
        await Sh(host, "ceph", "osd", "pool", "application", "enable", Pool, "rbd");
        await Parallel.ForEachAsync(images, Eight, async (name, ct) => await rbd.CreateAsync(new RbdImageRef(Pool, name), 1 << 20, null, ct));
        var listed = JsonSerializer.Deserialize<string[]>(await Sh(host, "rbd", "ls", "--pool", Pool, "--format", "json"))!;
        Assert.Equal(images.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        await Parallel.ForEachAsync(images, Eight, async (name, ct) =>
        {
            Assert.Equal(name, (await rbd.InfoAsync(new RbdImageRef(Pool, name), ct)).Name);
            await rbd.RemoveAsync(new RbdImageRef(Pool, name), ct);
        });
        output.WriteLine($"{images.Count} RBD image names: {clock.Elapsed.TotalSeconds:F1} s");

        // Ceph pool names.
        var pools = Sample(gen, ValueGenerator.PoolName, PoolName);
        try
        {
            await Parallel.ForEachAsync(pools, Eight, async (name, ct) => await ceph.CreatePoolAsync(new PoolCreateOptions(name) { PgNum = 1 }, ct));
            var poolList = JsonSerializer.Deserialize<string[]>(await Sh(host, "ceph", "osd", "pool", "ls", "-f", "json"))!;
            Assert.All(pools, p => Assert.Contains(p, poolList));
        }
        finally
        {
            // mon_allow_pool_delete is on in the lab cluster's database (CephLabCluster), so they go in parallel.
            await Parallel.ForEachAsync(pools, Eight, async (name, ct) => await ceph.DeletePoolAsync(name, allowTemporarily: false, ct));
        }
        output.WriteLine($"{pools.Count} pool names: {clock.Elapsed.TotalSeconds:F1} s");

        // cephConfig values (on a string option of a section no daemon reads) …
        var values = Sample(gen, ValueGenerator.OptionValue, v => CephSetting("log_file", v));
        // One section per value, so they go in parallel.
        await Parallel.ForEachAsync(values.Select((v, i) => (v, Who: $"{Section}-{i}")), Eight, async (x, ct) =>
        {
            await ceph.ConfigSetAsync(x.Who, "log_file", x.v, ct);
            Assert.Equal(x.v + "\n", (await host.RunCheckedAsync(["ceph", "config", "get", x.Who, "log_file"], T, ct)).StdoutText);
            Assert.Equal(x.v, await ceph.ConfigGetAsync(x.Who, "log_file", ct));
            await ceph.ConfigRemoveAsync(x.Who, "log_file", ct);
        });
        // … and keys: every option the monitors list passes Check; a generated well-formed name is
        // either an option (`ceph config help` knows it; `config ls` omits the debug_* ones) and
        // set, or refused before anything is set, leaving the section empty.
        var known = (await Sh(host, "ceph", "config", "ls")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var all = HciCluster(Obj(known.Select(k => (k, S("1"))).ToArray()));
        Assert.Empty(new MvmCluster().Check("r", ObjectProperty.Empty, all).Failures.Select(f => $"{f.Property}: {f.Reason}"));
        var keys = Sample(gen, ValueGenerator.OptionName, k => CephSetting(k, "1"), 8);
        foreach (var key in keys)
        {
            var refused = await Record.ExceptionAsync(() => ceph.ConfigSetAllAsync(Section, [new("mon_data_avail_warn", "5"), new(key, "1")], default));
            var isOption = (await host.RunAsync(["ceph", "config", "help", key], null, T, default)).ExitCode == 0;
            if (refused is null)
            {
                Assert.True(isOption, $"{Quoted.Value(key)} was set although Ceph does not know it");
                await ceph.ConfigRemoveAsync(Section, key, default);
                await ceph.ConfigRemoveAsync(Section, "mon_data_avail_warn", default);
            }
            else
            {
                Assert.True(refused is CephSettingRefusedException, refused.ToString());
                Assert.DoesNotContain(Section, await Sh(host, "ceph", "config", "dump"));
            }
        }
        foreach (var key in keys.Where(k => known.Contains(k)).Take(5))
        {
            var help = JsonDocument.Parse(await Sh(host, "ceph", "config", "help", key, "-f", "json")).RootElement;
            var d = help.GetProperty("default");
            var value = d.ValueKind == JsonValueKind.String ? d.GetString()! : d.GetRawText();
            if (Ceph.ConfigValueProblem(value) is not null) continue;
            await ceph.ConfigSetAsync(Section, key, value, default);
            Assert.Equal(value, await ceph.ConfigGetAsync(Section, key, default));
            await ceph.ConfigRemoveAsync(Section, key, default);
        }
        Assert.DoesNotContain(Section, await Sh(host, "ceph", "config", "dump"));
        output.WriteLine($"{values.Count} cephConfig values, {known.Length} known and {keys.Count} generated keys: {clock.Elapsed.TotalSeconds:F1} s");

        // Domain names and NIC MACs: defined (never started), read back by UUID, undefined.
        var names = Sample(gen, r => ValueGenerator.SimpleName(r, 63), n => Accepts(new VirtualMachine(), Vm(n, "boot", "52:54:00:00:00:01")));
        var macs = Sample(gen, ValueGenerator.Mac, m => Accepts(new VirtualMachine(), Vm("web1", "boot", m)));
        for (var i = 0; i < PerKind; i++)
        {
            var uuid = Guid.NewGuid();
            try
            {
            await virsh.DefineAsync(DomainXml.FromSpec(new DomainSpec
            {
                Name = names[i], Uuid = uuid, Type = Mvm.Tools.DomainType.Qemu, MemoryKiB = LibvirtUnits.MiBToKiB(64), MaxVcpus = 1, Vcpus = 1,
                Interfaces = [InterfaceSpec.OvsBridge(Bridge, mac: macs[i])],
            }));
            var xml = XElement.Parse(await Sh(host, "virsh", "dumpxml", uuid.ToString()));
            Assert.Equal(names[i], xml.Element("name")!.Value);
            Assert.Equal(names[i], (await Sh(host, "virsh", "domname", uuid.ToString())).TrimEnd('\n'));
            // libvirt writes MACs in lower case; the provider compares them that way (MacAddress.Normalize).
            Assert.Equal(macs[i].ToLowerInvariant(), (string?)xml.Element("devices")!.Element("interface")!.Element("mac")!.Attribute("address"));
            }
            finally
            {
                await host.RunAsync(["virsh", "undefine", uuid.ToString()], null, T, default);
            }
        }
        output.WriteLine($"{PerKind} domain names and MACs: {clock.Elapsed.TotalSeconds:F1} s");

        // Port group names: in a libvirt network (as OvsVlan defines them) and as the OVS bridge label.
        var groups = Sample(gen, r => ValueGenerator.SimpleName(r, 63), PortGroupName);
        await virsh.NetDefineAsync(NetworkXml.FromSpec(new OvsNetworkSpec(Network, Bridge, groups.Select((g, i) => new PortGroupSpec(g, 100 + i)).ToList())));
        var pgs = XElement.Parse(await Sh(host, "virsh", "net-dumpxml", Network)).Elements("portgroup").Select(p => (string)p.Attribute("name")!).ToList();
        Assert.Equal(groups, pgs);
        await virsh.NetUndefineAsync(Network);
        var labels = groups.Select((g, i) => KeyValuePair.Create($"mvm-test-{i}", g)).ToDictionary();
        await new OvsVsctl(host).AddBridgeAsync(Bridge, "netdev", T, default, labels);
        // ovs-vsctl's JSON listing: ["map", [[key, value], …]].
        var listing = JsonDocument.Parse(await Sh(host, "ovs-vsctl", "--format=json", "--columns=external_ids", "list", "bridge", Bridge)).RootElement;
        var ids = listing.GetProperty("data")[0][0][1].EnumerateArray().ToDictionary(p => p[0].GetString()!, p => p[1].GetString()!);
        foreach (var (key, group) in labels) Assert.Equal(group, ids[key]);
        await new OvsVsctl(host).DeleteBridgeAsync(Bridge, ifExists: true, T, default);
        output.WriteLine($"{groups.Count} port group names: {clock.Elapsed.TotalSeconds:F1} s in all");
    }

    private static async Task<string> Sh(IHost host, params string[] argv) => (await host.RunCheckedAsync(argv, T, default)).StdoutText;

    /// <summary>What an earlier, failed run may have left.</summary>
    private static async Task CleanAsync(IHost host, Ceph ceph)
    {
        await ceph.DeletePoolAsync(Pool, allowTemporarily: true, default);
        await host.RunAsync(["virsh", "net-undefine", Network], null, T, default);
        await host.RunAsync(["ovs-vsctl", "--if-exists", "del-br", Bridge], null, T, default);
        await host.RunAsync(["sh", "-c", $"ceph config dump -f json | python3 -c 'import json,sys; [print(e[\"section\"], e[\"name\"]) for e in json.load(sys.stdin) if e[\"section\"].startswith(\"{Section}\")]' | while read s k; do ceph config rm $s $k; done"], null, T, default);
    }
}
