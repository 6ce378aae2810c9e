using System.Text.Json;
using Mvm.EngineHarness.Deployment;
using Mvm.EngineHarness.Values;
using Mvm.EngineTests.Fakes;
using Mvm.Protocol.Wire;

namespace Mvm.EngineTests;

/// <summary>Provider lifecycle and config: strings, secrets, PULUMI_CONFIG, missing keys, explicit providers.</summary>
public sealed class ProviderConfigTests
{
    private const string OneThing = """
        name: lab
        runtime: yaml
        resources:
          a:
            type: mvm:Thing
            properties:
              size: 1
        """;

    private const string Stack = """
        config:
          mvm:sshUser: root
          mvm:sshPort: 22
          mvm:sshPrivateKey:
            secret: TOPSECRET-KEY
        """;

    [Fact]
    public async Task Default_provider_gets_string_config_with_secure_values_as_secrets()
    {
        await using var f = await EngineFixture.StartAsync(OneThing, Stack);
        var result = await f.UpOkAsync();

        var checkConfig = result.CallsOf("CheckConfig").Single().RequestAs<CheckRequest>();
        Assert.False(PropertyValues.ContainsSecrets(checkConfig.News), "CheckConfig is sent plaintext");
        Assert.Equal("TOPSECRET-KEY", checkConfig.News.Fields["sshPrivateKey"].StringValue);

        var configure = result.CallsOf("Configure").Single().RequestAs<ConfigureRequest>();
        Assert.Equal("22", configure.Args.Fields["sshPort"].StringValue); // config values are strings
        Assert.True(PropertyValues.IsSecret(configure.Args.Fields["sshPrivateKey"]));
        Assert.False(PropertyValues.IsSecret(configure.Args.Fields["sshUser"]));
        Assert.True(configure.AcceptSecrets);
        Assert.False(configure.AcceptResources);
        Assert.True(configure.SendsOldInputs);
        Assert.True(configure.SendsOldInputsToDelete);
        Assert.Equal("root", configure.Variables["mvm:config:sshUser"]);
        Assert.Equal("urn:pulumi:dev::lab::pulumi:providers:mvm::default", configure.Urn);

        var launch = f.Cloud.Launches.First();
        var env = JsonSerializer.Deserialize<Dictionary<string, string>>(PluginConfig(launch))!;
        Assert.Equal("root", env["sshUser"]);
        Assert.Equal("TOPSECRET-KEY", env["sshPrivateKey"]);
        Assert.Equal("lab", launch.Project);
        Assert.Equal(f.Engine.Server.Address, launch.EngineAddress);
    }

    private static string PluginConfig(Mvm.EngineHarness.Plugins.PluginLaunchOptions launch)
        => Mvm.EngineHarness.Plugins.PluginProcess.EncodeConfig(launch.Config!);

