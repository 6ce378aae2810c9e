using Mvm.Framework;

namespace Mvm.Resources.Shared;

/// <summary>
/// Offline checks of cloud-init NoCloud seed content: user-data must start with a header
/// cloud-init recognises (otherwise it is silently ignored in the guest), and YAML parts must pass
/// <see cref="YamlSyntax"/>. Messages give line and column, never the content (it may hold credentials).
/// </summary>
public static class CloudInitCheck
{
    private static readonly string[] ScriptHeaders =
        ["#!", "#include", "#cloud-boothook", "#part-handler", "#upstart-job"];

    public static void CheckUserData(CheckContext ctx, string path, string? userData)
    {
        if (userData is null || userData.Trim().Length == 0) return;
        var text = userData.TrimStart('\uFEFF');
        var lines = text.Split('\n');
        var first = lines[0].TrimEnd('\r', ' ', '\t');

        if (first.StartsWith("## template:", StringComparison.Ordinal))
        {
            // A Jinja template is only YAML after rendering in the guest; check its second line only.
            var second = lines.Length > 1 ? lines[1].TrimEnd('\r', ' ', '\t') : "";
            if (!IsKnownHeader(second))
                ctx.Fail(path, "line 2: after \"## template: jinja\" cloud-init expects a user-data header such as " +
                    "\"#cloud-config\" or \"#!\"");
            return;
        }
        if (first.StartsWith("#cloud-config-archive", StringComparison.Ordinal))
        {
            CheckYaml(ctx, path, text);
            return;
        }
        if (first.StartsWith("#cloud-config", StringComparison.Ordinal))
        {
            if (CheckYaml(ctx, path, text)) CheckTopLevelIsMapping(ctx, path, lines);
            return;
        }
        if (!IsKnownHeader(first))
            ctx.Fail(path, "line 1: cloud-init ignores user data that does not start with a known header; start it " +
                "with \"#cloud-config\" (a YAML config) or \"#!\" (a script); MIME multipart and \"#include\" are " +
                "accepted too");
    }

    /// <summary>meta-data and network-config are plain YAML documents (JSON is YAML too).</summary>
    public static void CheckYamlDocument(CheckContext ctx, string path, string? yaml)
    {
        if (yaml is null) return;
        CheckYaml(ctx, path, yaml);
    }

    private static bool IsKnownHeader(string line) =>
        line.StartsWith("#cloud-config", StringComparison.Ordinal)
        || ScriptHeaders.Any(h => line.StartsWith(h, StringComparison.Ordinal))
        || line.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase)
        || line.StartsWith("MIME-Version:", StringComparison.OrdinalIgnoreCase);

    private static bool CheckYaml(CheckContext ctx, string path, string text)
    {
        if (YamlSyntax.FindProblem(text) is not { } problem) return true;
        ctx.Fail(path, $"is not valid YAML: {problem}");
        return false;
    }

    /// <summary>cloud-config is a mapping of module settings; a top-level list is rejected by cloud-init.</summary>
    private static void CheckTopLevelIsMapping(CheckContext ctx, string path, string[] lines)
    {
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            var t = line.TrimStart(' ');
            if (t.Length == 0 || t.StartsWith('#') || t.StartsWith('%') || t == "---") continue;
            if (t == "-" || t.StartsWith("- ", StringComparison.Ordinal) || t.StartsWith('['))
                ctx.Fail(path, $"line {i + 1}: #cloud-config must be a mapping of settings (e.g. `packages:`, " +
                    "`runcmd:`), not a list");
            return;
        }
    }
}
