using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Grpc;
using Mvm.EngineHarness.Values;
using Mvm.Protocol.Wire;

namespace Mvm.EngineHarness.Deployment;

/// <summary>
/// Prints a run the way the Pulumi CLI does (plan, per-resource progress, diagnostics, outputs, summary),
/// to the configured writer and to a transcript kept for the result. Thread-safe: plugin logs arrive on
/// server threads.
/// </summary>
public sealed class Reporter(TextWriter? output, bool streamLogs, bool verbose)
{
    private readonly object _gate = new();
    private readonly StringBuilder _transcript = new();

    public string Transcript
    {
        get
        {
            lock (_gate)
                return _transcript.ToString();
        }
    }

    public void Line(string text = "")
    {
        lock (_gate)
        {
            _transcript.AppendLine(text);
            output?.WriteLine(text);
            output?.Flush();
        }
    }

    /// <summary>Separates sections with exactly one empty line.</summary>
    private void BlankLine()
    {
        lock (_gate)
        {
            var nl = Environment.NewLine;
            if (_transcript.Length > 0 && !_transcript.ToString().EndsWith(nl + nl, StringComparison.Ordinal))
                Line();
        }
    }

    public void Header(Operation operation, bool preview, string stack)
    {
        var verb = (operation, preview) switch
        {
            (Operation.Refresh, true) => "Previewing refresh",
            (Operation.Refresh, false) => "Refreshing",
            (Operation.Destroy, true) => "Previewing destroy",
            (Operation.Destroy, false) => "Destroying",
            (Operation.Import, true) => "Previewing import",
            (Operation.Import, false) => "Importing",
            (_, true) => "Previewing update",
            _ => "Updating",
        };
        Line($"{verb} ({stack}):");
    }

    public static string Symbol(StepOp op) => op switch
    {
        StepOp.Create => "+",
        StepOp.Update => "~",
        StepOp.CreateReplacement => "+-",
        StepOp.DeleteReplaced => "--",
        StepOp.Delete => "-",
        StepOp.Refresh => "~",
        StepOp.Import => "=",
        StepOp.Discard => "-",
        _ => " ",
    };

    public static string Verb(StepOp op, bool preview, StepStatus status)
    {
        var (plan, done) = op switch
        {
            StepOp.Create => ("create", "created"),
            StepOp.Update => ("update", "updated"),
            StepOp.CreateReplacement => ("create-replacement", "created replacement"),
            StepOp.DeleteReplaced => ("delete-replaced", "deleted original"),
            StepOp.Delete => ("delete", "deleted"),
            StepOp.Refresh => ("refresh", "refreshed"),
            StepOp.Import => ("import", "imported"),
            StepOp.Discard => ("discard", "discarded"),
            _ => ("same", "unchanged"),
        };
        return status switch
        {
            StepStatus.Failed => $"**{plan} failed**",
            StepStatus.PartialFailure => $"**{plan} partially failed**",
            _ => preview ? plan : done,
        };
    }

