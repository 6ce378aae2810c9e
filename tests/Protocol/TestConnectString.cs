namespace Mvm.Tests.Protocol;

/// <summary>
/// A connect string in the form MvmCluster outputs (`mvm1.` + base64url JSON), written out here
/// rather than built with provider code: these tests only know the wire.
/// </summary>
internal static class TestConnectString
{
    public const string Value = "mvm1.eyJ2ZXJzaW9uIjoxLCJuYW1lIjoibGFiIiwiZnNpZCI6IjZiMWY1YmQ0LTNjMWUtNGY0Yy05YTU1LTBkMWYwYzFlMmExMSIsImxheW91dCI6ImhjaSIsInZtUG9vbCI6Im12bS12bXMiLCJvdnNCcmlkZ2UiOiJici1tdm0iLCJkb21haW5UeXBlIjoicWVtdSIsIm92c0RhdGFwYXRoIjoibmV0ZGV2IiwiY3B1TW9kZWwiOiJob3N0LW1vZGVsIiwibGlidmlydFNlY3JldFV1aWQiOiIwZjRmM2MxZS04ZDJiLTRjNTUtOWUwYS02YTdiOGM5ZDBlMWYiLCJjZXBoQ2xpZW50IjoibXZtIiwiaG9zdHMiOlt7Im5hbWUiOiJoMSIsImFkZHJlc3MiOiIxMC4wLjAuMTEifV19";
}
