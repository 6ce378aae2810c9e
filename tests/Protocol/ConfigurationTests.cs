using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.Values;
using Mvm.Protocol.Wire;
using Mvm.Tests.Protocol.Support;

namespace Mvm.Tests.Protocol;

/// <summary>
/// Provider configuration over the wire: the missing-credential detail, MVM_* environment fallbacks, per-key
/// CheckConfig failures, stack-config strings vs explicit-provider typed values, and secrets kept out of errors.
/// </summary>
public sealed class ConfigurationTests(ConfiguredSession fixture, ITestOutputHelper output) : IClassFixture<ConfiguredSession>
{
    private const string ProviderType = "pulumi:providers:mvm";

    /// <summary>A syntactically valid ssh-ed25519 public key (type string + 32 key bytes).</summary>
    public static readonly string HostKey = MakeHostKey();

    private static string MakeHostKey()
    {
        var type = "ssh-ed25519"u8.ToArray();
        var blob = new List<byte>();
        void U32(int n) => blob.AddRange([(byte)(n >> 24), (byte)(n >> 16), (byte)(n >> 8), (byte)n]);
        U32(type.Length);
        blob.AddRange(type);
        U32(32);
        blob.AddRange(Enumerable.Range(1, 32).Select(i => (byte)i));
        return "ssh-ed25519 " + Convert.ToBase64String(blob.ToArray());
    }

    private static CheckRequest CheckConfigRequest(ProviderSession s, Struct news) => new()
    {
        Urn = s.ProviderUrn,
        Name = "default",
        Type = ProviderType,
        Olds = new Struct(),
        News = news,
    };

    private static ConfigureRequest ConfigureRequest(ProviderSession s, Struct args)
    {
        var request = new ConfigureRequest
        {
            Args = args,
            AcceptSecrets = true,
            SendsOldInputs = true,
            SendsOldInputsToDelete = true,
            Urn = s.ProviderUrn,
            Name = "explicit",
            Type = ProviderType,
            Id = Guid.NewGuid().ToString(),
        };
        foreach (var (k, v) in args.Fields)
        {
            var plain = PropertyValues.StripSecrets(v);
            request.Variables[$"mvm:config:{k}"] = plain.KindCase == Value.KindOneofCase.StringValue ? plain.StringValue : PropertyValues.ToJson(plain);
        }
        return request;
    }

    [Fact]
    public async Task Without_a_credential_Configure_fails_with_ConfigureErrorMissingKeys_naming_sshPrivateKey()
    {
        await using var s = await PluginBinary.StartSessionAsync(new ProviderSessionOptions
        {
            Config = new Dictionary<string, string> { ["sshUser"] = "root" },
        });
        await s.HandshakeAsync();
        var e = await Assert.ThrowsAsync<RpcFailure>(() => s.ConfigureAsync());
        output.WriteLine(e.StatusMessage);
        Assert.Equal(GrpcStatusCode.InvalidArgument, e.Code); // not UNKNOWN: nothing may be corrupt
        var missing = Assert.Single(e.MissingKeys!.MissingKeys);
        Assert.Equal("sshPrivateKey", missing.Name);
        Assert.Contains("sshPassword", missing.Description);
        Assert.Contains("sshPrivateKey", e.StatusMessage);
    }

    [Theory]
    [InlineData("MVM_SSH_PASSWORD", "env-pw-1")]
    [InlineData("MVM_SSH_PRIVATE_KEY", "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n")]
    [InlineData("SSH_AUTH_SOCK", "/tmp/mvm-protocol-agent.sock")]
    public async Task A_credential_from_the_plugin_environment_satisfies_Configure(string variable, string value)
    {
        await using var s = await PluginBinary.StartSessionAsync(new ProviderSessionOptions
        {
            Environment = PluginBinary.Environment(new Dictionary<string, string?> { [variable] = value }),
        });
        await s.HandshakeAsync();
        var response = await s.ConfigureAsync();
        Assert.True(response.AcceptSecrets);
        Assert.True(response.SupportsPreview);
    }

    public static TheoryData<string, string, string> BadConfig() => new()
    {
        // news (JSON, values as stack config sends them: strings), failing path, reason fragment
        { """{"sshPort":"70000"}""", "sshPort", "between 1 and 65535" },
        { """{"sshPort":"twenty-two"}""", "sshPort", "twenty-two" },
        { """{"createTimeout":"5 minutes"}""", "createTimeout", "not a duration" },
        { """{"connectTimeout":"soon"}""", "connectTimeout", "not a duration" },
        { """{"hostKeys":"{\"10.0.0.11\":\"not-a-key\"}"}""", "hostKeys[\"10.0.0.11\"]", "must be a public key" },
        { """{"hostKeys":{"10.0.0.12":"ssh-ed25519 !!!"}}""", "hostKeys[\"10.0.0.12\"]", "is not valid base64 of an SSH public key" },
        { """{"sshUsr":"root"}""", "sshUsr", "did you mean 'sshUser'" },
        { """{"sshUser":"-root"}""", "sshUser", "is not a login name" },
        { """{"sshPrivateKeyFile":"/nonexistent/mvm/id_ed25519"}""", "sshPrivateKeyFile", "does not exist" },
        { """{"knownHosts":"10.0.0.11 garbage"}""", "knownHosts", "line 1" },
        { """{"trustOnFirstUse":"maybe"}""", "trustOnFirstUse", "maybe" },
    };

