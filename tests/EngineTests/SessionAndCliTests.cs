using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness;
using Mvm.EngineHarness.Cli;
using Mvm.EngineHarness.Values;
using Mvm.EngineTests.Fakes;
using Mvm.Protocol.Wire;

namespace Mvm.EngineTests;

/// <summary>ProviderSession (direct protocol driving) and the CLI's argument handling.</summary>
public sealed class SessionAndCliTests
{
    [Fact]
    public async Task Session_configures_like_the_engine_and_drives_calls_directly()
    {
        var cloud = new FakeCloud();
        var launcher = new FakeLauncher(cloud);
        await using var s = await ProviderSession.StartAsync(new ProviderSessionOptions
        {
            Launcher = launcher,
            Config = new Dictionary<string, string> { ["sshUser"] = "root" },
            SecretConfig = new Dictionary<string, string> { ["sshPassword"] = "pw" },
        });

        Assert.NotNull(await s.HandshakeAsync());
        var configure = await s.ConfigureAsync();
        Assert.True(configure.AcceptSecrets);
        var configured = launcher.Instances.Single().ConfiguredWith!;
        Assert.True(PropertyValues.IsSecret(configured.Fields["sshPassword"]));
        Assert.Equal("root", configured.Fields["sshUser"].StringValue);
        var checkConfig = cloud.Received.Single(r => r.Method == "CheckConfig").Request as CheckRequest;
        Assert.False(PropertyValues.ContainsSecrets(checkConfig!.News));

        var check = await s.Client.CheckAsync(s.CheckRequest("mvm:Thing", "t", new { size = 1 }));
        Assert.Equal("urn:pulumi:dev::test::mvm:index:Thing::t", cloud.Received.Select(r => r.Request).OfType<CheckRequest>().Single(c => c.Name == "t").Urn);
        var created = await s.Client.CreateAsync(new CreateRequest { Urn = s.Urn("mvm:Thing", "t"), Name = "t", Type = "mvm:index:Thing", Properties = check.Inputs });
        Assert.StartsWith("id-", created.Id);
        Assert.Contains(s.Logs, l => l.Message == "creating t"); // the fake logged back to the session's engine server
        Assert.Equal(0, await s.StopAsync());
    }

    [Fact]
    public void Cli_arguments_parse_like_the_pulumi_cli()
    {
        var up = CliArguments.Parse(["up", "--cwd", "/tmp", "--stack", "lab", "--yes", "-v=9", "--logtostderr", "--plugin=/opt/p"]);
        Assert.Equal(("up", "/tmp", "lab", true, 9, true, "/opt/p"), (up.Command, up.Cwd, up.Stack, up.Yes, up.Verbosity, up.LogToStderr, up.Plugin));

        var import = CliArguments.Parse(["import", "mvm:CephPool", "pool1", "rbd", "--protect=false"]);
        Assert.Equal(("mvm:CephPool", "pool1", "rbd"), import.Import);
        Assert.False(import.Protect);
        Assert.Equal(("mvm:OvsVlan", "v", "web"), CliArguments.Parse(["import", "--import", "mvm:OvsVlan", "v", "web"]).Import);

        Assert.Contains("unknown command", Assert.Throws<ArgumentException>(() => CliArguments.Parse(["deploy"])).Message);
        Assert.Contains("import needs TYPE NAME ID", Assert.Throws<ArgumentException>(() => CliArguments.Parse(["import", "x"])).Message);
        Assert.Contains("unknown option", Assert.Throws<ArgumentException>(() => CliArguments.Parse(["up", "--force"])).Message);
    }

    [Fact]
    public void Output_prints_a_stack_output_from_the_state_and_hides_secrets_unless_asked()
    {
        var dir = Directory.CreateTempSubdirectory("mvm-engine-output-").FullName;
        try
        {
            var state = new Mvm.EngineHarness.State.StackState { Stack = "demo", Project = "p" };
            state.Outputs.Fields["fsid"] = Value.ForString("1234");
            state.Outputs.Fields["connectString"] = PropertyValues.Secret("mvm1.abc");
            state.Outputs.Fields["hosts"] = Value.ForList(Value.ForString("h1"), Value.ForString("h2"));
            state.Save(Path.Combine(dir, ".mvm-engine", "demo.json"));

            string Run(params string[] args)
            {
                var (o, e) = (new StringWriter(), new StringWriter());
                var cli = CliArguments.Parse(["output", .. args, "--cwd", dir, "--stack", "demo"]);
                var code = StackOutput.Print(cli, o, e);
                return $"{code}:{o.ToString().Trim()}{e.ToString().Trim()}";
            }

            Assert.Equal("0:1234", Run("fsid"));
            Assert.Equal("0:[secret]", Run("connectString"));
            Assert.Equal("0:mvm1.abc", Run("connectString", "--show-secrets"));
            Assert.Equal("0:[\"h1\",\"h2\"]", Run("hosts"));
            Assert.Equal("1:error: stack demo has no output vmHost (it has: connectString, fsid, hosts)", Run("vmHost"));
            Assert.Contains("output needs the NAME", Assert.Throws<ArgumentException>(() => CliArguments.Parse(["output"])).Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
