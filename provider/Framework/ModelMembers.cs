using System.Diagnostics.CodeAnalysis;

namespace Mvm.Framework;

/// <summary>
/// What the model reads of a record, list, map or enum type by reflection: its public properties
/// (records), its parameterless constructor (decoding builds records, lists and maps) and its public
/// fields (enum members). Every Type that reaches the model carries this annotation, so the
/// trimmer and Native AOT keep exactly these members.
/// </summary>
public static class ModelMembers
{
    public const DynamicallyAccessedMemberTypes Kept = DynamicallyAccessedMemberTypes.PublicProperties
        | DynamicallyAccessedMemberTypes.PublicParameterlessConstructor | DynamicallyAccessedMemberTypes.PublicFields;
}
