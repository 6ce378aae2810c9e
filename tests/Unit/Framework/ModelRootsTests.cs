using Mvm.Framework;
using Mvm.Framework.Config;

namespace Mvm.Tests.Unit.Framework;

/// <summary>
/// ModelRoots must name exactly the list, map, enum and nested record types the plugin's records
/// declare: one left out is trimmed from the Native AOT plugin (its properties vanish from the
/// schema and from decoding), one too many is dead weight.
/// </summary>
public class ModelRootsTests
{
    [Fact]
    public void RootsAreExactlyTheTypesTheResourceRecordsReach()
    {
        var reached = new HashSet<Type>();
        var records = ResourceCatalog.All().SelectMany(r => new[] { r.ArgsType, r.StateType })
            .Append(typeof(ProviderConfig));
        foreach (var record in records)
            foreach (var p in ObjectModel.Of(record).Properties) Collect(p.Shape, reached);

        var roots = ModelRoots.Types.ToHashSet();
        Assert.Equal(roots.Count, ModelRoots.Types.Count);
        var missing = reached.Except(roots).Select(t => t.ToString()).Order().ToList();
        var unused = roots.Except(reached).Select(t => t.ToString()).Order().ToList();
        Assert.True(missing.Count == 0, "add to ModelRoots: " + string.Join(", ", missing));
        Assert.True(unused.Count == 0, "no record declares (remove from ModelRoots): " + string.Join(", ", unused));
    }

    private static void Collect(Shape shape, HashSet<Type> reached)
    {
        if (shape.Kind is ShapeKind.String or ShapeKind.Boolean or ShapeKind.Integer or ShapeKind.Number) return;
        if (!reached.Add(shape.ClrType)) return;
        if (shape.Element is { } element) Collect(element, reached);
        if (shape.Kind == ShapeKind.Object)
            foreach (var p in ObjectModel.Of(shape.ClrType).Properties) Collect(p.Shape, reached);
    }
}