    /// <summary>One line per step (plus its changed properties), like the progress/plan rows of the CLI.</summary>
    public void Step(StepRecord step, bool preview)
    {
        if (step.Op == StepOp.Same && !verbose && step.Status != StepStatus.Failed)
            return;
        // Default providers are an implementation detail the CLI does not show.
        if (step.IsProvider && (step.Op == StepOp.Same || (step.Name == "default" && !verbose && step.Status != StepStatus.Failed)))
            return;
        // A refreshed resource whose inputs drifted or outputs changed is shown as updated, as the engine does.
        var op = step.RefreshChanged ? StepOp.Update : step.Op;
        var changes = step.Changes.Concat(step.OutputChanges.Where(o => step.Changes.All(c => c.Path != o.Path))).ToList();
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $" {Symbol(op),-2} {step.Type} {step.Name} {Verb(op, preview, step.Status)}");
        if (changes.Count > 0)
            sb.Append(" [diff: ").Append(string.Join(", ", changes.Select(c => c.Symbol + c.Path))).Append(']');
        if (step.ReplaceKeys.Count > 0 && step.Op is StepOp.CreateReplacement or StepOp.DeleteReplaced)
            sb.Append(" [replace: ").Append(string.Join(", ", step.ReplaceKeys)).Append(']');
        if (step.DeleteBeforeReplace && step.Op is StepOp.CreateReplacement or StepOp.DeleteReplaced)
            sb.Append(" [delete-before-replace]");
        if (!preview && step.Status != StepStatus.Planned)
            sb.Append(CultureInfo.InvariantCulture, $" ({step.Duration.TotalSeconds:0.00}s)");
        Line(sb.ToString());
        foreach (var change in changes)
            Line($"        {change.Symbol} {change.Path}: {PropertyChange.KindName(change.Kind)}");
        // Check failures are not repeated here: each is an error diagnostic, printed once under Diagnostics.
        if (step.Error is not null)
            Line($"        error: {step.Error}");
    }

    /// <summary>Without --verbose, a resource's status (ephemeral) messages are shown at most this often.</summary>
    public static readonly TimeSpan StatusEvery = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, DateTimeOffset> _statusShown = new(StringComparer.Ordinal);

    public void Log(LogEntry entry, string label)
    {
        if (!streamLogs)
            return;
        if (entry.Severity == LogSeverity.Debug && !verbose)
            return;
        // The CLI shows a running resource's latest status beside it. A line-oriented log cannot
        // redraw, so it shows one every few seconds per resource: a long step (package installs on
        // bare hosts) is visibly alive without a line for every package apt unpacks.
        if (entry.Ephemeral && !verbose)
            lock (_gate)
            {
                if (_statusShown.TryGetValue(entry.Urn, out var shown) && entry.Received - shown < StatusEvery)
                    return;
                _statusShown[entry.Urn] = entry.Received;
            }
        var kind = entry.Ephemeral ? "status" : entry.Severity.ToString().ToLowerInvariant();
        var lines = entry.Message.TrimEnd().Split('\n');
        Line($"    [{kind}] {label}: {lines[0]}");
        foreach (var more in lines.Skip(1))
            Line($"        {more}");
    }

    /// <summary>
    /// The "Diagnostics:" section, grouped by resource: engine diagnostics in full (they are printed nowhere else),
    /// and the plugin's non-ephemeral logs — in full when they were not streamed, else counted by severity: each
    /// event is printed once, as it arrived.
    /// </summary>
    public void Diagnostics(IReadOnlyList<Diagnostic> diagnostics, IReadOnlyList<LogEntry> logs, string stackUrn)
    {
        var shown = logs.Where(l => !l.Ephemeral && (verbose || l.Severity != LogSeverity.Debug)).ToList();
        var rows = diagnostics.Select(d => (Urn: d.Urn ?? stackUrn, Severity: d.Severity.ToString().ToLowerInvariant(), d.Message))
            .Concat(streamLogs ? [] : shown.Select(l => (Urn: UrnOf(l, stackUrn), Severity: l.Severity.ToString().ToLowerInvariant(), Message: l.Message.TrimEnd())))
            .ToList();
        var streamed = streamLogs ? shown.GroupBy(l => UrnOf(l, stackUrn)).ToDictionary(g => g.Key, g => g.ToList()) : [];
        if (rows.Count == 0 && streamed.Count == 0)
            return;
        BlankLine();
        Line("Diagnostics:");
        foreach (var urn in rows.Select(r => r.Urn).Concat(streamed.Keys).Distinct())
        {
            Line($"  {DescribeUrn(urn)}:");
            foreach (var row in rows.Where(r => r.Urn == urn))
            {
                var lines = row.Message.Split('\n');
                Line($"    {row.Severity}: {lines[0]}");
                foreach (var more in lines.Skip(1))
                    Line($"      {more}");
            }
            if (streamed.TryGetValue(urn, out var entries))
                Line($"    {CountBySeverity(entries)} (shown above)");
            Line();
        }
    }

    private static string UrnOf(LogEntry entry, string stackUrn) => entry.Urn.Length > 0 ? entry.Urn : stackUrn;

    /// <summary>"12 info messages, 1 warning" — errors and warnings first.</summary>
    private static string CountBySeverity(IEnumerable<LogEntry> entries)
        => string.Join(", ", entries.GroupBy(e => e.Severity).OrderByDescending(g => g.Key).Select(g =>
        {
            var name = g.Key switch { LogSeverity.Error => "error", LogSeverity.Warning => "warning", LogSeverity.Debug => "debug message", _ => "info message" };
            return $"{g.Count()} {name}{(g.Count() == 1 ? "" : "s")}";
        }));

    public void Outputs(Struct outputs)
    {
        if (outputs.Fields.Count == 0)
            return;
        BlankLine();
        Line("Outputs:");
        foreach (var (key, value) in outputs.Fields.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            Line($"    {key}: {FormatOutput(value)}");
        Line();
    }

    public static string FormatOutput(Value value)
    {
        if (PropertyValues.IsSecret(value))
            return "[secret]";
        if (Unknowns.IsUnknown(value))
            return "output<string>";
        return value.KindCase == Value.KindOneofCase.StringValue ? "\"" + value.StringValue + "\"" : PropertyValues.Display(value);
    }

    public void Summary(IReadOnlyList<StepRecord> steps, bool preview, TimeSpan duration)
    {
        // A failed step did not do what it planned: count it under "failed", not as done.
        var resourceSteps = steps.Where(s => !s.IsProvider && (preview || s.Status != StepStatus.Failed)).ToList();
        var failedSteps = preview ? 0 : steps.Count(s => !s.IsProvider && s.Status == StepStatus.Failed);
        var replaced = resourceSteps.Where(s => s.Op == StepOp.CreateReplacement).Select(s => s.Urn).ToHashSet();
        var counts = new List<(string Symbol, int Count, string Plan, string Done)>
        {
            ("+", resourceSteps.Count(s => s.Op == StepOp.Create), "to create", "created"),
            ("~", resourceSteps.Count(s => (s.Op == StepOp.Update && s.Changes.Count > 0) || s.RefreshChanged), "to update", "updated"),
            ("+-", replaced.Count, "to replace", "replaced"),
            ("-", resourceSteps.Count(s => s.Op is StepOp.Delete or StepOp.Discard), "to delete", "deleted"),
            ("=", resourceSteps.Count(s => s.Op == StepOp.Import), "to import", "imported"),
        };
        BlankLine();
        Line("Resources:");
        foreach (var (symbol, count, plan, done) in counts.Where(c => c.Count > 0))
            Line($"    {symbol,-2}{count} {(preview ? plan : done)}");
        var unchanged = resourceSteps.Count(s => s.Op == StepOp.Same || (s.Op == StepOp.Refresh && !s.RefreshChanged));
        if (unchanged > 0)
            Line($"    {unchanged} unchanged");
        if (failedSteps > 0)
            Line($"    {failedSteps} failed");
        Line();
        Line($"Duration: {duration.TotalSeconds:0.0}s");
    }

    /// <summary>"type (name)" from a URN, as the CLI labels diagnostics.</summary>
    public static string DescribeUrn(string urn)
    {
        var parts = urn.Split("::");
        return parts.Length >= 4 ? $"{parts[2]} ({parts[3]})" : urn;
    }
}
