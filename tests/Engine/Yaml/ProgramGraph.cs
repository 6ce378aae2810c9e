namespace Mvm.EngineHarness.Yaml;

/// <summary>
/// The dependency graph of a program's variables and resources: references (`${x...}`), dependsOn and the
/// provider option. Gives a stable evaluation order (declaration order where dependencies allow) and reports
/// unknown references and cycles as program errors.
/// </summary>
public sealed class ProgramGraph
{
    public static readonly ProgramGraph Empty = new([], new Dictionary<string, IReadOnlyList<string>>(), new Dictionary<string, IReadOnlyList<string>>());

    private ProgramGraph(IReadOnlyList<string> order, IReadOnlyDictionary<string, IReadOnlyList<string>> edges, IReadOnlyDictionary<string, IReadOnlyList<string>> resourceDependencies)
    {
        Order = order;
        Edges = edges;
        ResourceDependencies = resourceDependencies;
    }

    /// <summary>Variables and resources in evaluation order.</summary>
    public IReadOnlyList<string> Order { get; }

    /// <summary>Node → the variable/resource nodes it refers to directly.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Edges { get; }

    /// <summary>
    /// Resource → the resources it depends on (through variables too, plus dependsOn), excluding its provider:
    /// what the state's `dependencies` records.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> ResourceDependencies { get; }

