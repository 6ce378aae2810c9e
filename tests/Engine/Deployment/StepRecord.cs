using Google.Protobuf.WellKnownTypes;
using Mvm.Protocol.Wire;

namespace Mvm.EngineHarness.Deployment;

/// <summary>Step kinds, named after the engine's (pkg/resource/deploy/step.go).</summary>
public enum StepOp
{
    Same,
    Create,
    Update,
    /// <summary>Creates the new copy of a replaced resource.</summary>
    CreateReplacement,
    /// <summary>Deletes the old copy of a replaced resource (at the end for create-before-delete, first for delete-before-create).</summary>
    DeleteReplaced,
    Delete,
    Refresh,
    Import,
    /// <summary>Removed from state without a provider call (retainOnDelete, or Read said it is gone).</summary>
    Discard,
}

public enum StepStatus
{
    /// <summary>Preview: what would happen.</summary>
    Planned,
    Succeeded,
    /// <summary>ErrorResourceInitFailed: the object exists (saved with initErrors) but is not healthy.</summary>
    PartialFailure,
    Failed,
}

/// <summary>One changed property from a diff, as shown in a plan.</summary>
public sealed record PropertyChange(string Path, PropertyDiff.Types.Kind Kind, bool InputDiff)
{
    public bool IsReplace => Kind is PropertyDiff.Types.Kind.AddReplace or PropertyDiff.Types.Kind.DeleteReplace or PropertyDiff.Types.Kind.UpdateReplace;

    public string Symbol => Kind switch
    {
        PropertyDiff.Types.Kind.Add or PropertyDiff.Types.Kind.AddReplace => "+",
        PropertyDiff.Types.Kind.Delete or PropertyDiff.Types.Kind.DeleteReplace => "-",
        _ => "~",
    };

    public override string ToString() => $"{Symbol}{Path} ({KindName(Kind)})";

    public static string KindName(PropertyDiff.Types.Kind kind) => kind switch
    {
        PropertyDiff.Types.Kind.Add => "add",
        PropertyDiff.Types.Kind.AddReplace => "add-replace",
        PropertyDiff.Types.Kind.Delete => "delete",
        PropertyDiff.Types.Kind.DeleteReplace => "delete-replace",
        PropertyDiff.Types.Kind.Update => "update",
        PropertyDiff.Types.Kind.UpdateReplace => "update-replace",
        _ => kind.ToString(),
    };
}

/// <summary>What happened (or, in preview, would happen) to one resource.</summary>
public sealed class StepRecord
{
    public required StepOp Op { get; init; }

    public required string Urn { get; init; }

    public required string Name { get; init; }

    public required string Type { get; init; }

    public StepStatus Status { get; set; } = StepStatus.Planned;

    public bool IsProvider => Type.StartsWith("pulumi:providers:", StringComparison.Ordinal);

    /// <summary>True for both halves of a replacement and for dependents replaced with it.</summary>
    public bool IsReplacement { get; init; }

    public string? Id { get; set; }

    public Struct? OldInputs { get; init; }

    public Struct? OldOutputs { get; init; }

    /// <summary>Checked inputs sent to Create/Update.</summary>
    public Struct? Inputs { get; set; }

    public Struct? Outputs { get; set; }

    /// <summary>The provider's Diff (or DiffConfig) response; for refresh, the raw (not inverted) response.</summary>
    public DiffResponse? Diff { get; init; }

    /// <summary>Changed properties; for refresh, already inverted (old state → refreshed).</summary>
    public IReadOnlyList<PropertyChange> Changes { get; init; } = [];

    /// <summary>Refresh: output paths whose values changed (state before → refreshed), with or without input drift.</summary>
    public IReadOnlyList<PropertyChange> OutputChanges { get; init; } = [];

    /// <summary>Refresh: the resource's inputs drifted or its outputs changed; shown and counted as an update.</summary>
    public bool RefreshChanged => Op == StepOp.Refresh && (Changes.Count > 0 || OutputChanges.Count > 0);

    public IReadOnlyList<string> ReplaceKeys { get; init; } = [];

    public bool DeleteBeforeReplace { get; init; }

    public IReadOnlyList<CheckFailure> CheckFailures { get; set; } = [];

    public IReadOnlyList<string> InitErrors { get; set; } = [];

    public string? Error { get; set; }

    /// <summary>The failure was INTERNAL/UNKNOWN/DATA_LOSS: the engine would mark the resource's status unknown.</summary>
    public bool MaybeCorrupt { get; set; }

    public IReadOnlyList<string> Warnings { get; set; } = [];

    public TimeSpan Duration { get; set; }

    public override string ToString() => $"{Op} {Name} ({Type}) {Status}";
}