    [Fact]
    public async Task Secret_config_never_appears_in_the_state_file_in_plaintext()
    {
        await using var f = await EngineFixture.StartAsync("""
            name: lab
            runtime: yaml
            config:
              dbPassword:
                type: string
                secret: true
            resources:
              a:
                type: mvm:Thing
                properties:
                  password: ${dbPassword}
                  url: "postgres://app:${dbPassword}@db"
            outputs:
              url: ${a.url}
            """, Stack + "\n  lab:dbPassword:\n    secret: hunter2-pw\n");
        var result = await f.UpOkAsync();

        var create = result.CallsOf("Create").Single().RequestAs<CreateRequest>();
        Assert.True(PropertyValues.IsSecret(create.Properties.Fields["password"]));
        Assert.True(PropertyValues.IsSecret(create.Properties.Fields["url"]), "an interpolation with a secret part is secret");
        Assert.True(PropertyValues.IsSecret(result.Outputs.Fields["url"]));
        Assert.Contains("url: [secret]", result.Transcript);

        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(f.Engine.StatePath));
        Assert.Empty(StateJson.FindPlaintext(json, "hunter2-pw"));
        Assert.Empty(StateJson.FindPlaintext(json, "TOPSECRET-KEY"));
        Assert.Contains(StateJson.PlaintextStrings(json), p => p.Value == "root"); // the scan does see plaintext
    }

    [Fact]
    public async Task Plaintext_scan_catches_a_provider_that_drops_the_secret_wrapper()
    {
        await using var f = await EngineFixture.StartAsync("""
            name: lab
            runtime: yaml
            resources:
              a:
                type: mvm:Thing
                properties:
                  password:
                    fn::secret: hunter2-pw
            """);
        // A buggy provider returning outputs with secrets unwrapped.
        f.Cloud.OnCreate = r => Task.FromResult<CreateResponse?>(new CreateResponse { Id = "x", Properties = PropertyValues.StripSecrets(r.Properties) });
        await f.UpOkAsync();

        var leaks = StateJson.FindPlaintext(System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(f.Engine.StatePath)), "hunter2-pw");
        Assert.Equal(["$.resources[1].outputs.password"], leaks);
    }

    [Fact]
    public async Task A_provider_that_does_not_accept_secrets_gets_plaintext_and_outputs_are_reannotated()
    {
        await using var f = await EngineFixture.StartAsync("""
            name: lab
            runtime: yaml
            resources:
              a:
                type: mvm:Thing
                properties:
                  password:
                    fn::secret: hunter2-pw
            """);
        f.Cloud.AcceptSecrets = false;
        var result = await f.UpOkAsync();

        Assert.False(PropertyValues.ContainsSecrets(result.CallsOf("Check").Single().RequestAs<CheckRequest>().News));
        Assert.False(PropertyValues.ContainsSecrets(result.CallsOf("Create").Single().RequestAs<CreateRequest>().Properties));
        var state = result.State.Resources.Single(r => r.Name == "a");
        Assert.True(PropertyValues.IsSecret(state.Outputs.Fields["password"]));
        Assert.True(PropertyValues.IsSecret(state.Inputs.Fields["password"]));
    }

    [Fact]
    public async Task Schema_secret_properties_are_stored_as_secrets_with_a_warning_when_returned_plaintext()
    {
        await using var f = await EngineFixture.StartAsync("""
            name: lab
            runtime: yaml
            resources:
              a:
                type: mvm:Thing
                properties:
                  token: abc
            """);
        f.Cloud.SecretProperties.Add("token");
        var result = await f.UpOkAsync();

        Assert.True(PropertyValues.IsSecret(result.State.Resources.Single(r => r.Name == "a").Outputs.Fields["token"]));
        Assert.Contains(result.Diagnostics, d => d.Severity == DiagnosticSeverity.Warning && d.Message.Contains("schema marks 'token' secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_required_config_is_reported_like_pulumi()
    {
        await using var f = await EngineFixture.StartAsync(OneThing);
        f.Cloud.RequiredConfig.Add("sshUser");
        var result = await f.UpAsync();

        Assert.False(result.Succeeded);
        Assert.Contains("missing required configuration key mvm:sshUser: the sshUser to use; set with `pulumi config set`", result.Transcript);
        Assert.Empty(result.CallsOf("Check"));
    }

    [Fact]
    public async Task Legacy_plugin_without_handshake_takes_flags_from_configure()
    {
        await using var f = await EngineFixture.StartAsync(OneThing);
        f.Cloud.HandshakeImplemented = false;
        var result = await f.UpOkAsync();

        var plugin = result.Plugins.First();
        Assert.Null(plugin.Handshake);
        Assert.NotNull(plugin.Configure);
        Assert.Single(result.CallsOf("Create"));
    }

    [Fact]
    public async Task Every_plugin_is_stopped_at_the_end_of_a_run()
    {
        await using var f = await EngineFixture.StartAsync(OneThing);
        var result = await f.UpOkAsync();

        Assert.NotEmpty(result.Plugins);
        Assert.All(result.Plugins, p => Assert.Equal(0, p.ExitCode));
        Assert.All(f.Launcher.Instances, i => Assert.True(i.HasExited));
    }

    [Fact]
    public async Task Explicit_provider_gets_typed_properties_and_its_resources_reference_it()
    {
        await using var f = await EngineFixture.StartAsync("""
            name: lab
            runtime: yaml
            resources:
              lab:
                type: pulumi:providers:mvm
                properties:
                  sshUser: admin
                  sshPort: 2222
              a:
                type: mvm:Thing
                properties:
                  size: 1
                options:
                  provider: ${lab}
            """);
        var result = await f.UpOkAsync();

        var configure = result.CallsOf("Configure").Single().RequestAs<ConfigureRequest>();
        Assert.Equal("urn:pulumi:dev::lab::pulumi:providers:mvm::lab", configure.Urn);
        Assert.Equal(2222, configure.Args.Fields["sshPort"].NumberValue);
        var provider = result.State.Resources.Single(r => r.Name == "lab");
        var a = result.State.Resources.Single(r => r.Name == "a");
        Assert.Equal($"{provider.Urn}::{provider.Id}", a.Provider);
        Assert.DoesNotContain(result.State.Resources, r => r.Name == "default");
        Assert.Contains(result.CallsOf("Create"), c => c.Provider == provider.Urn);
    }

    [Fact]
    public async Task Removing_an_explicit_provider_and_its_resources_deletes_through_that_provider()
    {
        await using var f = await EngineFixture.StartAsync("""
            name: lab
            runtime: yaml
            resources:
              lab:
                type: pulumi:providers:mvm
                properties:
                  sshUser: admin
              a:
                type: mvm:Thing
                properties:
                  size: 1
                options:
                  provider: ${lab}
            """);
        await f.UpOkAsync();
        f.Write("name: lab\nruntime: yaml\n");
        var result = await f.UpOkAsync();

        var delete = Assert.Single(result.CallsOf("Delete"));
        Assert.Equal("urn:pulumi:dev::lab::pulumi:providers:mvm::lab", delete.Provider);
        Assert.Equal("admin", result.CallsOf("Configure").Single().RequestAs<ConfigureRequest>().Args.Fields["sshUser"].StringValue);
        Assert.Contains(result.Steps, s => s.IsProvider && s.Name == "lab" && s.Op == StepOp.Delete);
        Assert.Empty(result.State.Resources);
    }

    [Fact]
    public async Task Provider_config_with_unknowns_in_preview_skips_configure_and_provider_calls()
    {
        await using var f = await EngineFixture.StartAsync("""
            name: lab
            runtime: yaml
            resources:
              seed:
                type: mvm:Thing
                properties:
                  size: 1
              lab:
                type: pulumi:providers:mvm
                properties:
                  sshUser: ${seed.arn}
              a:
                type: mvm:Thing
                properties:
                  size: 1
                options:
                  provider: ${lab}
            """);
        var result = await f.PreviewAsync();

        Assert.True(result.Succeeded, result.Transcript);
        Assert.Single(result.CallsOf("Configure")); // only the default provider (for `seed`)
        var labCalls = result.Calls.Where(c => c.Provider.EndsWith("::lab", StringComparison.Ordinal)).Select(c => c.Method).ToList();
        Assert.Equal(["Handshake", "GetPluginInfo"], labCalls);
        Assert.Equal(StepOp.Create, result.Step("a").Op);
    }

    [Fact]
    public async Task Changed_default_provider_config_is_diffed_with_DiffConfig_and_replacement_replaces_its_resources()
    {
        await using var f = await EngineFixture.StartAsync(OneThing, "config:\n  mvm:sshUser: root\n");
        var first = await f.UpOkAsync();
        f.Write(OneThing, "config:\n  mvm:sshUser: admin\n");
        f.Cloud.OnDiffConfig = r => new DiffResponse { Changes = DiffResponse.Types.DiffChanges.DiffSome, Replaces = { "sshUser" } };
        var result = await f.UpOkAsync();

        var diffConfig = result.CallsOf("DiffConfig").Single().RequestAs<DiffRequest>();
        Assert.Equal("root", diffConfig.OldInputs.Fields["sshUser"].StringValue);
        Assert.Equal("admin", diffConfig.News.Fields["sshUser"].StringValue);
        Assert.Equal(StepOp.CreateReplacement, result.Step("a").Op);
        Assert.Equal(["provider"], result.Step("a").ReplaceKeys);
        Assert.NotEqual(first.State.Resources.Single(r => r.Name == "default").Id, result.State.Resources.Single(r => r.Name == "default").Id);
        // The original is deleted through a provider configured with the OLD config.
        var deleteCall = result.CallsOf("Delete").Single();
        var oldProviderConfigure = result.CallsOf("Configure").Select(c => c.RequestAs<ConfigureRequest>()).Single(c => c.Args.Fields["sshUser"].StringValue == "root");
        Assert.Equal(oldProviderConfigure.Urn, deleteCall.Provider);
    }

    [Fact]
    public async Task Invoke_goes_to_the_default_provider()
    {
        await using var f = await EngineFixture.StartAsync("""
            name: lab
            runtime: yaml
            variables:
              echoed:
                fn::invoke:
                  function: mvm:echo
                  arguments:
                    value: 42
                  return: value
            outputs:
              echoed: ${echoed}
            """);
        var result = await f.UpOkAsync();

        var invoke = result.CallsOf("Invoke").Single().RequestAs<InvokeRequest>();
        Assert.Equal("mvm:index:echo", invoke.Tok);
        Assert.Equal(42, result.Outputs.Fields["echoed"].NumberValue);
        Assert.DoesNotContain(result.State.Resources, r => r.IsProvider); // used by no resource: not kept
    }
}
