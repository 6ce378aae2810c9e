using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Plugins;
using Mvm.Protocol.Wire;

namespace Mvm.EngineTests.Fakes;

/// <summary>
/// The "real world" behind the fake provider, shared by every fake plugin instance of a test (as real hosts are
/// shared by provider processes): objects by id, plus knobs that shape the provider's answers.
/// </summary>
public sealed class FakeCloud
{
    private int _nextId;

    /// <summary>Live objects: id → outputs.</summary>
    public ConcurrentDictionary<string, Struct> Objects { get; } = new();

    /// <summary>Properties whose change requires replacement (reported as UPDATE_REPLACE).</summary>
    public HashSet<string> ReplaceProperties { get; } = ["image"];

    /// <summary>DiffResponse.deleteBeforeReplace for replacements.</summary>
    public bool DeleteBeforeReplace { get; set; }

    public List<string> ResourceTokens { get; } = ["mvm:index:Thing", "mvm:index:Widget"];

    /// <summary>Properties the schema marks `secret: true` on mvm:index:Thing.</summary>
    public List<string> SecretProperties { get; } = [];

    public bool HandshakeImplemented { get; set; } = true;

    public bool AcceptSecrets { get; set; } = true;

    /// <summary>Config keys Configure requires (missing ones fail with ConfigureErrorMissingKeys).</summary>
    public List<string> RequiredConfig { get; } = [];

    /// <summary>Every launch of a fake plugin (env and args as the engine passed them).</summary>
    public ConcurrentQueue<PluginLaunchOptions> Launches { get; } = new();

    /// <summary>Every request any instance received, in order.</summary>
    public ConcurrentQueue<(string Method, IMessage Request)> Received { get; } = new();

    public int CancelCount;

    /// <summary>Hooks run before the default behaviour; return non-null to answer, throw RpcFailure to fail.</summary>
    public Func<CheckRequest, CheckResponse?>? OnCheck { get; set; }

    public Func<DiffRequest, DiffResponse?>? OnDiff { get; set; }

    public Func<CreateRequest, Task<CreateResponse?>>? OnCreate { get; set; }

    public Func<UpdateRequest, UpdateResponse?>? OnUpdate { get; set; }

    public Func<ReadRequest, ReadResponse?>? OnRead { get; set; }

    public Func<DeleteRequest, bool>? OnDelete { get; set; }

    public Func<DiffRequest, DiffResponse?>? OnDiffConfig { get; set; }

    public string NewId() => $"id-{Interlocked.Increment(ref _nextId)}";

    /// <summary>Objects of a given program name (the fake stores the URN's name in "_name").</summary>
    public IEnumerable<string> Names => Objects.Values.Select(o => o.Fields["_name"].StringValue).OrderBy(n => n, StringComparer.Ordinal);
}
