using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using Mvm.EngineHarness.Secrets;
using Mvm.EngineHarness.Yaml;

namespace Mvm.EngineHarness.Cli;

/// <summary>
/// `mvm-engine config set [--secret] KEY [VALUE]`, as `pulumi config set`: writes KEY into Pulumi.&lt;stack&gt;.yaml,
/// a bare KEY qualified with the project name. With --secret the value is stored as `{secure: v1:...}`, encrypted
/// with the stack's secrets provider, so no plaintext reaches the file. Without VALUE the value is read from
/// stdin (one trailing newline dropped), which keeps a secret out of the process list.
/// </summary>
public static class StackConfigCommand
{
    /// <param name="passphrase">The stack's passphrase; null = from the environment (see <see cref="StackSecrets"/>).</param>
    public static int Set(CliArguments cli, TextReader stdin, TextWriter stderr, string? passphrase = null)
    {
        var (key, value) = cli.ConfigKey!.Value;
        value ??= WithoutFinalNewline(stdin.ReadToEnd());
        try
        {
            var projectFile = new[] { "Pulumi.yaml", "Pulumi.yml" }.Select(f => Path.Combine(cli.Cwd, f)).FirstOrDefault(File.Exists)
                ?? throw new ProgramException(new SourceLocation(cli.Cwd, 0, 0), "no Pulumi.yaml found (is --cwd the program directory?)");
            var project = YamlNodes.Scalar(YamlNodes.Get(ProgramLoader.LoadMapping(File.ReadAllText(projectFile), projectFile), "name"));
            if (string.IsNullOrEmpty(project))
                throw new ProgramException(new SourceLocation(projectFile, 1, 1), "`name` is required");
            var qualified = key.Contains(':', StringComparison.Ordinal) ? key : $"{project}:{key}";
            var stackFile = new[] { "yaml", "yml" }.Select(e => Path.Combine(cli.Cwd, $"Pulumi.{cli.Stack}.{e}")).FirstOrDefault(File.Exists)
                ?? Path.Combine(cli.Cwd, $"Pulumi.{cli.Stack}.yaml");
            YamlNode entry = cli.Secret
                ? new YamlMappingNode { { "secure", StackSecrets.For(Path.Combine(cli.Cwd, ".mvm-engine"), cli.Stack, passphrase).Encrypt(value) } }
                : new YamlScalarNode(value) { Style = ScalarStyle.DoubleQuoted };
            File.WriteAllText(stackFile, WithEntry(File.Exists(stackFile) ? File.ReadAllText(stackFile) : "", stackFile, qualified, entry));
            return 0;
        }
        catch (Exception e) when (e is ProgramException or SecretDecryptionException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>The stack file's text with config[<paramref name="key"/>] set (other keys kept in their order).</summary>
    public static string WithEntry(string stackYaml, string file, string key, YamlNode entry)
    {
        var root = string.IsNullOrWhiteSpace(stackYaml) ? new YamlMappingNode() : ProgramLoader.LoadMapping(stackYaml, file);
        if (YamlNodes.Get(root, "config") is not YamlMappingNode config)
        {
            config = new YamlMappingNode();
            root.Children[new YamlScalarNode("config")] = config;
        }
        config.Children[new YamlScalarNode(key)] = entry;
        var text = new StringWriter();
        new YamlStream(new YamlDocument(root)).Save(text, assignAnchors: false);
        // YamlDotNet ends the document with "..."; Pulumi's stack files have no document markers.
        var saved = text.ToString().TrimEnd();
        return (saved.EndsWith("\n...", StringComparison.Ordinal) ? saved[..^4] : saved).TrimEnd() + "\n";
    }

    private static string WithoutFinalNewline(string text)
        => text.EndsWith("\r\n", StringComparison.Ordinal) ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
}
