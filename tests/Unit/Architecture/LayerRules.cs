using System.Text.RegularExpressions;

namespace Mvm.Tests.Unit.Architecture;

/// <summary>
/// One reference a file may not make: <see cref="Target"/> is the layer it reaches, <see cref="Namespace"/> the
/// namespace it names (what the allow-list keys on), <see cref="Reference"/> the text.
/// </summary>
public sealed record LayerViolation(string File, int Line, string Layer, string Target, string Namespace, string Reference)
{
    public override string ToString() => $"{File}:{Line}: {Layer} -> {Target} ({Reference})";
}

/// <summary>
/// The provider's layers and what each may use (docs: design.md, "Layers"). A file's layer is its namespace
/// (namespaces equal folders); a reference is a `using Mvm.X…` directive, a qualified name `Mvm.X.…`, a name
/// qualified from inside the Mvm namespace (`Transport.IHost`, which C# resolves to Mvm.Transport), or a type
/// of the composition root (namespace Mvm) named from a layer.
/// </summary>
public static partial class LayerRules
{
    /// <summary>The composition root: Program.cs (no namespace) and namespace Mvm (the resource list, PluginMain).</summary>
    public const string Root = "Root";

    /// <summary>
    /// Layer -> the layers below it that it may use. The request path is Protocol -> Framework -> Resources ->
    /// Cluster -> Tools -> Transport. The protocol hands engine calls to the framework through the interface it
    /// declares (IResourceProviderHandler), so in source the framework uses the protocol, never the reverse:
    /// the protocol's wire values (PropertyValue) are part of the framework's resource API, which is why
    /// resources may name them. The framework wires the transport in (OperationContext carries the host
    /// connector). Resources and the cluster layer reach hosts only through tool clients, never the transport;
    /// the cluster layer takes typed settings, never a resource's types or the framework's operation.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string[]> MayUse = new Dictionary<string, string[]>
    {
        ["Protocol"] = ["Core"],
        ["Framework"] = ["Protocol", "Transport", "Core"],
        ["Resources"] = ["Framework", "Protocol", "Cluster", "Tools", "Core"],
        ["Cluster"] = ["Tools", "Core"],
        ["Tools"] = ["Transport", "Core"],
        ["Transport"] = ["Core"],
        ["Core"] = [],
    };

    /// <summary>The layer of a namespace: Mvm.&lt;Layer&gt;[.…], the root for Mvm itself, null for anything else.</summary>
    public static string? LayerOf(string? ns)
    {
        if (ns is null or "Mvm") return Root;
        var parts = ns.Split('.');
        return parts.Length >= 2 && parts[0] == "Mvm" && MayUse.ContainsKey(parts[1]) ? parts[1] : null;
    }

    /// <summary>
    /// The violations of one file, one per namespace and reference text. <paramref name="names"/> says what the
    /// provider declares, so `Cluster.Name` (a property) is not taken for namespace Mvm.Cluster.
    /// </summary>
    public static IReadOnlyList<LayerViolation> Check(string file, string source, ProviderNames names)
    {
        var code = CodeText.Strip(source);
        var declared = NamespaceDeclaration().Matches(code).Select(m => m.Groups[1].Value).ToList();
        if (declared.Count > 1)
            return [new LayerViolation(file, 1, "?", "?", "?", "more than one namespace: " + string.Join(", ", declared))];
        var ns = declared.SingleOrDefault();
        var layer = LayerOf(ns);
        if (layer is null)
            return [new LayerViolation(file, 1, "?", "?", "?", $"namespace {ns} is not in a layer (Mvm.<Layer> or Mvm)")];
        if (layer == Root) return [];

        var found = new List<LayerViolation>();
        void Add(int at, string target, string reference)
        {
            if (target == layer || MayUse[layer].Contains(target)) return;
            var qualified = reference.StartsWith("global::", StringComparison.Ordinal) ? reference[8..] : reference;
            if (!qualified.StartsWith("Mvm.", StringComparison.Ordinal) && target != Root) qualified = "Mvm." + qualified;
            var ns = target == Root ? "Mvm" : names.NamespaceOf(qualified);
            found.Add(new LayerViolation(file, LineAt(code, at), layer, target, ns, reference));
        }
        foreach (Match m in QualifiedName().Matches(code))
        {
            // A namespace declaration names the file's own layer; everything else is a use.
            if (IsNamespaceDeclaration(code, m.Index)) continue;
            var target = m.Groups["layer"].Value;
            Add(m.Index, MayUse.ContainsKey(target) ? target : "?", m.Value);
        }
        foreach (Match m in RelativeName().Matches(code))
        {
            var target = m.Groups["layer"].Value;
            if (names.Declares($"Mvm.{target}.{m.Groups["name"].Value}")) Add(m.Index, target, m.Value);
        }
        foreach (var type in names.RootTypes)
            foreach (Match m in Regex.Matches(code, $@"(?<![\w.]){Regex.Escape(type)}\b"))
                Add(m.Index, Root, m.Value);
        // One entry per file, target and reference: the allow-list names what is used, not every line.
        return found.DistinctBy(v => (v.Namespace, v.Reference)).ToList();
    }

    private static bool IsNamespaceDeclaration(string code, int index)
    {
        var lineStart = code.LastIndexOf('\n', Math.Max(index - 1, 0)) + 1;
        return code.AsSpan(lineStart, index - lineStart).Trim().SequenceEqual("namespace");
    }

    private static int LineAt(string code, int index) => code.AsSpan(0, index).Count('\n') + 1;

    [GeneratedRegex(@"^\s*namespace\s+([\w.]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();

    // Mvm.X.Y… anywhere in code (using directives included), with or without global::.
    [GeneratedRegex(@"(?<![\w.])(?:global::)?Mvm\.(?<layer>\w+)(?:\.\w+)*")]
    private static partial Regex QualifiedName();

    // X.Y… not preceded by a dot or a word character: C# looks X up in the enclosing namespaces, Mvm included.
    [GeneratedRegex(
        @"(?<![\w.:])(?<layer>Protocol|Framework|Resources|Cluster|Tools|Transport|Core)\.(?<name>\w+)(?:\.\w+)*")]
    private static partial Regex RelativeName();
}
