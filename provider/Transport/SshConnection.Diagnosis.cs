using System.Net.Sockets;
using Mvm.Core;
using Renci.SshNet.Common;

namespace Mvm.Transport;

// What a failed connect means, in words that say what to check. SSH.NET's exceptions carry the
// cause; only their type and the verifier's verdict are read, never their text for a decision.
internal sealed partial class SshConnection
{
    internal static SshFailure Classify(Exception x, HostKeyVerifier verifier, bool forwarded, TimeSpan timeout)
    {
        if (verifier.Refusal is { } refusal)
            return new SshFailure(refusal,
                refusal == SshFailureKind.HostKeyChanged ? "the host key has changed" : "no host key is known");
        return x switch
        {
            SshAuthenticationException a => new SshFailure(SshFailureKind.AuthenticationFailed,
                $"the server rejected the credentials offered ({a.Message.TrimEnd('.')})"),
            SocketException s => new SshFailure(SshFailureKind.Unreachable, Explain(s.SocketErrorCode, s.Message)),
            // Behind a jump host the local end of the forwarded port always accepts; a hop that
            // cannot connect onward closes it, and the target's banner never comes.
            SshOperationTimeoutException or OperationCanceledException => new SshFailure(SshFailureKind.Unreachable,
                forwarded
                    ? $"the jump host could not open a connection onward within {Durations.Format(timeout)}"
                    : $"no SSH answer within {Durations.Format(timeout)}"),
            SshConnectionException when forwarded => new SshFailure(SshFailureKind.Unreachable,
                "the jump host could not open a connection onward (refused, or nothing listens there)"),
            SshConnectionException => new SshFailure(SshFailureKind.Closed,
                "the connection was closed before the SSH handshake completed (sshd starting or overloaded, " +
                "MaxStartups, or a firewall)"),
            _ => new SshFailure(SshFailureKind.Other, x.Message),
        };
    }

    private static string Explain(SocketError error, string message) => error switch
    {
        SocketError.ConnectionRefused => "connection refused: is sshd running and listening on that port?",
        SocketError.TimedOut => "the connection timed out: is the host up, and is the port open in its firewall?",
        SocketError.HostUnreachable => "no route to the host: is it up and on this network?",
        SocketError.NetworkUnreachable => "the network is unreachable from here",
        SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => "the name does not resolve",
        SocketError.ConnectionReset => "the connection was reset before the SSH handshake completed",
        _ => message,
    };
}
