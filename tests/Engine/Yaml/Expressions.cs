using System.Text;

namespace Mvm.EngineHarness.Yaml;

/// <summary>Where something was written, for error messages people can act on.</summary>
public sealed record SourceLocation(string File, int Line, int Column)
{
    public static readonly SourceLocation None = new("<program>", 0, 0);

    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}" : File;
}

/// <summary>A Pulumi YAML expression: literals, lists, objects, `${...}` references, interpolations, fn:: calls.</summary>
public abstract record Expr(SourceLocation Location);

public sealed record NullExpr(SourceLocation Location) : Expr(Location);

public sealed record BoolExpr(bool Value, SourceLocation Location) : Expr(Location);

public sealed record NumberExpr(double Value, SourceLocation Location) : Expr(Location);

/// <summary>A literal string (with `$${` already turned into `${`).</summary>
public sealed record StringExpr(string Value, SourceLocation Location) : Expr(Location);

/// <summary>A string that is exactly one `${...}`: evaluates to the referenced value with its own type.</summary>
public sealed record SymbolExpr(PropertyAccess Access, SourceLocation Location) : Expr(Location);

/// <summary>Text mixed with references, e.g. "prefix-${res.id}": always a string.</summary>
public sealed record InterpolateExpr(IReadOnlyList<InterpolationPart> Parts, SourceLocation Location) : Expr(Location);

public sealed record ListExpr(IReadOnlyList<Expr> Items, SourceLocation Location) : Expr(Location);

public sealed record ObjectExpr(IReadOnlyList<ObjectProperty> Entries, SourceLocation Location) : Expr(Location);

/// <summary>fn::secret, fn::toJSON, fn::join, fn::select, fn::invoke.</summary>
public sealed record FunctionExpr(string Name, Expr Argument, SourceLocation Location) : Expr(Location);

public sealed record ObjectProperty(string Key, Expr Value);

/// <summary>Literal text, or a reference (exactly one is set).</summary>
public sealed record InterpolationPart(string? Text, PropertyAccess? Access);

/// <summary>`root.prop[0]["k"]`: a named root (resource, variable, config key) and accessors.</summary>
public sealed record PropertyAccess(string Root, IReadOnlyList<Accessor> Accessors)
{
    public override string ToString()
    {
        var sb = new StringBuilder(Root);
        foreach (var a in Accessors)
            sb.Append(a);
        return sb.ToString();
    }
}

public abstract record Accessor;

public sealed record PropertyAccessor(string Name) : Accessor
{
    public override string ToString() => "." + Name;
}

public sealed record IndexAccessor(int Index) : Accessor
{
    public override string ToString() => $"[{Index}]";
}

public sealed record KeyAccessor(string Key) : Accessor
{
    public override string ToString() => $"[\"{Key}\"]";
}

public static class ExprWalker
{
    /// <summary>Every reference in an expression tree (for the dependency graph).</summary>
    public static IEnumerable<(PropertyAccess Access, SourceLocation Location)> References(Expr? expr)
    {
        switch (expr)
        {
            case SymbolExpr s:
                yield return (s.Access, s.Location);
                break;
            case InterpolateExpr i:
                foreach (var p in i.Parts)
                {
                    if (p.Access is not null)
                        yield return (p.Access, i.Location);
                }
                break;
            case ListExpr l:
                foreach (var item in l.Items)
                {
                    foreach (var r in References(item))
                        yield return r;
                }
                break;
            case ObjectExpr o:
                foreach (var e in o.Entries)
                {
                    foreach (var r in References(e.Value))
                        yield return r;
                }
                break;
            case FunctionExpr f:
                foreach (var r in References(f.Argument))
                    yield return r;
                break;
        }
    }
}
