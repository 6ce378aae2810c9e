using static Mvm.Tests.Unit.Resources.CheckHelpers;
using G = Mvm.Tests.Unit.Checks.ValueGenerator;
using Mvm.Framework.Config;
using Mvm.Framework;
using Mvm.Protocol;
using Mvm.Resources.CephPool;
using Mvm.Resources.MvmCluster;
using Mvm.Resources.MvmHost;
using Mvm.Resources.OvsVlan;
using Mvm.Resources.VirtualImage;
using Mvm.Resources.VirtualMachine;

namespace Mvm.Tests.Unit.Checks;

/// <summary>
/// One validated string field: how to put a value into otherwise valid inputs of its resource,
/// the path a failure must name, valid values of its kind, and the rule of the tools it reaches.
/// </summary>
internal sealed record CheckedField(
    string Name,
    Func<string, IReadOnlyList<CheckFailureInfo>> Check,
    Func<string, string> PathFor,
    Func<Random, string> Valid,
    Func<string, bool> ToolsTake,
    bool Secret = false)
{
    public override string ToString() => Name;
}

/// <summary>Every validated string field of every resource and of the provider configuration.</summary>
internal static class CheckedFields
{
    private static ObjectProperty ClusterHost(string name, string address) =>
        Obj(("name", name), ("address", address), ("dataDevices", List("/dev/vdb")));

    private static ObjectProperty Cluster() => Obj(
        ("name", "lab"),
        ("layout", "hci"),
        ("hosts", List(ClusterHost("hv1", "10.0.0.11"), ClusterHost("hv2", "10.0.0.12"),
            ClusterHost("hv3", "10.0.0.13").Set("jumpHosts", List(Obj(("address", "bastion.example"), ("user", "jump")))))),
        ("computeVlans", List("1", "22-25")),
        ("cephPublicNetwork", "10.0.10.0/24"),
        ("cephConfig", Obj(("osd_max_backfills", "2"))));

    private static ObjectProperty Host() => Obj(
        ("connectString", Secret(ConnectString)), ("name", "hv4"), ("address", "10.0.0.14"), ("dataDevices", List("/dev/vdb")));

    private static ObjectProperty Pool() => Obj(("connectString", Secret(ConnectString)), ("name", "vm-data"), ("size", 3));

    private static ObjectProperty Vlan() => Obj(("connectString", Secret(ConnectString)), ("name", "dmz"), ("vlanId", 22));

    private static ObjectProperty Image() => Obj(
        ("connectString", Secret(ConnectString)), ("name", "debian-12"), ("source", "https://mirror.example/debian.qcow2"), ("format", "qcow2"));

    private static ObjectProperty Vm() => Obj(
        ("connectString", Secret(ConnectString)), ("name", "web1"), ("image", "debian-12"), ("host", "hv1"),
        ("vcpus", 1), ("memoryMiB", 512),
        ("disks", List(Obj(("name", "boot"), ("sizeGiB", 10)), Obj(("name", "data"), ("sizeGiB", 20)))),
        ("networkInterfaces", List(Obj(("name", "lan"), ("vlan", "22")))));

    private static Func<string, IReadOnlyList<CheckFailureInfo>> Run(IResource resource, Func<ObjectProperty> inputs, Func<ObjectProperty, string, ObjectProperty> set) =>
        value => resource.Check("r", ObjectProperty.Empty, set(inputs(), value)).Failures;

    private static ObjectProperty InHost(ObjectProperty cluster, int index, string field, object? value)
    {
        var hosts = ((ArrayProperty)cluster["hosts"]!).Items;
        return cluster.SetItem("hosts", index, ((ObjectProperty)hosts[index]).Set(field, value));
    }

    private static ObjectProperty InItem(ObjectProperty o, string list, int index, string field, object? value)
    {
        var items = ((ArrayProperty)o[list]!).Items;
        return o.SetItem(list, index, ((ObjectProperty)items[index]).Set(field, value));
    }

    private static Func<string, string> At(string path) => _ => path;

    private static string Token(Random r) => G.PoolName(r) is var p && p.Length > 20 ? p[..20] : p;

