using System.Diagnostics.CodeAnalysis;
using Mvm.Protocol;

namespace Mvm.Framework;

/// <summary>The untyped face of a resource, as the provider handler drives it.</summary>
public interface IResource
{
    string Token { get; }
    ResourceTypeAttribute Info { get; }
    [DynamicallyAccessedMembers(ModelMembers.Kept)] Type ArgsType { get; }
    [DynamicallyAccessedMembers(ModelMembers.Kept)] Type StateType { get; }

    (ObjectProperty Inputs, IReadOnlyList<CheckFailureInfo> Failures) Check(string name, ObjectProperty olds,
        ObjectProperty news);
    DiffResult Diff(string name, string id, ObjectProperty oldInputs, ObjectProperty oldOutputs, ObjectProperty news);
    ObjectProperty PreviewCreate(ObjectProperty news);
    ObjectProperty PreviewUpdate(ObjectProperty olds, ObjectProperty news);
    /// <summary>
    /// The steps an up would take, for preview to print (olds null for a create); empty when the diff says it all.
    /// </summary>
    IReadOnlyList<string> PlanSteps(ObjectProperty? olds, ObjectProperty news);
    Task<(string Id, ObjectProperty Outputs)> CreateAsync(ObjectProperty news, OperationContext ctx);
    Task<(ObjectProperty Outputs, ObjectProperty Inputs)?> ReadAsync(string id, ObjectProperty? state,
        ObjectProperty? inputs, OperationContext ctx);
    Task<ObjectProperty> UpdateAsync(string id, ObjectProperty olds, ObjectProperty oldInputs, ObjectProperty news,
        DiffResult diff, OperationContext ctx);
    Task DeleteAsync(string id, ObjectProperty olds, OperationContext ctx);
}
