using System.Text.RegularExpressions;

namespace Mvm.Core;

/// <summary>
/// "Does the whole value have this form?" — the one question every validation pattern asks.
/// .NET's <c>$</c> also matches before a final "\n", so <c>^[a-z]+$</c> accepts "web\n", a name
/// no host tool takes. Validation patterns are written <c>\A…\z</c> (a unit test scans them all),
/// and this check also requires the match to span the value, so a pattern written with
/// <c>^…$</c> by mistake still cannot let a trailing newline through.
/// </summary>
public static class WholeValue
{
    public static bool IsWholeMatch(this Regex pattern, string? value) =>
        value is not null && pattern.Match(value) is { Success: true } m && m.Index == 0 && m.Length == value.Length;
}
