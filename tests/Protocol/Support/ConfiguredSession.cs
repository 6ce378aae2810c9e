using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness;
using Mvm.EngineHarness.Values;
using Mvm.Protocol.Wire;

namespace Mvm.Tests.Protocol.Support;

/// <summary>
/// One plugin per test class, loaded as the engine loads a default provider: Handshake, then CheckConfig and
/// Configure with a secret `mvm:sshPassword` (the credential Configure requires). Tests that leave the plugin in a
/// different state (Cancel, SIGINT, no credential) start their own.
/// </summary>
public class ConfiguredSession : IAsyncLifetime
{
    public const string Password = "session-pw-7Qx!";

    private ProviderSession? _session;

    public ProviderSession Session => _session ?? throw new InvalidOperationException("session not started");

    protected virtual IReadOnlyDictionary<string, string?> Environment => PluginBinary.Environment();

    public async Task InitializeAsync()
    {
        _session = await PluginBinary.StartSessionAsync(new ProviderSessionOptions
        {
            SecretConfig = new Dictionary<string, string> { ["sshPassword"] = Password },
            Environment = Environment,
        });
        Assert.NotNull(await _session.HandshakeAsync());
        await _session.ConfigureAsync();
    }

    public async Task DisposeAsync()
    {
        if (_session is not null)
            await _session.DisposeAsync();
    }

    /// <summary>Check with empty olds; returns the response (failures included).</summary>
    public Task<CheckResponse> CheckAsync(string type, string name, object news, object? olds = null)
        => Session.Client.CheckAsync(Session.CheckRequest(type, name, news, olds));

    /// <summary>Check that must pass: returns the checked inputs.</summary>
    public async Task<Struct> CheckedAsync(string type, string name, object news, object? olds = null)
    {
        var response = await CheckAsync(type, name, news, olds);
        Assert.True(response.Failures.Count == 0,
            $"Check of {type} '{name}' failed: {string.Join("; ", response.Failures.Select(f => $"{f.Property}: {f.Reason}"))}");
        return response.Inputs;
    }
}

/// <summary>Small helpers to read values off the wire.</summary>
public static class Wire
{
    public static Value Field(Struct s, string key)
    {
        Assert.True(s.Fields.TryGetValue(key, out var v), $"no '{key}' in {PropertyValues.ToJson(s)}");
        return v!;
    }

    public static string Text(Struct s, string key) => PropertyValues.Unwrap(Field(s, key)).StringValue;

    public static double Number(Struct s, string key) => PropertyValues.Unwrap(Field(s, key)).NumberValue;

    public static string Failures(CheckResponse r) => string.Join("\n", r.Failures.Select(f => $"  {f.Property}: {f.Reason}"));

    public static CheckFailure FailureAt(CheckResponse r, string property)
    {
        var match = r.Failures.FirstOrDefault(f => f.Property == property);
        Assert.True(match is not null, $"expected a failure at '{property}', got:\n{Failures(r)}");
        return match!;
    }
}
