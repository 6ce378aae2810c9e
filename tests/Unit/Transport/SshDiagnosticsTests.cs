using Mvm.Transport;

namespace Mvm.Tests.Unit.Transport;

/// <summary>stderr captured from OpenSSH 9.2p1 (Debian 12) against the lab.</summary>
public class SshDiagnosticsTests
{
    private const string Changed =
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n" +
        "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n" +
        "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n" +
        "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n" +
        "Someone could be eavesdropping on you right now (man-in-the-middle attack)!\n" +
        "It is also possible that a host key has just been changed.\n" +
        "The fingerprint for the ED25519 key sent by the remote host is\n" +
        "SHA256:ljLkpDOyJxZFi/6AXt1NcRZO8OViByVqWoY4wb4jY7o.\n" +
        "Please contact your system administrator.\n" +
        "Add correct host key in /tmp/x/wrong to get rid of this message.\n" +
        "Offending RSA key in /tmp/x/wrong:3\n" +
        "Host key for 10.20.0.11 has changed and you have requested strict checking.\n" +
        "Host key verification failed.\n";

    [Fact]
    public void ReadsTheOfferedFingerprintOfAChangedKey()
    {
        var f = SshDiagnostics.Classify(Changed)!;
        Assert.Equal(SshFailureKind.HostKeyChanged, f.Kind);
        Assert.Equal(new HostKeyFingerprint("ssh-ed25519", "SHA256:ljLkpDOyJxZFi/6AXt1NcRZO8OViByVqWoY4wb4jY7o"), f.Offered);
        Assert.False(f.Transient);
    }

    [Theory]
    [InlineData("No ED25519 host key is known for 10.20.0.11 and you have requested strict checking.\nHost key verification failed.\n", "HostKeyUnknown", false)]
    [InlineData("Host key verification failed.\n", "HostKeyFailed", false)]
    [InlineData("mvm@10.20.0.11: Permission denied (publickey,password).\n", "AuthenticationFailed", false)]
    [InlineData("Received disconnect from 10.20.0.11 port 22:2: Too many authentication failures\n", "AuthenticationFailed", false)]
    [InlineData("ssh: connect to host 10.20.0.11 port 2222: Connection refused\n", "Unreachable", true)]
    [InlineData("ssh: connect to host 10.20.0.99 port 22: Connection timed out\n", "Unreachable", true)]
    [InlineData("ssh: Could not resolve hostname nohost: Name or service not known\n", "Unreachable", true)]
    [InlineData("Connection timed out during banner exchange\nConnection to UNKNOWN port 65535 timed out\n", "Unreachable", true)]
    [InlineData("kex_exchange_identification: Connection closed by remote host\nConnection closed by UNKNOWN port 65535\n", "Closed", true)]
    [InlineData("channel 0: open failed: connect failed: Connection refused\nstdio forwarding failed\n", "OnwardUnreachable", true)]
    [InlineData("command-line line 0: Bad configuration option: obscurekeystroketiming\n", "Other", false)]
    public void ClassifiesConnectFailures(string stderr, string kind, bool transient)
    {
        var f = SshDiagnostics.Classify(stderr)!;
        Assert.Equal(kind, f.Kind.ToString());
        Assert.Equal(transient, f.Transient);
    }

    [Fact]
    public void ExplainsWhatToCheck()
    {
        Assert.Equal("connection refused: is sshd running and listening on that port?",
            SshDiagnostics.Classify("ssh: connect to host 10.20.0.11 port 2222: Connection refused\n")!.Detail);
        Assert.Equal("the jump host could not connect onward: connection refused: is sshd running and listening on that port?",
            SshDiagnostics.Classify("channel 0: open failed: connect failed: Connection refused\nstdio forwarding failed\n")!.Detail);
        Assert.Null(SshDiagnostics.Classify("  \n"));
    }

    [Fact]
    public void RecognisesACommandThatNeverLeft()
    {
        Assert.True(SshDiagnostics.MasterUnavailable("kex_exchange_identification: Connection closed by remote host\r\nConnection closed by UNKNOWN port 65535\r\n"));
        Assert.True(SshDiagnostics.MasterUnavailable("Control socket connect(/tmp/x/ctl): Connection refused\n"));
        Assert.False(SshDiagnostics.MasterUnavailable("some tool failed\n"));
        Assert.True(SshDiagnostics.SessionRefused("mux_client_request_session: session request failed: Session open refused by peer\n"));
    }

    [Theory]
    [InlineData("sudo: a password is required\n", true)]
    [InlineData("sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\n", true)]
    [InlineData("nosudo is not in the sudoers file.\n", false)]
    [InlineData("sudo: nosudo is not in the sudoers file.  This incident will be reported.\n", true)]
    [InlineData("E: Could not open lock file /var/lib/dpkg/lock-frontend\n", false)]
    public void RecognisesSudoRefusals(string stderr, bool refused) => Assert.Equal(refused, SshDiagnostics.SudoRefused(stderr));
}
