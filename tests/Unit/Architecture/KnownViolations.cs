namespace Mvm.Tests.Unit.Architecture;

/// <summary>
/// Upward references that existed on main when the layering test was written (issue 13), each to be removed:
/// delete an entry when its reference goes. The test fails on any reference not listed here and on an entry
/// that no longer occurs, so this list only shrinks. Keyed by file and the namespace it names. Empty since the
/// cluster layer and the resources hold hosts as the tools' RemoteHost and steps as Core's IOperationSteps.
/// </summary>
public static class KnownViolations
{
    public static readonly IReadOnlyList<(string File, string Namespace)> Entries = [];
}
