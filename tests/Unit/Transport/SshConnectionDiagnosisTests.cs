using System.Net.Sockets;
using Mvm.Transport;
using Renci.SshNet.Common;

namespace Mvm.Tests.Unit.Transport;

/// <summary>What a failed connect is called, and whether it is worth another attempt.</summary>
public class SshConnectionDiagnosisTests
{
    private static readonly TimeSpan Five = TimeSpan.FromSeconds(5);

    private static HostKeyVerifier Verifier() => new("10.0.0.1", 22, [], "", false);

    [Fact]
    public void ClassifiesByWhatFailedNotByItsText()
    {
        var refused = SshConnection.Classify(new SocketException((int)SocketError.ConnectionRefused), Verifier(), false, Five);
        Assert.Equal((SshFailureKind.Unreachable, true), (refused.Kind, refused.Transient));
        Assert.Equal("connection refused: is sshd running and listening on that port?", refused.Detail);

        var auth = SshConnection.Classify(new SshAuthenticationException("Permission denied (publickey)."), Verifier(), false, Five);
        Assert.Equal((SshFailureKind.AuthenticationFailed, false), (auth.Kind, auth.Transient));
        Assert.Equal("the server rejected the credentials offered (Permission denied (publickey))", auth.Detail);

        var closed = SshConnection.Classify(new SshConnectionException("aborted"), Verifier(), false, Five);
        Assert.Equal((SshFailureKind.Closed, true), (closed.Kind, closed.Transient));
        // Behind a jump host the same exception means the hop could not connect onward.
        var onward = SshConnection.Classify(new SshConnectionException("aborted"), Verifier(), true, Five);
        Assert.Equal(SshFailureKind.Unreachable, onward.Kind);
        Assert.Contains("could not open a connection onward", onward.Detail);
        Assert.Equal("no SSH answer within 5s",
            SshConnection.Classify(new SshOperationTimeoutException("x"), Verifier(), false, Five).Detail);
    }

    [Fact]
    public void ARefusedHostKeyWinsOverTheExceptionItCaused()
    {
        var verifier = new HostKeyVerifier("10.0.0.1", 22, [TestKeys.RsaPublic], "", false);
        var key = new Renci.SshNet.PrivateKeyFile(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(TestKeys.Ed25519Private)));
        verifier.Check(null, new HostKeyEventArgs((Renci.SshNet.Security.KeyHostAlgorithm)key.HostKeyAlgorithms.First()));
        var f = SshConnection.Classify(new SshConnectionException("Host key could not be verified."), verifier, false, Five);
        Assert.Equal((SshFailureKind.HostKeyChanged, false), (f.Kind, f.Transient));
    }
}
