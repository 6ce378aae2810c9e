using Mvm.Core;
using Mvm.Framework;

namespace Mvm.Resources.OvsVlan;

/// <summary>Per-host work run on all hosts at once, with every host's failure kept (not just the first one Task.WhenAll
/// rethrows).</summary>
internal static class HostFanOut
{
    public sealed record Outcome<T>(string Host, T? Value, Exception? Error)
    {
        public bool Failed => Error is not null;
    }

    public static async Task<IReadOnlyList<Outcome<T>>> SettleAsync<TItem, T>(IReadOnlyList<TItem> items,
        Func<TItem, string> host, Func<TItem, Task<T>> work)
    {
        var tasks = items.Select(i => work(i)).ToList();
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception) when (tasks.All(t => t.IsCompleted))
        {
            // Each task's own exception is read below.
        }
        // Cancellation (engine Cancel or the timeout) ends the whole operation, not one host.
        if (tasks.FirstOrDefault(t => t.IsCanceled) is { } cancelled) await cancelled.ConfigureAwait(false);
        return items.Select((item, i) => new Outcome<T>(host(item),
            tasks[i].IsCompletedSuccessfully ? tasks[i].Result : default,
            tasks[i].IsFaulted ? tasks[i].Exception!.InnerException : null)).ToList();
    }

    /// <summary>The values, or one exception naming every host that failed.</summary>
    public static async Task<IReadOnlyList<T>> AllAsync<TItem, T>(IReadOnlyList<TItem> items, Func<TItem, string> host,
        Func<TItem, Task<T>> work)
    {
        var outcomes = await SettleAsync(items, host, work).ConfigureAwait(false);
        ThrowIfAnyFailed(outcomes);
        return outcomes.Select(o => o.Value!).ToList();
    }

    public static void ThrowIfAnyFailed<T>(IReadOnlyList<Outcome<T>> outcomes)
    {
        var failed = outcomes.Where(o => o.Failed).ToList();
        if (failed.Count == 1) throw failed[0].Error!;
        if (failed.Count > 1) throw new ProviderException(Describe(failed), failed[0].Error);
    }

    public static string Describe<T>(IEnumerable<Outcome<T>> failed) =>
        string.Join("; ", failed.Select(o => o.Error is StepFailedException s ? $"{s.StepName} on " +
            $"{s.HostName ?? o.Host}: {s.Message}" : $"{o.Host}: {o.Error!.Message}"));
}