    /// <summary>Names usable as a reference root that are not nodes (config keys, `pulumi`).</summary>
    public static ISet<string> LeafNames(ProgramModel program)
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { "pulumi" };
        foreach (var key in program.Config.Keys)
            names.Add(key);
        foreach (var key in program.Stack.Values.Keys.Concat(program.ProjectConfigValues.Keys))
        {
            names.Add(key);
            if (key.StartsWith(program.Name + ":", StringComparison.Ordinal))
                names.Add(key[(program.Name.Length + 1)..]);
        }
        return names;
    }

    public static ProgramGraph Build(ProgramModel program)
    {
        var errors = new List<string>();
        var declarations = new Dictionary<string, (int Index, bool IsResource, SourceLocation Location)>(StringComparer.Ordinal);
        var index = 0;
        foreach (var r in program.Resources)
        {
            if (!declarations.TryAdd(r.Name, (index++, true, r.Location)))
                errors.Add($"{r.Location}: duplicate resource name '{r.Name}'");
        }
        foreach (var v in program.Variables)
        {
            if (!declarations.TryAdd(v.Name, (index++, false, v.Location)))
                errors.Add($"{v.Location}: '{v.Name}' is declared as both a variable and a resource (or twice)");
        }
        foreach (var c in program.Config.Keys.Where(declarations.ContainsKey))
            errors.Add($"{declarations[c].Location}: '{c}' is declared both as config and as a variable or resource");

        var leaves = LeafNames(program);
        var edges = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var dataEdges = new Dictionary<string, List<string>>(StringComparer.Ordinal); // without the provider option

        void AddReferences(string from, IEnumerable<(PropertyAccess Access, SourceLocation Location)> refs, bool data)
        {
            foreach (var (access, location) in refs)
            {
                if (declarations.ContainsKey(access.Root))
                {
                    if (access.Root == from)
                    {
                        errors.Add($"{location}: '{from}' refers to itself (${{{access}}})");
                        continue;
                    }
                    Add(edges, from, access.Root);
                    if (data)
                        Add(dataEdges, from, access.Root);
                }
                else if (!leaves.Contains(access.Root))
                {
                    errors.Add($"{location}: unknown resource, variable or config key '{access.Root}' in ${{{access}}}" + Suggest(access.Root, declarations.Keys.Concat(leaves)));
                }
            }
        }

        foreach (var v in program.Variables)
        {
            edges.TryAdd(v.Name, []);
            dataEdges.TryAdd(v.Name, []);
            AddReferences(v.Name, ExprWalker.References(v.Value), data: true);
        }
        foreach (var r in program.Resources)
        {
            edges.TryAdd(r.Name, []);
            dataEdges.TryAdd(r.Name, []);
            AddReferences(r.Name, ExprWalker.References(r.Properties), data: true);
            foreach (var d in r.Options.DependsOn)
            {
                if (d is SymbolExpr { Access.Accessors.Count: 0 } s && declarations.TryGetValue(s.Access.Root, out var decl) && decl.IsResource)
                    AddReferences(r.Name, [(s.Access, s.Location)], data: true);
                else
                    errors.Add($"{d.Location}: dependsOn entries must be resource references like ${{name}}");
            }
            if (r.Options.Provider is { } p)
            {
                if (p is SymbolExpr { Access.Accessors.Count: 0 } s && program.Resource(s.Access.Root) is { IsProvider: true })
                    AddReferences(r.Name, [(s.Access, s.Location)], data: false);
                else
                    errors.Add($"{p.Location}: options.provider must reference an explicit provider resource (type pulumi:providers:mvm) like ${{myProvider}}");
            }
        }
        foreach (var o in program.Outputs)
        {
            foreach (var (access, location) in ExprWalker.References(o.Value))
            {
                if (!declarations.ContainsKey(access.Root) && !leaves.Contains(access.Root))
                    errors.Add($"{location}: unknown resource, variable or config key '{access.Root}' in output '{o.Name}'" + Suggest(access.Root, declarations.Keys.Concat(leaves)));
            }
        }
        if (errors.Count > 0)
            throw new ProgramException(errors);

        var cycle = FindCycle(edges, declarations.OrderBy(d => d.Value.Index).Select(d => d.Key));
        if (cycle is not null)
            throw new ProgramException(declarations[cycle[0]].Location, $"dependency cycle: {string.Join(" -> ", cycle)}");

        var order = TopologicalOrder(edges, declarations.ToDictionary(d => d.Key, d => d.Value.Index));
        var resourceDeps = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var r in program.Resources)
            resourceDeps[r.Name] = ReachableResources(r.Name, dataEdges, declarations).OrderBy(n => order.IndexOf(n)).ToList();

        return new ProgramGraph(order, edges.ToDictionary(e => e.Key, e => (IReadOnlyList<string>)e.Value), resourceDeps);
    }

    private static void Add(Dictionary<string, List<string>> edges, string from, string to)
    {
        if (!edges.TryGetValue(from, out var list))
            edges[from] = list = [];
        if (!list.Contains(to))
            list.Add(to);
    }

    /// <summary>Resources reached from <paramref name="start"/>, looking through variables but stopping at resources.</summary>
    private static HashSet<string> ReachableResources(string start, Dictionary<string, List<string>> edges, Dictionary<string, (int Index, bool IsResource, SourceLocation Location)> declarations)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal) { start };
        var stack = new Stack<string>(edges.GetValueOrDefault(start) ?? []);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (!seen.Add(n))
                continue;
            if (declarations[n].IsResource)
                result.Add(n);
            else
                foreach (var next in edges.GetValueOrDefault(n) ?? [])
                    stack.Push(next);
        }
        return result;
    }

    /// <summary>Returns a cycle as [a, b, ..., a], or null.</summary>
    public static List<string>? FindCycle(IReadOnlyDictionary<string, List<string>> edges, IEnumerable<string> nodes)
    {
        var state = new Dictionary<string, int>(StringComparer.Ordinal); // 1 = on stack, 2 = done
        var path = new List<string>();

        List<string>? Visit(string n)
        {
            state[n] = 1;
            path.Add(n);
            foreach (var next in edges.GetValueOrDefault(n) ?? [])
            {
                var s = state.GetValueOrDefault(next);
                if (s == 1)
                {
                    var start = path.IndexOf(next);
                    return [.. path.Skip(start), next];
                }
                if (s == 0 && Visit(next) is { } found)
                    return found;
            }
            path.RemoveAt(path.Count - 1);
            state[n] = 2;
            return null;
        }

        foreach (var n in nodes)
        {
            if (state.GetValueOrDefault(n) == 0 && Visit(n) is { } cycle)
                return cycle;
        }
        return null;
    }

    /// <summary>Kahn's algorithm, always taking the earliest-declared ready node, so order is deterministic.</summary>
    private static List<string> TopologicalOrder(Dictionary<string, List<string>> edges, Dictionary<string, int> declarationIndex)
    {
        var remaining = edges.ToDictionary(e => e.Key, e => new HashSet<string>(e.Value), StringComparer.Ordinal);
        var order = new List<string>();
        var ready = new SortedSet<(int, string)>(remaining.Where(r => r.Value.Count == 0).Select(r => (declarationIndex[r.Key], r.Key)));
        while (ready.Count > 0)
        {
            var next = ready.Min;
            ready.Remove(next);
            order.Add(next.Item2);
            foreach (var (node, deps) in remaining)
            {
                if (deps.Remove(next.Item2) && deps.Count == 0)
                    ready.Add((declarationIndex[node], node));
            }
        }
        return order;
    }

    private static string Suggest(string name, IEnumerable<string> known)
    {
        var close = known.Distinct().Where(k => k.Equals(name, StringComparison.OrdinalIgnoreCase) || Distance(k, name) <= 2).Take(3).ToList();
        return close.Count == 0 ? "" : $" (did you mean {string.Join(" or ", close.Select(c => $"'{c}'"))}?)";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
            d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++)
            d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
        }
        return d[a.Length, b.Length];
    }
}