    [Theory]
    [MemberData(nameof(BadConfig))]
    public async Task CheckConfig_reports_each_bad_key_at_its_path(string newsJson, string property, string reason)
    {
        var s = fixture.Session;
        var response = await s.Client.CheckConfigAsync(CheckConfigRequest(s, PropertyValues.StructFromJson(newsJson)));
        var failure = Wire.FailureAt(response, property);
        Assert.Contains(reason, failure.Reason);
    }

    [Fact]
    public async Task CheckConfig_accepts_a_valid_configuration_in_both_string_and_typed_form()
    {
        var s = fixture.Session;
        var strings = PropertyValues.Struct(new Dictionary<string, object>
        {
            ["sshUser"] = "admin",
            ["sshPort"] = "2222",
            ["trustOnFirstUse"] = "true",
            ["createTimeout"] = "1h30m",
            ["hostKeys"] = $$"""{"10.0.0.11":"{{HostKey}}"}""",
            ["jumpHosts"] = """[{"address":"bastion.example.com","port":2200}]""",
            ["version"] = "0.1.0",
        });
        var typed = PropertyValues.Struct(new Dictionary<string, object>
        {
            ["sshUser"] = "admin",
            ["sshPort"] = 2222,
            ["trustOnFirstUse"] = true,
            ["createTimeout"] = "1h30m",
            ["hostKeys"] = new Dictionary<string, object> { ["10.0.0.11"] = HostKey },
            ["jumpHosts"] = new[] { new { address = "bastion.example.com", port = 2200 } },
        });
        foreach (var news in new[] { strings, typed })
        {
            var r = await s.Client.CheckConfigAsync(CheckConfigRequest(s, news));
            Assert.True(r.Failures.Count == 0, Wire.Failures(r));
        }
    }

    [Fact]
    public async Task DiffConfig_reports_changed_keys_without_replacing_the_provider()
    {
        var s = fixture.Session;
        async Task<DiffResponse> Diff(object olds, object news) => await s.Client.DiffConfigAsync(new DiffRequest
        {
            Id = "provider-id",
            Urn = s.ProviderUrn,
            Name = "default",
            Type = ProviderType,
            Olds = PropertyValues.Struct(olds),
            OldInputs = PropertyValues.Struct(olds),
            News = PropertyValues.Struct(news),
        });

        var port = await Diff(new { sshPort = "22", sshUser = "root" }, new { sshPort = "2222", sshUser = "root" });
        Assert.Equal(DiffResponse.Types.DiffChanges.DiffSome, port.Changes);
        Assert.Contains("sshPort", port.DetailedDiff.Keys);
        Assert.Empty(port.Replaces);
        Assert.DoesNotContain(port.DetailedDiff.Values, d => d.Kind is PropertyDiff.Types.Kind.UpdateReplace or PropertyDiff.Types.Kind.AddReplace or PropertyDiff.Types.Kind.DeleteReplace);

        var version = await Diff(new { sshUser = "root", version = "0.1.0" }, new { sshUser = "root", version = "0.2.0" });
        Assert.Equal(DiffResponse.Types.DiffChanges.DiffNone, version.Changes);
    }

    /// <summary>
    /// The proof that a config value was understood, not just accepted: mvm:sshPort decides where the OpenSSH
    /// client of Create's first step ("inspect host") connects. Stack config sends "PORT" (a string); an explicit
    /// provider sends PORT (a number). The fake host on that port completes the identification exchange and then
    /// drops the connection, so the handshake fails at once and the error names the endpoint ssh was given.
    /// </summary>
    [Fact]
    public async Task Stack_config_strings_take_effect()
    {
        await using var host = new FakeSshServer(closeAfterIdentification: true);
        await using var s = await PluginBinary.StartSessionAsync(new ProviderSessionOptions
        {
            Config = new Dictionary<string, string>
            {
                ["sshPort"] = host.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["createTimeout"] = "20s",
                ["hostKeys"] = $$"""{"127.0.0.1":"{{HostKey}}"}""",
            },
            SecretConfig = new Dictionary<string, string> { ["sshPassword"] = "pw" },
        });
        await s.HandshakeAsync();
        await s.ConfigureAsync();
        await AssertSshUsesConfiguredPort(s, host);
    }

