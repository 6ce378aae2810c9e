using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Values;

namespace Mvm.EngineHarness.Deployment;

/// <summary>
/// The engine's annotateSecrets: re-applies secretness to values a provider returned without it, by matching
/// keys against the inputs that were secret (used after CheckConfig, and for providers with acceptSecrets=false).
/// Recurses into objects; for arrays, any secret element makes the whole array secret.
/// </summary>
public static class SecretAnnotation
{
    public static Struct Annotate(Struct outputs, Struct inputs)
    {
        var result = outputs.Clone();
        foreach (var (key, input) in inputs.Fields)
        {
            if (result.Fields.TryGetValue(key, out var output))
                result.Fields[key] = Annotate(output, input);
        }
        return result;
    }

    private static Value Annotate(Value output, Value input)
    {
        if (PropertyValues.IsSecret(output))
            return output;
        if (PropertyValues.IsSecret(input))
            return PropertyValues.Secret(output);
        if (input.KindCase == Value.KindOneofCase.StructValue && output.KindCase == Value.KindOneofCase.StructValue)
            return Value.ForStruct(Annotate(output.StructValue, input.StructValue));
        if (input.KindCase == Value.KindOneofCase.ListValue && PropertyValues.ContainsSecrets(input))
            return PropertyValues.Secret(output);
        return output;
    }
}
