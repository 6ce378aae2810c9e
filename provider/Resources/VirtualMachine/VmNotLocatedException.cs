using Mvm.Core;

namespace Mvm.Resources.VirtualMachine;

/// <summary>
/// A VM is on none of the members that answered, and some members could not be asked: it may be
/// on one of those. Neither "gone" nor "here" can be said, so the operation stops, naming the
/// hosts it could not ask and why.
/// </summary>
public sealed class VmNotLocatedException(string vm, IReadOnlyList<string> answered,
    IReadOnlyList<(string Host, Exception Error)> unanswered)
    : ProviderException(
        $"VM {vm} is on none of the hosts that answered " +
        $"({(answered.Count == 0 ? "none did" : string.Join(", ", answered))}), " +
        $"and {string.Join(", ", unanswered.Select(u => u.Host))} could not be asked " +
        $"({string.Join("; ", unanswered.Select(u => $"{u.Host}: {u.Error.Message.Split('\n')[0]}"))}). " +
        $"It may still be there, so it is not reported gone: bring " +
        $"{(unanswered.Count == 1 ? "that host" : "those hosts")} back " +
        "(host up, sshd and libvirtd running) or remove it from the cluster, then run again.")
{
    public string Vm { get; } = vm;
    public IReadOnlyList<string> Unreachable { get; } = unanswered.Select(u => u.Host).ToList();
}
