namespace Mvm.Transport;

/// <summary>
/// The argv of each ssh invocation. Everything about the connection lives in the private
/// ssh_config; these carry only the mode, the alias and, for a command, its command line.
/// No secret is ever among them (a unit test checks).
/// </summary>
internal static class SshArguments
{
    /// <summary>Opens the ControlMaster: authenticates, then backgrounds itself (-f) with no session (-N).</summary>
    public static IReadOnlyList<string> Master(SshHostFiles files) =>
        ["-F", files.Config, "-o", "ControlMaster=yes", "-N", "-f", "--", SshHostFiles.TargetAlias];

    /// <summary>
    /// Runs one command line through the master. The dummy ProxyCommand makes the client fail
    /// instead of silently opening a second, unmultiplexed connection when the master is gone,
    /// so "not sent" is known for sure and the command can be retried safely.
    /// </summary>
    public static IReadOnlyList<string> Client(SshHostFiles files, string commandLine) =>
        ["-F", files.Config, "-o", "ControlMaster=no", "-o", "ProxyCommand=false", "-o", "BatchMode=yes", "--",
            SshHostFiles.TargetAlias, commandLine];

    /// <summary>`-O check` (prints the master's PID) or `-O exit`.</summary>
    public static IReadOnlyList<string> Control(SshHostFiles files, string operation) =>
        ["-F", files.Config, "-O", operation, "--", SshHostFiles.TargetAlias];

    /// <summary>
    /// Connects to <paramref name="alias"/> only far enough to record the key it offers in a
    /// scratch file (every authentication method off, so nothing can log in).
    /// </summary>
    public static IReadOnlyList<string> ProbeOfferedKey(SshHostFiles files, string alias) =>
        ["-F", files.Config, "-o", "ControlMaster=no", "-o", "ControlPath=none", "-o",
            "StrictHostKeyChecking=accept-new",
         "-o", "UserKnownHostsFile=" + files.Offered, "-o", "BatchMode=yes", "-o", "PubkeyAuthentication=no",
         "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no", "-N", "--", alias];
}
