using System.Collections.Concurrent;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Mvm.Tests.Lab.Provider;

/// <summary>The place of a [Fact] in its class's stages (see <see cref="LabStages"/>), run in this order.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class StageAttribute(int order) : Attribute
{
    public int Order { get; } = order;
}

/// <summary>Runs a class's [Fact]s in the order of their <see cref="StageAttribute"/> (xunit's own order is by
/// id).</summary>
public sealed class StageOrderer : ITestCaseOrderer
{
    public const string Name = "Mvm.Tests.Lab.Provider.StageOrderer";
    public const string Assembly = "Mvm.Tests.Lab";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(t => Order(t)).ThenBy(t => t.TestMethod.Method.Name, StringComparer.Ordinal);

    private static int Order(ITestCase t) =>
        t.TestMethod.Method.GetCustomAttributes(typeof(StageAttribute).AssemblyQualifiedName!).FirstOrDefault() is { } a
            ? (int)a.GetConstructorArguments().First()
            : int.MaxValue;
}

/// <summary>
/// The stages of one long lab scenario on one lab cluster, each its own [Fact] so each reports its
/// own result: a stage that fails does not hide the ones after it. A stage names the earlier
/// stages whose outcome it builds on; when one of those failed (or never ran) it does not run on
/// a cluster in an unknown state, and fails at once saying which one. Held by the test class's
/// class fixture, so it lives as long as the cluster.
/// </summary>
public sealed class LabStages
{
    // Stage → null when it passed, else why it did not.
    private readonly ConcurrentDictionary<string, string?> _outcomes = new(StringComparer.Ordinal);

    public async Task RunAsync(string stage, IReadOnlyList<string> needs, Func<Task> body)
    {
        foreach (var earlier in needs)
        {
            var why = _outcomes.TryGetValue(earlier, out var failed) ? failed : "it did not run";
            if (why is null) continue;
            _outcomes[stage] = $"it needs stage {earlier}, which failed";
            Assert.Fail($"earlier stage {earlier} failed ({why}), and this stage builds on it: not run");
        }
        try
        {
            await body();
            _outcomes[stage] = null;
        }
        catch (Exception e)
        {
            _outcomes[stage] = e.Message.Split('\n')[0];
            throw;
        }
    }
}
