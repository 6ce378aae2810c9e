namespace Mvm.Tests.Protocol.Support;

/// <summary>Valid resource inputs used across tests (each passes Check as is).</summary>
public static class Clusters
{
    /// <summary>A one-host `standard` cluster whose host is 127.0.0.1:<paramref name="port"/>.</summary>
    public static object Standard(int port, string hostName = "h1") => new
    {
        name = "lab",
        layout = "standard",
        hosts = new[] { new { name = hostName, address = "127.0.0.1", sshPort = port } },
    };

    public static object Host(string name, string address, params string[] devices) => new
    {
        name,
        address,
        dataDevices = devices,
    };

    /// <summary>An hci cluster of the given hosts.</summary>
    public static object Hci(params object[] hosts) => new
    {
        name = "lab",
        layout = "hci",
        computeVlans = new[] { "22-25" },
        hosts,
    };

    public static object[] ThreeHosts() =>
    [
        Host("h1", "10.0.0.11", "/dev/vdb"),
        Host("h2", "10.0.0.12", "/dev/vdb", "/dev/vdc"),
        Host("h3", "10.0.0.13", "/dev/vdb"),
    ];
}
