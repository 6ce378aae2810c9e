using Mvm.Core;

namespace Mvm.Transport;

// Turning a failed connection attempt into one typed error that names who failed (the host, or
// which jump host on the way to it) and, for host keys, both fingerprints.
public sealed partial class SshHost
{
    /// <summary>A failure and where it happened: -1 = the target, i = jump host i.</summary>
    private sealed record Failure(int Hop, SshFailure What);

    private async Task<Failure> DiagnoseAsync(string stderr, CancellationToken ct)
    {
        // With jump hosts, each hop's ssh wrote its stderr to its own log; the first hop that
        // failed for a reason of its own (not just because the hop before it closed) is the culprit.
        for (var i = 0; i < Target.JumpHosts.Count; i++)
        {
            // Unrecognised text in a hop's log (a warning) says nothing about who failed.
            if (SshDiagnostics.Classify(ReadOrEmpty(_files.HopLog(i))) is not { } f
                || f.Kind == SshFailureKind.Other) continue;
            if (f.Kind == SshFailureKind.OnwardUnreachable)
                return new Failure(i + 1 < Target.JumpHosts.Count ? i + 1 : -1,
                    f with { Kind = SshFailureKind.Unreachable });
            return await WithOfferedKeyAsync(new Failure(i, f), ct).ConfigureAwait(false);
        }
        var main = SshDiagnostics.Classify(stderr)
            ?? new SshFailure(SshFailureKind.Other, "ssh exited with status 255 and printed nothing");
        if (main.Kind == SshFailureKind.OnwardUnreachable) main = main with { Kind = SshFailureKind.Unreachable };
        return await WithOfferedKeyAsync(new Failure(-1, main), ct).ConfigureAwait(false);
    }

    private async Task<Failure> WithOfferedKeyAsync(Failure failure, CancellationToken ct)
    {
        var kind = failure.What.Kind;
        if
            (kind is not
            (SshFailureKind.HostKeyChanged or SshFailureKind.HostKeyUnknown or SshFailureKind.HostKeyFailed)) return
            failure;
        if (kind == SshFailureKind.HostKeyFailed)
            kind = ExpectedKeys(failure.Hop).Count > 0 ? SshFailureKind.HostKeyChanged : SshFailureKind.HostKeyUnknown;
        var offered = failure.What.Offered ?? await ProbeOfferedKeyAsync(failure.Hop, ct).ConfigureAwait(false);
        return failure with { What = failure.What with { Kind = kind, Offered = offered } };
    }

    private Exception ToException(Failure failure, int attempts, TimeSpan elapsed)
    {
        var (address, port, user) = failure.Hop < 0
            ? (Target.Address, Target.Port, Target.User)
            : (Target.JumpHosts[failure.Hop].Address, Target.JumpHosts[failure.Hop].Port,
                Target.JumpHosts[failure.Hop].User);
        var who = failure.Hop < 0
            ? Name + (Target.JumpHosts.Count > 0
                ? $" (via jump host{(Target.JumpHosts.Count > 1 ? "s" : "")} " +
                    $"{string.Join(", ", Target.JumpHosts.Select(h => h.Address))})"
                : "")
            : $"jump host {failure.Hop + 1} of {Target.JumpHosts.Count} ({address}) on the way to {Name}";
        var endpoint = $"{user}@{address}:{port}";
        var detail = Scrub(failure.What.Detail);
        return failure.What.Kind switch
        {
            SshFailureKind.AuthenticationFailed =>
                new AuthenticationFailedException(who, user, endpoint, detail) { Host = Name },
            SshFailureKind.HostKeyChanged =>
                new HostKeyMismatchException(who, $"{address}:{port}", ExpectedKeys(failure.Hop),
                failure.What.Offered) { Host = Name },
            SshFailureKind.HostKeyUnknown =>
                new HostKeyUnknownException(who, $"{address}:{port}", failure.What.Offered) { Host = Name },
            SshFailureKind.Unreachable or SshFailureKind.Closed or SshFailureKind.OnwardUnreachable =>
                new HostUnreachableException(address, port,
                    $"{detail} ({who}; {attempts} attempt{(attempts == 1 ? "" : "s")} " +
                    $"over {Durations.Format(elapsed)})"),
            _ => new HostUnreachableException(address, port, $"ssh failed: {detail} ({who})"),
        };
    }

    /// <summary>The keys the configuration accepts for the target (-1) or a hop, for mismatch messages.</summary>
    private IReadOnlyList<HostKeyFingerprint> ExpectedKeys(int hop)
    {
        var (address, port, pinnedOnly) = hop < 0
            ? (Target.Address, Target.Port, Target.PinnedOnly)
            : (Target.JumpHosts[hop].Address, Target.JumpHosts[hop].Port, Target.JumpHosts[hop].PinnedOnly);
        var entries = KnownHosts.Parse(ReadOrEmpty(pinnedOnly ? _files.Pinned(hop) : _files.KnownHosts));
        var result = new List<HostKeyFingerprint>();
        foreach (var e in KnownHosts.For(entries, address, port))
        {
            try
            {
                var fp = e.Fingerprint;
                if (!result.Contains(fp)) result.Add(fp);
            }
            catch (FormatException)
            {
            }
        }
        return result;
    }

    private async Task<HostKeyFingerprint?> ProbeOfferedKeyAsync(int hop, CancellationToken ct)
    {
        var (address, port) = hop < 0 ? (Target.Address, Target.Port)
            : (Target.JumpHosts[hop].Address, Target.JumpHosts[hop].Port);
        try
        {
            File.Delete(_files.Offered);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(Target.ConnectTimeout * (Target.JumpHosts.Count + 1) + TimeSpan.FromSeconds(5));
            var alias = hop < 0 ? SshHostFiles.TargetAlias : SshHostFiles.HopAlias(hop);
            await ChildProcess.RunAsync(_transport.SshPath, SshArguments.ProbeOfferedKey(_files, alias),
                ClientEnvironment, null, cts.Token).ConfigureAwait(false);
            var entry = KnownHosts.For(KnownHosts.Parse(ReadOrEmpty(_files.Offered)), address, port).FirstOrDefault();
            return entry?.Fingerprint;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
        finally
        {
            try { File.Delete(_files.Offered); } catch (IOException) { }
        }
    }
}
