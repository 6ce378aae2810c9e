using Mvm.Framework.Config;
using Mvm.Core;
using Mvm.Framework;

namespace Mvm.Resources.Shared;

/// <summary>Offline checks of one host's fields, at a path prefix (`hosts[2]` in a cluster, `` for MvmHost).</summary>
public static class HostChecks
{
    public static void Check(CheckContext ctx, string prefix, HostFields host)
    {
        HostAddress.Check(ctx, PropertyPath.Field(prefix, "address"), host.Address);
        SshChecks.CheckPort(ctx, PropertyPath.Field(prefix, "sshPort"), host.SshPort);
        SshChecks.CheckUser(ctx, PropertyPath.Field(prefix, "sshUser"), host.SshUser);
        SshChecks.CheckPrivateKey(ctx, PropertyPath.Field(prefix, "sshPrivateKey"), host.SshPrivateKey);
        SshChecks.CheckPassword(ctx, PropertyPath.Field(prefix, "sshPassword"), host.SshPassword);
        SshChecks.CheckHostKey(ctx, PropertyPath.Field(prefix, "hostKey"), host.HostKey);
        SshChecks.CheckJumpHosts(ctx, PropertyPath.Field(prefix, "jumpHosts"), host.JumpHosts);
        DataDevices.Check(ctx, PropertyPath.Field(prefix, "dataDevices"), host.DataDevices);
        Names.CheckInterfaceName(ctx, PropertyPath.Field(prefix, "managementInterface"), host.ManagementInterface);
        Names.CheckInterfaceName(ctx, PropertyPath.Field(prefix, "storageInterface"), host.StorageInterface);
        Names.CheckInterfaceName(ctx, PropertyPath.Field(prefix, "computeInterface"), host.ComputeInterface);
    }

    /// <summary>
    /// Host display names are simple names; the message says where the name came from when defaulted.
    /// </summary>
    public static void CheckName(CheckContext ctx, string path, string? name, string hint = "") =>
        Names.CheckSimpleName(ctx, path, name, 63, hint);
}

/// <summary>Ceph data devices: absolute paths under /dev, each listed once per host.</summary>
public static class DataDevices
{
    public static void Check(CheckContext ctx, string path, IReadOnlyList<string?>? devices)
    {
        if (devices is null) return;
        for (var i = 0; i < devices.Count; i++)
            CheckOne(ctx, PropertyPath.Index(path, i), devices[i]);
        ctx.RequireUnique(path, devices, d => d, "device");
    }

    public static void CheckOne(CheckContext ctx, string path, string? device)
    {
        if (device is null) return;
        if (!device.StartsWith("/dev/", StringComparison.Ordinal))
        {
            var hint = device.Length > 0 && !device.Contains('/')
                ? $", e.g. {Quoted.Value("/dev/" + device)}"
                : ", e.g. /dev/vdb or /dev/disk/by-id/…";
            ctx.Fail(path, $"{Quoted.Value(device)} must be an absolute device path under /dev/{hint}");
        }
        else if (device.Length == "/dev/".Length || device.EndsWith('/'))
            ctx.Fail(path, $"{Quoted.Value(device)} must name a device, e.g. /dev/vdb");
        else if (device.Split('/').Any(s => s is "." or ".."))
            ctx.Fail(path, $"{Quoted.Value(device)} must not contain '.' or '..' segments; write the device path " +
                "directly");
        else if (device.Any(c => c is <= ' ' or > '~' or '"' or '\'' or '\\'))
            ctx.Fail(path, $"{Quoted.Value(device)} must be printable ASCII without spaces, quotes or '\\' (udev's " +
                "/dev/disk/by-id names are)");
    }
}
