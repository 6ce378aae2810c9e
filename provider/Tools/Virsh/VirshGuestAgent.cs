using System.Text.Json.Nodes;
using Mvm.Core;

namespace Mvm.Tools;

/// <summary>What a command run inside the guest by the agent (`guest-exec`) left behind.</summary>
/// <param name="Truncated">The agent keeps at most 16 MiB of each stream; more is cut off.</param>
public sealed record GuestExecResult(int ExitCode, byte[] Stdout, byte[] Stderr, bool Truncated)
{
    public string StdoutText => System.Text.Encoding.UTF8.GetString(Stdout);
    public string StderrText => System.Text.Encoding.UTF8.GetString(Stderr);
}

/// <summary>One address of a guest NIC, as `virsh domifaddr` prints it (`10.0.0.5/24`).</summary>
public sealed record GuestAddress(string Family, string Address, int Prefix);

/// <summary>
/// A NIC inside the guest with its addresses; <see cref="Mac"/> ties it to the domain's &lt;interface&gt;.
/// </summary>
public sealed record GuestInterface(string Name, string? Mac, IReadOnlyList<GuestAddress> Addresses);

/// <summary>
/// The guest agent cannot be reached: no agent channel, the agent is not (yet) running, or it stopped answering.
/// </summary>
public sealed class GuestAgentUnavailableException(string host, string domain, string detail)
    : ProviderException($"the guest agent of domain {domain} on {host} is not answering ({detail})")
{
    public string Domain { get; } = domain;
}

// The QEMU guest agent, through `virsh qemu-agent-command` (JSON in, JSON out) and
// `virsh domifaddr --source agent`. The command JSON goes on virsh's argv (it has no --file
// option), so nothing secret may be sent through these methods: the host's `ps` would show it.
public sealed partial class Virsh
{
    /// <summary>
    /// How long the agent may take to answer one command (virsh's --timeout); a hung guest must not hang the provider.
    /// </summary>
    internal static readonly TimeSpan AgentCommandTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The largest read asked of the agent at once (it base64-encodes the bytes into one JSON reply).
    /// </summary>
    internal const int AgentReadChunk = 1 << 20;

    /// <summary>
    /// Sends one agent command and returns its `return` value. Agent-side failures (a file that
    /// does not exist, a program that cannot be started) come back as
    /// <see cref="Transport.RemoteCommandFailedException"/> with the agent's message; an agent
    /// that is not there as <see cref="GuestAgentUnavailableException"/>.
    /// </summary>
    public async Task<JsonNode?> AgentCommandAsync(string domain, string command, JsonObject? arguments = null,
        CancellationToken ct = default)
    {
        var request = new JsonObject { ["execute"] = command };
        if (arguments is not null) request["arguments"] = arguments;
        var seconds = Num((long)AgentCommandTimeout.TotalSeconds);
        var result = await
            RunRawAsync(["qemu-agent-command", "--domain", domain, "--timeout", seconds, request.ToJsonString()], null,
            AgentCommandTimeout + TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            if (GuestAgentOutput.IsUnavailable(result.StderrText))
                throw new GuestAgentUnavailableException(_host.Name, domain, VirshErrors.Detail(result.StderrText));
            VirshErrors.Throw(_host.Name, result, VirshObject.Domain(domain));
        }
        return GuestAgentOutput.ParseReturn(result.StdoutText, command);
    }

    /// <summary>`guest-ping`: true when the agent answers, false when it is not (yet) there.</summary>
    public async Task<bool> AgentPingAsync(string domain, CancellationToken ct = default)
    {
        try
        {
            await AgentCommandAsync(domain, "guest-ping", null, ct).ConfigureAwait(false);
            return true;
        }
        catch (GuestAgentUnavailableException)
        {
            return false;
        }
    }

