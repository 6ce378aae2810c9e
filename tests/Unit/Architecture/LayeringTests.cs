using Mvm.Framework;

namespace Mvm.Tests.Unit.Architecture;

/// <summary>
/// Dependencies point down only (design.md, "Layers"): every provider source file is read for its namespace and
/// its references to other Mvm namespaces, and a reference a layer may not make fails, naming file and reference.
/// </summary>
public sealed class LayeringTests
{
    private static readonly ProviderNames Names = ProviderNames.Of(typeof(MvmProvider).Assembly);

    private static IReadOnlyList<LayerViolation> Scan()
    {
        var root = RepoPaths.Root;
        return Directory.EnumerateFiles(Path.Combine(root, "provider"), "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .SelectMany(f => LayerRules.Check(f, File.ReadAllText(Path.Combine(root, f)), Names))
            .ToList();
    }

    [Fact]
    public void NoProviderFileReferencesALayerItMayNotUse()
    {
        var allowed = KnownViolations.Entries.ToHashSet();
        var fresh = Scan().Where(v => !allowed.Contains((v.File, v.Namespace))).ToList();
        Assert.True(fresh.Count == 0,
            "references a layer may not make (see LayerRules.MayUse; the dependency rule of design.md, \"Layers\"):\n" +
            string.Join("\n", fresh));
    }

    [Fact]
    public void EveryAllowedViolationStillOccurs()
    {
        var found = Scan().Select(v => (v.File, v.Namespace)).ToHashSet();
        var gone = KnownViolations.Entries.Where(e => !found.Contains(e)).ToList();
        Assert.True(gone.Count == 0,
            "KnownViolations lists references that are gone; delete these entries so they cannot come back:\n" +
            string.Join("\n", gone.Select(e => $"(\"{e.File}\", \"{e.Namespace}\")")));
    }

    [Fact]
    public void TheAllowListHasNoDuplicates() =>
        Assert.Equal(KnownViolations.Entries.Count, KnownViolations.Entries.Distinct().Count());

    [Fact]
    public void EveryProviderFileIsInALayer()
    {
        var files = Scan().Where(v => v.Layer == "?").ToList();
        Assert.True(files.Count == 0, string.Join("\n", files));
    }

    [Fact]
    public void APlantedUsingOfAHigherLayerFails()
    {
        var v = Assert.Single(Check("provider/Tools/Planted.cs", """
            using Mvm.Core;
            using Mvm.Framework;
            using Mvm.Transport;

            namespace Mvm.Tools;

            public static class Planted;
            """));
        Assert.Equal(("provider/Tools/Planted.cs", 2, "Tools", "Framework", "Mvm.Framework"),
            (v.File, v.Line, v.Layer, v.Target, v.Namespace));
        Assert.Equal("provider/Tools/Planted.cs:2: Tools -> Framework (Mvm.Framework)", v.ToString());
    }

    [Theory]
    [InlineData("Mvm.Resources.Shared.ClusterHost? host = null;", "Mvm.Resources.Shared")]
    [InlineData("global::Mvm.Framework.OperationContext? ctx = null;", "Mvm.Framework")]
    [InlineData("Framework.Config.ProviderConfig? config = null;", "Mvm.Framework.Config")]
    [InlineData("Transport.IHost? host = null;", "Mvm.Transport")]
    [InlineData("var all = ResourceCatalog.All();", "Mvm")]
    public void APlantedQualifiedReferenceFails(string statement, string ns)
    {
        var v = Assert.Single(Check("provider/Cluster/Planted.cs", $$"""
            namespace Mvm.Cluster;

            public static class Planted
            {
                public static void Run()
                {
                    {{statement}}
                }
            }
            """));
        Assert.Equal(("Cluster", ns, 7), (v.Layer, v.Namespace, v.Line));
    }

    [Fact]
    public void CommentsStringsAndMembersAreNotReferences()
    {
        Assert.Empty(Check("provider/Transport/Planted.cs", """"
            namespace Mvm.Transport;

            // using Mvm.Framework; in a comment
            /* Mvm.Resources.Shared.ClusterHost */
            /// <summary>Not Framework.Config.ProviderConfig either.</summary>
            public sealed class Planted
            {
                public string Cluster => "Mvm.Cluster.ClusterConnection";
                public string Raw => """Transport uses Mvm.Framework.OperationContext""";
                public string Verbatim => @"Framework.MvmProvider "" Mvm.Tools";
                public char Quote => '"';
                public string Member => new Planted().Cluster.Length.ToString() + this.Cluster;
            }
            """"));
    }

    [Fact]
    public void CodeInAnInterpolationHoleIsAReference()
    {
        var v = Assert.Single(Check("provider/Core/Planted.cs", """
            namespace Mvm.Core;

            public static class Planted
            {
                public static string Text(object o) => $"value {(o is Mvm.Tools.Ceph ? "ceph" : "other")} of {o}";
            }
            """));
        Assert.Equal(("Core", "Tools", "Mvm.Tools"), (v.Layer, v.Target, v.Namespace));
    }

    [Fact]
    public void AFileOutsideTheLayersFails()
    {
        var v = Assert.Single(Check("provider/Misc/Planted.cs", "namespace Mvm.Misc;\npublic static class Planted;\n"));
        Assert.Contains("Mvm.Misc is not in a layer", v.Reference, StringComparison.Ordinal);
    }

    [Fact]
    public void TheCompositionRootMayUseEveryLayer() =>
        Assert.Empty(Check("provider/Program.cs", "using Mvm;\nusing Mvm.Framework;\nusing Mvm.Resources.CephPool;\n" +
            "return await PluginMain.RunAsync(args, ResourceCatalog.All());\n"));

    private static IReadOnlyList<LayerViolation> Check(string file, string source) => LayerRules.Check(file, source, Names);
}
