using System.Collections;
using Mvm.Framework;
using Mvm.Protocol;

namespace Mvm.Tests.Unit.Resources;

/// <summary>Builds engine-shaped inputs and asserts on Check failures by exact path.</summary>
internal static class CheckHelpers
{
    public const string HostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAYLQm67VoXfg66Q8TeI/eG/Nfb8XW/h4FPGUfiMNQff";
    public const string PrivateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
    // A connect string as MvmCluster encodes it (mvm1. + base64url JSON) for a one-host cluster.
    public const string ConnectString = "mvm1.eyJ2ZXJzaW9uIjoxLCJuYW1lIjoibGFiIiwiZnNpZCI6IjZiMWY1YmQ0LTNjMWUtNGY0Yy05YTU1LTBkMWYwYzFlMmExMSIsImxheW91dCI6ImhjaSIsInZtUG9vbCI6Im12bS12bXMiLCJvdnNCcmlkZ2UiOiJici1tdm0iLCJkb21haW5UeXBlIjoicWVtdSIsIm92c0RhdGFwYXRoIjoibmV0ZGV2IiwiY3B1TW9kZWwiOiJob3N0LW1vZGVsIiwibGlidmlydFNlY3JldFV1aWQiOiIwZjRmM2MxZS04ZDJiLTRjNTUtOWUwYS02YTdiOGM5ZDBlMWYiLCJjZXBoQ2xpZW50IjoibXZtIiwiaG9zdHMiOlt7Im5hbWUiOiJoMSIsImFkZHJlc3MiOiIxMC4wLjAuMTEifV19";

    public static ObjectProperty Obj(params (string Key, object? Value)[] fields) =>
        (ObjectProperty)PropertyValue.Of(fields.Select(f => KeyValuePair.Create(f.Key, V(f.Value))));

    public static PropertyValue List(params object?[] items) => PropertyValue.Of(items.Select(V));

    public static PropertyValue Secret(object? value) => PropertyValue.Secret(V(value));

    public static PropertyValue V(object? value) => value switch
    {
        null => PropertyValue.Null,
        PropertyValue p => p,
        string s => PropertyValue.Of(s),
        bool b => PropertyValue.Of(b),
        int i => PropertyValue.Of(i),
        long l => PropertyValue.Of(l),
        double d => PropertyValue.Of(d),
        IEnumerable e => PropertyValue.Of(e.Cast<object?>().Select(V)),
        _ => throw new ArgumentException($"cannot convert {value.GetType()}"),
    };

    /// <summary>Returns `obj` with `key` set (or replaced); null sets an explicit null.</summary>
    public static ObjectProperty Set(this ObjectProperty obj, string key, object? value) => obj.With(key, V(value));

    /// <summary>Returns the list property `key` of `obj` with item `index` replaced by `item`.</summary>
    public static ObjectProperty SetItem(this ObjectProperty obj, string key, int index, object? item)
    {
        var items = ((ArrayProperty)obj[key]!.Unsecret()).Items.SetItem(index, V(item));
        return obj.With(key, PropertyValue.Of(items));
    }

    public static IReadOnlyList<CheckFailureInfo> Failures(IResource resource, ObjectProperty news, string name = "test") =>
        resource.Check(name, ObjectProperty.Empty, news).Failures;

    public static void AssertNoFailures(IReadOnlyList<CheckFailureInfo> failures) =>
        Assert.True(failures.Count == 0, "expected no failures, got:\n" + Describe(failures));

    /// <summary>Asserts a failure on exactly `path` whose reason contains every fragment.</summary>
    public static CheckFailureInfo AssertFailure(IReadOnlyList<CheckFailureInfo> failures, string path, params string[] fragments)
    {
        var match = failures.FirstOrDefault(f => f.Property == path && fragments.All(x => f.Reason.Contains(x, StringComparison.Ordinal)));
        Assert.True(match is not null, $"expected a failure on '{path}' containing [{string.Join(" | ", fragments)}], got:\n{Describe(failures)}");
        return match!;
    }

    /// <summary>Asserts exactly one failure, on `path`, containing every fragment.</summary>
    public static void AssertOnlyFailure(IReadOnlyList<CheckFailureInfo> failures, string path, params string[] fragments)
    {
        AssertFailure(failures, path, fragments);
        Assert.True(failures.Count == 1, $"expected only the failure on '{path}', got:\n{Describe(failures)}");
    }

    public static string Describe(IReadOnlyList<CheckFailureInfo> failures) =>
        failures.Count == 0 ? "(none)" : string.Join("\n", failures.Select(f => $"  {f.Property}: {f.Reason}"));
}
