using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Values;
using Mvm.EngineHarness.Yaml;

namespace Mvm.EngineHarness.Deployment;

/// <summary>A resource as seen by expressions: its URN, id and outputs (possibly partly unknown in preview).</summary>
public sealed class EvaluatedResource
{
    public required string Name { get; init; }

    public required string Urn { get; init; }

    /// <summary>The id, or the unknown sentinel for a resource being created in preview.</summary>
    public required Value Id { get; init; }

    public required Struct Outputs { get; init; }

    /// <summary>Preview of a create/update: an output the provider did not return is unknown, not absent.</summary>
    public bool MissingIsUnknown { get; init; }

    /// <summary>For explicit provider resources: the "urn::id" reference.</summary>
    public string? ProviderReference { get; init; }
}

/// <summary>
/// Evaluates Pulumi YAML expressions over config, variables and resource outputs. Secretness and unknowns
/// propagate: reading through a secret gives a secret; anything built from an unknown is unknown; an
/// interpolated string is secret if any part is.
/// </summary>
public sealed class Evaluator
{
    private readonly ProgramModel _program;
    private readonly Dictionary<string, Value> _config = new(StringComparer.Ordinal);

    public Evaluator(ProgramModel program)
    {
        _program = program;
    }

    public Dictionary<string, Value> Variables { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, EvaluatedResource> Resources { get; } = new(StringComparer.Ordinal);

    /// <summary>fn::invoke: (token, args, preview-safe) → result object.</summary>
    public Func<string, Struct, Task<Struct>>? Invoke { get; set; }

    /// <summary>
    /// Resolves every declared project config value (typed, defaults applied) and reports missing required ones.
    /// </summary>
    public void ResolveConfig()
    {
        var errors = new List<string>();
        foreach (var (name, decl) in _program.Config)
        {
            var qualified = $"{_program.Name}:{name}";
            if (_program.Stack.Values.TryGetValue(qualified, out var v) || _program.ProjectConfigValues.TryGetValue(qualified, out v))
            {
                try
                {
                    var typed = ProgramLoader.Typed(v, decl.Type, decl.Location, name);
                    _config[name] = decl.Secret ? PropertyValues.Secret(typed) : typed;
                }
                catch (ProgramException e)
                {
                    errors.AddRange(e.Errors);
                }
            }
            else if (decl.Default is not null)
            {
                _config[name] = decl.Secret ? PropertyValues.Secret(decl.Default) : decl.Default;
            }
            else
            {
                errors.Add($"{decl.Location}: missing required configuration variable '{name}'; set it with `pulumi config set {qualified} <value>` (in Pulumi.{_program.Stack.Name}.yaml)");
            }
        }
        if (errors.Count > 0)
            throw new ProgramException(errors);
    }

    public async Task<Value> EvaluateAsync(Expr expr)
    {
        switch (expr)
        {
            case NullExpr:
                return Value.ForNull();
            case BoolExpr b:
                return Value.ForBool(b.Value);
            case NumberExpr n:
                return Value.ForNumber(n.Value);
            case StringExpr s:
                return Value.ForString(s.Value);
            case SymbolExpr s:
                return Access(s.Access, s.Location);
            case InterpolateExpr i:
                return Interpolate(i);
            case ListExpr l:
            {
                var items = new List<Value>();
                foreach (var item in l.Items)
                    items.Add(await EvaluateAsync(item).ConfigureAwait(false));
                return Value.ForList(items.ToArray());
            }
            case ObjectExpr o:
                return Value.ForStruct(await EvaluateObjectAsync(o, dropNulls: false).ConfigureAwait(false));
            case FunctionExpr f:
                return await CallAsync(f).ConfigureAwait(false);
            default:
                throw new ProgramException(expr.Location, $"unsupported expression {expr.GetType().Name}");
        }
    }

    /// <summary>Resource properties: null-valued properties are left out, as SDKs omit unset inputs.</summary>
    public async Task<Struct> EvaluateObjectAsync(ObjectExpr o, bool dropNulls = true)
    {
        var s = new Struct();
        foreach (var entry in o.Entries)
        {
            var v = await EvaluateAsync(entry.Value).ConfigureAwait(false);
            if (dropNulls && v.KindCase == Value.KindOneofCase.NullValue)
                continue;
            s.Fields[entry.Key] = v;
        }
        return s;
    }

    public Value Access(PropertyAccess access, SourceLocation where)
    {
        var root = access.Root;
        IReadOnlyList<Accessor> rest = access.Accessors;
        Value start;
        if (Resources.TryGetValue(root, out var resource))
        {
            if (rest.Count == 0)
            {
                // A bare resource used as a value is a resource reference; with acceptResources=false the engine
                // flattens it to the id when known, else the URN.
                if (resource.ProviderReference is not null)
                    return Value.ForString(resource.ProviderReference);
                return Unknowns.IsUnknown(resource.Id) ? Value.ForString(resource.Urn) : resource.Id;
            }
            var first = rest[0] switch
            {
                PropertyAccessor p => p.Name,
                KeyAccessor k => k.Key,
                _ => throw new ProgramException(where, $"${{{access}}}: cannot index a resource with a number"),
            };
            rest = rest.Skip(1).ToList();
            if (first == "id")
                start = resource.Id;
            else if (first == "urn")
                start = Value.ForString(resource.Urn);
            else if (resource.Outputs.Fields.TryGetValue(first, out var output))
                start = output;
            else
                start = resource.MissingIsUnknown ? Unknowns.Of() : Value.ForNull();
        }
        else if (Variables.TryGetValue(root, out var variable))
        {
            start = variable;
        }
        else if (root == "pulumi")
        {
            if (rest.Count == 0 || rest[0] is not PropertyAccessor { Name: var builtin })
                throw new ProgramException(where, "${pulumi} needs a property: stack, project, cwd or organization");
            start = builtin switch
            {
                "stack" => Value.ForString(_program.Stack.Name),
                "project" => Value.ForString(_program.Name),
                "cwd" => Value.ForString(_program.Directory),
                "organization" => Value.ForString("organization"),
                _ => throw new ProgramException(where, $"unknown builtin ${{pulumi.{builtin}}}"),
            };
            rest = rest.Skip(1).ToList();
        }
        else if (ConfigValueOf(root) is { } config)
        {
            start = config;
        }
        else
        {
            throw new ProgramException(where, $"'{root}' is not available here (was it declared, and evaluated before use?)");
        }
        return Walk(start, rest, access, where);
    }

    private Value? ConfigValueOf(string name)
    {
        if (_config.TryGetValue(name, out var declared))
            return declared;
        var qualified = name.Contains(':') ? name : $"{_program.Name}:{name}";
        if (_program.Stack.Values.TryGetValue(qualified, out var v) || _program.ProjectConfigValues.TryGetValue(qualified, out v))
            return ProgramLoader.Typed(v, null, SourceLocation.None, name);
        return null;
    }

    private static Value Walk(Value value, IReadOnlyList<Accessor> accessors, PropertyAccess access, SourceLocation where)
    {
        var secret = false;
        foreach (var accessor in accessors)
        {
            if (PropertyValues.IsSecret(value))
            {
                secret = true;
                value = PropertyValues.Unwrap(value);
            }
            if (Unknowns.IsUnknown(value))
                return Wrap(Unknowns.Of(), secret);
            switch (accessor)
            {
                case PropertyAccessor or KeyAccessor:
                    var key = accessor is PropertyAccessor p ? p.Name : ((KeyAccessor)accessor).Key;
                    if (value.KindCase == Value.KindOneofCase.NullValue)
                        throw new ProgramException(where, $"${{{access}}}: cannot read '{key}' of null");
                    if (value.KindCase != Value.KindOneofCase.StructValue)
                        throw new ProgramException(where, $"${{{access}}}: cannot read '{key}' of a {Describe(value)}");
                    value = value.StructValue.Fields.TryGetValue(key, out var next) ? next : Value.ForNull();
                    break;
                case IndexAccessor ix:
                    if (value.KindCase != Value.KindOneofCase.ListValue)
                        throw new ProgramException(where, $"${{{access}}}: cannot index a {Describe(value)} with [{ix.Index}]");
                    if (ix.Index >= value.ListValue.Values.Count)
                        throw new ProgramException(where, $"${{{access}}}: index {ix.Index} is out of range (the list has {value.ListValue.Values.Count} items)");
                    value = value.ListValue.Values[ix.Index];
                    break;
            }
        }
        return Wrap(value, secret);
    }

    private static Value Wrap(Value value, bool secret) => secret ? PropertyValues.Secret(value) : value;

    private static string Describe(Value v) => v.KindCase switch
    {
        Value.KindOneofCase.StringValue => "string",
        Value.KindOneofCase.NumberValue => "number",
        Value.KindOneofCase.BoolValue => "bool",
        Value.KindOneofCase.ListValue => "list",
        Value.KindOneofCase.StructValue => "object",
        _ => "null",
    };

    private Value Interpolate(InterpolateExpr expr)
    {
        var secret = false;
        var text = new System.Text.StringBuilder();
        foreach (var part in expr.Parts)
        {
            if (part.Text is not null)
            {
                text.Append(part.Text);
                continue;
            }
            var v = Access(part.Access!, expr.Location);
            if (PropertyValues.ContainsSecrets(v))
                secret = true;
            v = PropertyValues.StripSecrets(v);
            if (PropertyValues.ContainsUnknowns(v))
                return Wrap(Unknowns.Of(), secret);
            text.Append(ToText(v));
        }
        return Wrap(Value.ForString(text.ToString()), secret);
    }

    private static string ToText(Value v) => v.KindCase switch
    {
        Value.KindOneofCase.StringValue => v.StringValue,
        Value.KindOneofCase.NumberValue => PropertyValues.FormatNumber(v.NumberValue),
        Value.KindOneofCase.BoolValue => v.BoolValue ? "true" : "false",
        Value.KindOneofCase.NullValue => "",
        _ => PropertyValues.ToJson(v),
    };

    private async Task<Value> CallAsync(FunctionExpr f)
    {
        switch (f.Name)
        {
            case "fn::secret":
                return PropertyValues.Secret(await EvaluateAsync(f.Argument).ConfigureAwait(false));
            case "fn::toJSON":
            {
                var v = await EvaluateAsync(f.Argument).ConfigureAwait(false);
                var secret = PropertyValues.ContainsSecrets(v);
                v = PropertyValues.StripSecrets(v);
                return Wrap(PropertyValues.ContainsUnknowns(v) ? Unknowns.Of() : Value.ForString(PropertyValues.ToJson(v)), secret);
            }
            case "fn::join":
            {
                var args = await ListArgsAsync(f, 2).ConfigureAwait(false);
                var secret = args.Any(PropertyValues.ContainsSecrets);
                var sep = PropertyValues.StripSecrets(args[0]);
                var items = PropertyValues.StripSecrets(args[1]);
                if (Unknowns.IsUnknown(sep) || PropertyValues.ContainsUnknowns(items))
                    return Wrap(Unknowns.Of(), secret);
                if (items.KindCase != Value.KindOneofCase.ListValue)
                    throw new ProgramException(f.Location, "fn::join: the second argument must be a list");
                return Wrap(Value.ForString(string.Join(ToText(sep), items.ListValue.Values.Select(ToText))), secret);
            }
            case "fn::select":
            {
                var args = await ListArgsAsync(f, 2).ConfigureAwait(false);
                var secret = PropertyValues.IsSecret(args[1]);
                var index = PropertyValues.Unwrap(args[0]);
                var list = PropertyValues.Unwrap(args[1]);
                if (Unknowns.IsUnknown(index) || Unknowns.IsUnknown(list))
                    return Wrap(Unknowns.Of(), secret);
                if (index.KindCase != Value.KindOneofCase.NumberValue || list.KindCase != Value.KindOneofCase.ListValue)
                    throw new ProgramException(f.Location, "fn::select takes [index, list]");
                var i = (int)index.NumberValue;
                if (i < 0 || i >= list.ListValue.Values.Count)
                    throw new ProgramException(f.Location, $"fn::select: index {i} is out of range");
                return Wrap(list.ListValue.Values[i], secret);
            }
            case "fn::invoke":
                return await InvokeAsync(f).ConfigureAwait(false);
            default:
                throw new ProgramException(f.Location, $"unsupported function {f.Name} (supported: fn::secret, fn::toJSON, fn::join, fn::select, fn::invoke)");
        }
    }

    private async Task<List<Value>> ListArgsAsync(FunctionExpr f, int count)
    {
        if (f.Argument is not ListExpr l || l.Items.Count != count)
            throw new ProgramException(f.Location, $"{f.Name} takes a list of {count} arguments");
        var values = new List<Value>();
        foreach (var item in l.Items)
            values.Add(await EvaluateAsync(item).ConfigureAwait(false));
        return values;
    }

    private async Task<Value> InvokeAsync(FunctionExpr f)
    {
        if (f.Argument is not ObjectExpr o)
            throw new ProgramException(f.Location, "fn::invoke takes {function, arguments, return}");
        string? token = null, returnKey = null;
        var args = new Struct();
        foreach (var entry in o.Entries)
        {
            switch (entry.Key)
            {
                case "function":
                    token = (entry.Value as StringExpr)?.Value ?? throw new ProgramException(entry.Value.Location, "fn::invoke: `function` must be a token string");
                    break;
                case "arguments":
                    args = entry.Value is ObjectExpr a ? await EvaluateObjectAsync(a).ConfigureAwait(false) : throw new ProgramException(entry.Value.Location, "fn::invoke: `arguments` must be a mapping");
                    break;
                case "return":
                    returnKey = (entry.Value as StringExpr)?.Value;
                    break;
                default:
                    throw new ProgramException(f.Location, $"fn::invoke: unsupported field `{entry.Key}`");
            }
        }
        if (token is null)
            throw new ProgramException(f.Location, "fn::invoke needs `function`");
        if (Invoke is null)
            throw new ProgramException(f.Location, "fn::invoke is not available in this operation");
        if (PropertyValues.ContainsUnknowns(args))
            return Unknowns.Of(UnknownKind.Object);
        var result = await Invoke(TypeTokens.Expand(token), args).ConfigureAwait(false);
        if (returnKey is null)
            return Value.ForStruct(result);
        return result.Fields.TryGetValue(returnKey, out var v) ? v : Value.ForNull();
    }
}