    [Fact]
    public async Task Explicit_provider_typed_values_take_effect()
    {
        await using var host = new FakeSshServer(closeAfterIdentification: true);
        await using var s = await PluginBinary.StartSessionAsync();
        await s.HandshakeAsync();
        var args = PropertyValues.Struct(new Dictionary<string, object>
        {
            ["sshPort"] = host.Port,
            ["trustOnFirstUse"] = false,
            ["hostKeys"] = new Dictionary<string, object> { ["127.0.0.1"] = HostKey },
            ["sshPassword"] = PropertyValues.Secret("pw"),
        });
        var check = await s.Client.CheckConfigAsync(CheckConfigRequest(s, PropertyValues.StripSecrets(args)));
        Assert.True(check.Failures.Count == 0, Wire.Failures(check));
        await s.Client.ConfigureAsync(ConfigureRequest(s, args));
        await AssertSshUsesConfiguredPort(s, host);
    }

    private static async Task AssertSshUsesConfiguredPort(ProviderSession s, FakeSshServer host)
    {
        // The host entry names no sshPort: the provider's sshPort must be used.
        var inputs = (await s.Client.CheckAsync(s.CheckRequest("mvm:index:MvmCluster", "c", new
        {
            layout = "standard",
            hosts = new[] { new { name = "h1", address = "127.0.0.1" } },
        }))).Inputs;
        var e = await Assert.ThrowsAsync<RpcFailure>(() => s.Client.CreateAsync(new CreateRequest
        {
            Urn = s.Urn("mvm:index:MvmCluster", "c"), Name = "c", Type = "mvm:index:MvmCluster", Properties = inputs, Timeout = 20,
        }));
        Assert.True(host.Connections > 0, $"ssh did not connect to the configured port {host.Port}: {e.StatusMessage}");
        // It was the provider's SSH client (its identification line arrived), not a bare TCP connect.
        Assert.Contains(host.ClientIdentifications, id => id.StartsWith("SSH-2.0-Renci.SshNet", StringComparison.Ordinal));
        Assert.Equal(GrpcStatusCode.FailedPrecondition, e.Code);
        Assert.Contains("Host h1 (127.0.0.1) could not be inspected", e.StatusMessage);
        Assert.Contains($"127.0.0.1:{host.Port}", e.StatusMessage);
        Assert.Contains("nothing was changed on any host", e.StatusMessage);
    }

    [Fact]
    public async Task A_secret_config_value_never_appears_in_an_error_message()
    {
        const string secret = "Sup3r-Secret-Value-91";
        await using var s = await PluginBinary.StartSessionAsync();
        await s.HandshakeAsync();

        // CheckConfig gets plaintext (the engine strips secrets); schema-secret keys must still not be echoed.
        foreach (var key in new[] { "sshPrivateKey", "sshPassword" })
        {
            var value = key == "sshPassword" ? "" : secret;
            var r = await s.Client.CheckConfigAsync(CheckConfigRequest(s, PropertyValues.Struct(new Dictionary<string, object> { [key] = value })));
            foreach (var f in r.Failures)
                Assert.DoesNotContain(secret, f.Reason);
        }
        var keyCheck = await s.Client.CheckConfigAsync(CheckConfigRequest(s, PropertyValues.Struct(new Dictionary<string, object> { ["sshPrivateKey"] = secret })));
        Assert.DoesNotContain(secret, Wire.FailureAt(keyCheck, "sshPrivateKey").Reason);

        // Configure gets secrets wrapped: a value set with `--secret` must be masked even under a key that is not
        // secret by schema (here an invalid sshUser that the message would otherwise quote).
        var errors = new List<string>();
        foreach (var args in new[]
        {
            new Dictionary<string, object> { ["sshPrivateKey"] = PropertyValues.Secret(secret) },
            new Dictionary<string, object> { ["sshUser"] = PropertyValues.Secret("bad user " + secret), ["sshPassword"] = PropertyValues.Secret("pw") },
            new Dictionary<string, object> { ["sshPort"] = PropertyValues.Secret(secret), ["sshPassword"] = PropertyValues.Secret(secret) },
        })
        {
            var e = await Assert.ThrowsAsync<RpcFailure>(() => s.Client.ConfigureAsync(ConfigureRequest(s, PropertyValues.Struct(args))));
            output.WriteLine($"{e.Code}: {e.StatusMessage}");
            errors.Add(e.StatusMessage + "\n" + string.Join("\n", e.Metadata.Values));
            Assert.NotEqual(GrpcStatusCode.Ok, e.Code);
        }
        foreach (var message in errors)
            Assert.DoesNotContain(secret, message);
        Assert.Contains(errors, m => m.Contains("sshUser", StringComparison.Ordinal));

        await s.StopAsync();
        Assert.DoesNotContain(secret, s.Plugin.Stderr);
        Assert.DoesNotContain(s.Logs, l => l.Message.Contains(secret, StringComparison.Ordinal));
    }
}