    public static IReadOnlyList<CheckedField> All()
    {
        var cluster = new MvmCluster();
        var host = new MvmHost();
        var pool = new CephPool();
        var vlan = new OvsVlan();
        var image = new VirtualImage();
        var vm = new VirtualMachine();
        CheckedField C(string field, Func<ObjectProperty, string, ObjectProperty> set, string path, Func<Random, string> valid, Func<string, bool> rule) =>
            new($"MvmCluster.{path}", Run(cluster, Cluster, set), At(path), valid, rule);

        var hostFields = new (string Field, Func<Random, string> Valid, Func<string, bool> Rule)[]
        {
            ("address", G.Address, ToolRules.SshHost),
            ("sshUser", G.SshUser, ToolRules.LoginName),
            ("managementInterface", G.InterfaceName, ToolRules.InterfaceName),
            ("storageInterface", G.InterfaceName, ToolRules.InterfaceName),
            ("computeInterface", G.InterfaceName, ToolRules.InterfaceName),
            ("hostKey", _ => HostKey, ToolRules.KeyLine),
        };

        var fields = new List<CheckedField>
        {
            C("name", (o, v) => o.Set("name", v), "name", G.DnsLabel, s => s.Length is > 0 and <= 63 && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')),
            C("hosts[0].name", (o, v) => InHost(o, 0, "name", v), "hosts[0].name", r => G.SimpleName(r, 63), ToolRules.RbdName),
            C("hosts[0].dataDevices[0]", (o, v) => InHost(o, 0, "dataDevices", List(v)), "hosts[0].dataDevices[0]", G.DevicePath, ToolRules.DevicePath),
            C("hosts[2].jumpHosts[0].address", (o, v) => InHost(o, 2, "jumpHosts", List(Obj(("address", v)))), "hosts[2].jumpHosts[0].address", G.Address, ToolRules.SshHost),
            C("hosts[2].jumpHosts[0].user", (o, v) => InHost(o, 2, "jumpHosts", List(Obj(("address", "bastion"), ("user", v)))), "hosts[2].jumpHosts[0].user", G.SshUser, ToolRules.LoginName),
            C("computeVlans[1]", (o, v) => o.Set("computeVlans", List("4094", v)), "computeVlans[1]", G.VlanItem, ToolRules.VlanItem),
            C("cpuModel", (o, v) => o.Set("cpuModel", v), "cpuModel", G.CpuModel, ToolRules.CpuModel),
            C("cephPublicNetwork", (o, v) => o.Set("cephPublicNetwork", v), "cephPublicNetwork", G.Cidr, ToolRules.Network),
            C("cephClusterNetwork", (o, v) => o.Set("cephClusterNetwork", v), "cephClusterNetwork", G.Cidr, ToolRules.Network),
            C("vmPool", (o, v) => o.Set("vmPool", v), "vmPool", G.PoolName, ToolRules.PoolName),
            C("ovsBridge", (o, v) => o.Set("ovsBridge", v), "ovsBridge", G.InterfaceName, ToolRules.InterfaceName),
            C("cephConfig.osd_max_backfills", (o, v) => o.Set("cephConfig", Obj(("osd_max_backfills", v))), "cephConfig.osd_max_backfills", G.OptionValue, ToolRules.CephValue),
            new("MvmCluster.cephConfig[key]", Run(cluster, Cluster, (o, k) => o.Set("cephConfig", Obj((k, "5")))),
                k => PropertyPath.Field("cephConfig", k), G.OptionName, ToolRules.CephOption),
        };
        foreach (var (field, valid, rule) in hostFields)
            fields.Add(C($"hosts[1].{field}", (o, v) => InHost(o, 1, field, v), $"hosts[1].{field}", valid, rule));

        CheckedField R(IResource res, string type, Func<ObjectProperty> inputs, string path, Func<ObjectProperty, string, ObjectProperty> set, Func<Random, string> valid, Func<string, bool> rule) =>
            new($"{type}.{path}", Run(res, inputs, set), At(path), valid, rule);

        fields.Add(R(host, "MvmHost", Host, "name", (o, v) => o.Set("name", v), r => G.SimpleName(r, 63), ToolRules.RbdName));
        fields.Add(R(host, "MvmHost", Host, "dataDevices[0]", (o, v) => o.Set("dataDevices", List(v)), G.DevicePath, ToolRules.DevicePath));
        foreach (var (field, valid, rule) in hostFields)
            fields.Add(R(host, "MvmHost", Host, field, (o, v) => o.Set(field, v), valid, rule));

        fields.Add(R(pool, "CephPool", Pool, "name", (o, v) => o.Set("name", v), G.PoolName, ToolRules.PoolName));
        fields.Add(R(pool, "CephPool", Pool, "application", (o, v) => o.Set("application", v), Token, ToolRules.RbdName));
        fields.Add(R(pool, "CephPool", () => Pool().Without("size").Set("type", "erasure"), "erasureCodeProfile", (o, v) => o.Set("erasureCodeProfile", v),
            Token, ToolRules.RbdName));

        fields.Add(R(vlan, "OvsVlan", Vlan, "name", (o, v) => o.Set("name", v), r => G.SimpleName(r, 63), ToolRules.PortGroup));
        fields.Add(R(vlan, "OvsVlan", Vlan, "bridge", (o, v) => o.Set("bridge", v), G.InterfaceName, ToolRules.InterfaceName));

        fields.Add(R(image, "VirtualImage", Image, "name", (o, v) => o.Set("name", v), r => G.SimpleName(r, 127), ToolRules.RbdName));
        fields.Add(R(image, "VirtualImage", Image, "pool", (o, v) => o.Set("pool", v), G.PoolName, ToolRules.PoolName));
        fields.Add(R(image, "VirtualImage", Image, "source", (o, v) => o.Set("source", v), G.Source, ToolRules.Source));
        fields.Add(R(image, "VirtualImage", Image, "checksum", (o, v) => o.Set("checksum", v), G.Checksum, ToolRules.Digest));

        fields.Add(R(vm, "VirtualMachine", Vm, "name", (o, v) => o.Set("name", v), r => G.SimpleName(r, 63), ToolRules.DomainName));
        fields.Add(R(vm, "VirtualMachine", Vm, "image", (o, v) => o.Set("image", v), G.ImageRef, ToolRules.ImageReference));
        fields.Add(R(vm, "VirtualMachine", Vm, "host", (o, v) => o.Set("host", v), r => G.SimpleName(r, 63), ToolRules.RbdName));
        fields.Add(R(vm, "VirtualMachine", Vm, "cpuModel", (o, v) => o.Set("cpuModel", v), G.CpuModel, ToolRules.CpuModel));
        fields.Add(R(vm, "VirtualMachine", Vm, "disks[1].name", (o, v) => InItem(o, "disks", 1, "name", v), r => G.SimpleName(r, 32), s => ToolRules.RbdName("web1-" + s)));
        fields.Add(R(vm, "VirtualMachine", Vm, "disks[1].pool", (o, v) => InItem(o, "disks", 1, "pool", v), G.PoolName, ToolRules.PoolName));
        fields.Add(R(vm, "VirtualMachine", Vm, "networkInterfaces[0].name", (o, v) => InItem(o, "networkInterfaces", 0, "name", v), r => G.SimpleName(r, 32), ToolRules.PortGroup));
        fields.Add(R(vm, "VirtualMachine", Vm, "networkInterfaces[0].vlan", (o, v) => InItem(o, "networkInterfaces", 0, "vlan", v), G.VlanRef, ToolRules.VlanReference));
        fields.Add(R(vm, "VirtualMachine", Vm, "networkInterfaces[0].mac", (o, v) => InItem(o, "networkInterfaces", 0, "mac", v), G.Mac, ToolRules.Mac));

        CheckedField P(string path, Func<string, ObjectProperty> config, Func<Random, string> valid, Func<string, bool> rule) =>
            new($"provider.{path}", v => ConfigLoader.Load(config(v), _ => null).Failures, At(path), valid, rule);
        fields.Add(P("sshUser", v => Obj(("sshUser", v)), G.SshUser, ToolRules.LoginName));
        fields.Add(P("jumpHosts[0].address", v => Obj(("jumpHosts", List(Obj(("address", v))))), G.Address, ToolRules.SshHost));
        fields.Add(P("jumpHosts[0].user", v => Obj(("jumpHosts", List(Obj(("address", "bastion"), ("user", v))))), G.SshUser, ToolRules.LoginName));
        fields.Add(P("hostKeys[\"h1\"]", v => Obj(("hostKeys", Obj(("h1", v)))), _ => HostKey, ToolRules.KeyLine));
        fields.Add(P("connectTimeout", v => Obj(("connectTimeout", v)), G.Duration, ToolRules.NotSentAsText));
        return fields;
    }
}