    /// <summary>
    /// Waits until the agent answers a ping, at most <paramref name="limit"/>; a booting guest starts its agent late.
    /// </summary>
    public async Task WaitForAgentAsync(string domain, TimeSpan limit, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!await AgentPingAsync(domain, ct).ConfigureAwait(false))
        {
            if (DateTime.UtcNow >= deadline)
                throw new GuestAgentUnavailableException(_host.Name, domain,
                    $"no answer to guest-ping within {limit.TotalSeconds:0} s");
            await Task.Delay(AgentPollInterval, ct).ConfigureAwait(false);
        }
    }

    /// <summary>How often <see cref="WaitForAgentAsync"/> and <see cref="GuestExecAsync"/> ask again.</summary>
    internal TimeSpan AgentPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Runs a program inside the guest (`guest-exec` with its output captured) and waits, at most
    /// <paramref name="limit"/>, for it to exit. <paramref name="argv"/>[0] is the program's path;
    /// nothing goes through a shell unless the caller runs one.
    /// </summary>
    public async Task<GuestExecResult> GuestExecAsync(string domain, IReadOnlyList<string> argv, TimeSpan limit,
        byte[]? stdin = null,
        CancellationToken ct = default)
    {
        if (argv.Count == 0
            || string.IsNullOrEmpty(argv[0])) throw new ArgumentException("guest-exec needs a program path",
            nameof(argv));
        var arguments = new JsonObject
        {
            ["path"] = argv[0],
            ["arg"] = new JsonArray([.. argv.Skip(1).Select(a => (JsonNode?)JsonValue.Create(a))]),
            ["capture-output"] = true,
        };
        if (stdin is not null) arguments["input-data"] = Convert.ToBase64String(stdin);
        var started = await AgentCommandAsync(domain, "guest-exec", arguments, ct).ConfigureAwait(false);
        var pid = GuestAgentOutput.ParseExecPid(started);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var status = await AgentCommandAsync(domain, "guest-exec-status", new JsonObject { ["pid"] = pid }, ct)
                .ConfigureAwait(false);
            if (GuestAgentOutput.ParseExecStatus(status) is { } done) return done;
            if (DateTime.UtcNow >= deadline)
                throw new
                    TimeoutException($"{argv[0]} (pid {pid}) in domain {domain} on {_host.Name} did not exit " +
                    $"within {limit.TotalSeconds:0} s");
            await Task.Delay(AgentPollInterval, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads a whole file from inside the guest (`guest-file-open`/`read`/`close`), at most
    /// <paramref name="maxBytes"/>. A file that does not exist is <see cref="ObjectNotFoundException"/> (kind `guest
    /// file`).
    /// </summary>
    public async Task<byte[]> GuestReadFileAsync(string domain, string path, long maxBytes = 16 << 20,
        CancellationToken ct = default)
    {
        if (!path.StartsWith('/')) throw new ArgumentException($"guest path '{path}' must be absolute", nameof(path));
        JsonNode? opened;
        try
        {
            opened = await AgentCommandAsync(domain, "guest-file-open",
                new JsonObject { ["path"] = path, ["mode"] = "r" }, ct).ConfigureAwait(false);
        }
        catch (Transport.RemoteCommandFailedException e) when (GuestAgentOutput.IsNoSuchFile(e.Stderr))
        {
            throw new ObjectNotFoundException(_host.Name, Tool, "guest file", path, VirshErrors.Detail(e.Stderr));
        }
        var handle = GuestAgentOutput.ParseHandle(opened);
        try
        {
            using var content = new MemoryStream();
            while (true)
            {
                var chunk = await AgentCommandAsync(domain, "guest-file-read",
                    new JsonObject { ["handle"] = handle, ["count"] = AgentReadChunk }, ct)
                    .ConfigureAwait(false);
                var (bytes, eof) = GuestAgentOutput.ParseFileRead(chunk);
                content.Write(bytes);
                if (content.Length > maxBytes)
                    throw new
                        ProviderException($"{path} in domain {domain} on {_host.Name} is larger than the {maxBytes} " +
                        "bytes asked for");
                if (eof) return content.ToArray();
            }
        }
        finally
        {
            // The agent keeps open handles until it restarts: always give this one back.
            await AgentCommandAsync(domain, "guest-file-close", new JsonObject { ["handle"] = handle },
                CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// `virsh domifaddr --source agent --full`: the guest's NICs and addresses as the guest itself reports them.
    /// </summary>
    public async Task<IReadOnlyList<GuestInterface>> GuestInterfacesAsync(string domain, CancellationToken ct = default)
    {
        var result = await RunRawAsync(["domifaddr", "--domain", domain, "--source", "agent", "--full"], null, null, ct)
            .ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            if (GuestAgentOutput.IsUnavailable(result.StderrText))
                throw new GuestAgentUnavailableException(_host.Name, domain, VirshErrors.Detail(result.StderrText));
            VirshErrors.Throw(_host.Name, result, VirshObject.Domain(domain));
        }
        return GuestAgentOutput.ParseDomIfAddr(result.StdoutText);
    }

    private const string Tool = VirshErrors.Tool;
}
