using System.Text.RegularExpressions;
using Mvm.Core;
using Mvm.Framework;

namespace Mvm.Resources.Shared;

/// <summary>An expected content digest: `sha256:&lt;64 hex&gt;` or `sha512:&lt;128 hex&gt;`.</summary>
public static partial class Checksum
{
    public static void Check(CheckContext ctx, string path, string? value)
    {
        if (value is null) return;
        var colon = value.IndexOf(':');
        var algorithm = colon < 0 ? null : value[..colon].ToLowerInvariant();
        var digest = colon < 0 ? value : value[(colon + 1)..];
        var expected = algorithm switch { "sha256" => 64, "sha512" => 128, _ => 0 };
        if (expected == 0)
        {
            var hint = colon < 0 && Hex().IsWholeMatch(value) && value.Length is 64 or 128
                ? $"; prefix the digest with its algorithm, e.g. \"sha{value.Length * 4}:{Abbreviate(value)}\""
                : "";
            ctx.Fail(path, $"{Quoted.Value(value)} must be \"sha256:<64 hex digits>\" or \"sha512:<128 hex " +
                $"digits>\"{hint}");
        }
        else if (digest.Length != expected || !Hex().IsWholeMatch(digest))
            ctx.Fail(path, $"{Quoted.Value(value)}: a {algorithm} digest is {expected} hex digits, got " +
                $"{digest.Length} character(s)" +
                $"{(Hex().IsWholeMatch(digest) || digest.Length == 0 ? "" : " including non-hex ones")}");
    }

    private static string Abbreviate(string hex) => hex[..8] + "…";

    [GeneratedRegex("\\A[0-9A-Fa-f]*\\z")]
    private static partial Regex Hex();
}
