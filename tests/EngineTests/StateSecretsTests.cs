using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Cli;
using Mvm.EngineHarness.Secrets;
using Mvm.EngineHarness.State;
using Mvm.EngineHarness.Values;
using Mvm.EngineTests.Fakes;
using Mvm.Protocol.Wire;

namespace Mvm.EngineTests;

/// <summary>
/// Secrets at rest (issue 12, defect 6): state and `secure:` stack config are encrypted with the stack's secrets
/// provider (a passphrase or a generated 0600 key file), the state file is 0600, and nothing the harness writes
/// under the program directory holds a secret in plaintext.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StateSecretsTests
{
    private const string Token = "tok-8f3a1c9e-PLAINTEXT-MARKER";

    /// <summary>A program whose resource takes a secret from stack config and returns it as a stack output.</summary>
    private const string Program = """
        name: lab
        runtime: yaml
        config:
          token:
            type: string
            secret: true
        resources:
          a:
            type: mvm:Thing
            properties:
              size: 1
              token: ${token}
              url: "https://user:${token}@example"
        outputs:
          token: ${a.token}
          size: ${a.size}
        """;

    private static int SetConfig(string dir, string stack, string key, string value, bool secret, string passphrase = "")
    {
        var args = new List<string> { "config", "set", key, "--cwd", dir, "--stack", stack };
        if (secret)
            args.Add("--secret");
        // The value comes on stdin, as the demo passes it (never in argv).
        return StackConfigCommand.Set(CliArguments.Parse(args), new StringReader(value + "\n"), TextWriter.Null, passphrase);
    }

    private static string Mode(string path) => Convert.ToString((int)File.GetUnixFileMode(path), 8);

    [Fact]
    public async Task State_file_holds_secrets_only_encrypted_and_is_readable_by_its_owner_only()
    {
        await using var f = await EngineFixture.StartAsync(Program);
        Assert.Equal(0, SetConfig(f.Directory, "dev", "token", Token, secret: true));
        var up = await f.UpOkAsync();
        Assert.True(PropertyValues.IsSecret(up.Outputs.Fields["token"]));

        var text = File.ReadAllText(f.Engine.StatePath);
        Assert.DoesNotContain(Token, text, StringComparison.Ordinal);
        Assert.DoesNotContain("8f3a1c9e", text, StringComparison.Ordinal);
        Assert.Equal("600", Mode(f.Engine.StatePath));
        Assert.Equal("700", Mode(Path.GetDirectoryName(f.Engine.StatePath)!));
        // No passphrase given: a generated per-stack key, owner-only.
        var key = f.Engine.Options.Secrets.KeyPath;
        Assert.Equal("600", Mode(key));
        Assert.Equal(32, Convert.FromBase64String(File.ReadAllText(key).Trim()).Length);
        // Each secret is a "v1:<nonce>:<ciphertext>" behind the marker; the scan still sees the plaintext fields.
        var state = JsonNode.Parse(text)!;
        var token = state["outputs"]!["token"]![StateJson.SecretMarker]!.GetValue<string>();
        Assert.Matches(@"\Av1:[A-Za-z0-9+/=]{16}:[A-Za-z0-9+/=]+\z", token);
        Assert.Contains(StateJson.PlaintextStrings(state), p => p.Value == "mvm:index:Thing");
        Assert.DoesNotContain(Directory.GetFiles(Path.GetDirectoryName(f.Engine.StatePath)!), p => p.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Encrypted_state_round_trips_through_refresh_and_up()
    {
        await using var f = await EngineFixture.StartAsync(Program);
        Assert.Equal(0, SetConfig(f.Directory, "dev", "token", Token, secret: true));
        await f.UpOkAsync();

        var loaded = StackState.Load(f.Engine.StatePath, "dev", "lab");
        var a = loaded.Resources.Single(r => r.Name == "a");
        Assert.True(PropertyValues.IsSecret(a.Inputs.Fields["token"]));
        Assert.Equal(Token, PropertyValues.Unwrap(a.Outputs.Fields["token"]).StringValue);
        Assert.Equal($"https://user:{Token}@example", PropertyValues.Unwrap(a.Outputs.Fields["url"]).StringValue);

        // The next operations read the state back: the provider sees the decrypted secret, and nothing drifts.
        var refresh = await f.Engine.RefreshAsync();
        Assert.True(refresh.Succeeded, refresh.Transcript);
        var read = refresh.CallsOf("Read").Single().RequestAs<ReadRequest>();
        Assert.Equal(Token, PropertyValues.Unwrap(read.Properties.Fields["token"]).StringValue);
        Assert.Empty(refresh.Step("a").Changes);
        var again = await f.UpOkAsync();
        Assert.Empty(again.CallsOf("Update"));
        Assert.Empty(again.CallsOf("Create"));
    }

    [Fact]
    public async Task A_passphrase_stack_needs_the_same_passphrase_and_says_so_clearly()
    {
        await using var f = await EngineFixture.StartAsync(Program, configure: o => o with { SecretsPassphrase = "correct horse" });
        Assert.Equal(0, SetConfig(f.Directory, "dev", "token", Token, secret: true, passphrase: "correct horse"));
        await f.UpOkAsync();
        var secrets = f.Engine.Options.Secrets;
        Assert.True(File.Exists(secrets.SaltPath), "a passphrase stack keeps its salt next to the state");
        Assert.False(File.Exists(secrets.KeyPath), "a passphrase stack has no key file");
        Assert.StartsWith("v1:", File.ReadAllText(secrets.SaltPath), StringComparison.Ordinal);
        Assert.DoesNotContain(Token, File.ReadAllText(f.Engine.StatePath), StringComparison.Ordinal);
        Assert.Equal(Token, PropertyValues.Unwrap(StackState.Load(f.Engine.StatePath, "dev", "lab", "correct horse").Outputs.Fields["token"]).StringValue);

        var wrong = Assert.Throws<SecretDecryptionException>(() => StackState.Load(f.Engine.StatePath, "dev", "lab", "wrong horse"));
        Assert.Contains("incorrect passphrase for stack dev", wrong.Message);
        Assert.Contains("PULUMI_CONFIG_PASSPHRASE", wrong.Message);

        // Through the engine: the operation fails with that message before any provider call.
        await using var other = await Mvm.EngineHarness.Engine.StartAsync(f.Engine.Options with { SecretsPassphrase = "wrong horse" });
        var refresh = await other.RefreshAsync();
        Assert.False(refresh.Succeeded);
        Assert.Contains("incorrect passphrase for stack dev", refresh.Error);
        Assert.Empty(refresh.Calls);
    }

    [Fact]
    public void A_value_sealed_with_another_key_or_damaged_is_refused_without_showing_it()
    {
        var dir = Directory.CreateTempSubdirectory("mvm-engine-secrets-").FullName;
        try
        {
            var mine = StackSecrets.For(dir, "a", "");
            var theirs = StackSecrets.For(dir, "b", "");
            var sealedValue = mine.Encrypt(Token);
            theirs.Encrypt("their own key");
            Assert.Equal(Token, mine.Decrypt(sealedValue));
            Assert.Contains("does not decrypt with this stack's key", Assert.Throws<SecretDecryptionException>(() => theirs.Decrypt(sealedValue)).Message);
            var parts = sealedValue.Split(':');
            var tampered = $"v1:{parts[1]}:{Convert.ToBase64String(Convert.FromBase64String(parts[2]).Select((b, i) => i == 0 ? (byte)(b ^ 1) : b).ToArray())}";
            var e = Assert.Throws<SecretDecryptionException>(() => mine.Decrypt(tampered));
            Assert.DoesNotContain(Token, e.Message, StringComparison.Ordinal);
            Assert.Contains("not of the form", Assert.Throws<SecretDecryptionException>(() => mine.Decrypt("plain")).Message);
            Assert.Contains("neither its key file", Assert.Throws<SecretDecryptionException>(() => StackSecrets.For(dir, "c", "").Decrypt(sealedValue)).Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_state_file_from_before_encryption_is_read_and_rewritten_encrypted()
    {
        await using var f = await EngineFixture.StartAsync(Program);
        Directory.CreateDirectory(Path.GetDirectoryName(f.Engine.StatePath)!);
        File.WriteAllText(f.Engine.StatePath,
            """{"version":1,"stack":"dev","project":"lab","resources":[],"outputs":{"token":{"$secret":"TOKEN"}}}""".Replace("TOKEN", Token, StringComparison.Ordinal));
        var old = StackState.Load(f.Engine.StatePath, "dev", "lab");
        Assert.Equal(Token, PropertyValues.Unwrap(old.Outputs.Fields["token"]).StringValue);

        old.Save(f.Engine.StatePath);
        Assert.DoesNotContain(Token, File.ReadAllText(f.Engine.StatePath), StringComparison.Ordinal);
        Assert.Equal("600", Mode(f.Engine.StatePath));
        Assert.Equal(Token, PropertyValues.Unwrap(StackState.Load(f.Engine.StatePath, "dev", "lab").Outputs.Fields["token"]).StringValue);
    }

    [Fact]
    public async Task Output_show_secrets_decrypts_and_config_set_writes_only_ciphertext()
    {
        await using var f = await EngineFixture.StartAsync(Program);
        Assert.Equal(0, SetConfig(f.Directory, "dev", "token", Token, secret: true));
        Assert.Equal(0, SetConfig(f.Directory, "dev", "mvm:sshUser", "root", secret: false));
        var stackYaml = File.ReadAllText(Path.Combine(f.Directory, "Pulumi.dev.yaml"));
        Assert.DoesNotContain(Token, stackYaml, StringComparison.Ordinal);
        Assert.Matches(@"lab:token:\s+secure: v1:", stackYaml);
        Assert.Contains("mvm:sshUser: \"root\"", stackYaml);
        await f.UpOkAsync();

        string Output(params string[] args)
        {
            var (o, e) = (new StringWriter(), new StringWriter());
            var code = StackOutput.Print(CliArguments.Parse(["output", .. args, "--cwd", f.Directory, "--stack", "dev"]), o, e);
            return $"{code}:{o.ToString().Trim()}{e.ToString().Trim()}";
        }

        Assert.Equal($"0:{Token}", Output("token", "--show-secrets"));
        Assert.Equal("0:[secret]", Output("token"));
        Assert.Equal("0:1", Output("size"));
    }

    /// <summary>The grep proof: after a run of a program with a secret, no file under the program dir holds it.</summary>
    [Fact]
    public async Task After_a_run_no_file_under_the_program_directory_contains_the_secret()
    {
        await using var f = await EngineFixture.StartAsync(Program);
        Assert.Equal(0, SetConfig(f.Directory, "dev", "token", Token, secret: true));
        var up = await f.UpOkAsync();
        // The secret did travel: the provider got it, as a secret.
        var create = up.CallsOf("Create").Single().RequestAs<CreateRequest>();
        Assert.Equal(Token, PropertyValues.Unwrap(create.Properties.Fields["token"]).StringValue);
        Assert.True(PropertyValues.IsSecret(create.Properties.Fields["token"]));
        var refresh = await f.Engine.RefreshAsync();
        Assert.True(refresh.Succeeded, refresh.Transcript);

        var files = Directory.GetFiles(f.Directory, "*", SearchOption.AllDirectories);
        Assert.Contains(files, p => p.EndsWith(Path.Combine(".mvm-engine", "dev.json"), StringComparison.Ordinal));
        foreach (var file in files)
            Assert.False(File.ReadAllText(file).Contains("8f3a1c9e", StringComparison.Ordinal), $"{file} holds the secret in plaintext");
        Assert.DoesNotContain("8f3a1c9e", up.Transcript + refresh.Transcript, StringComparison.Ordinal);
    }
}
