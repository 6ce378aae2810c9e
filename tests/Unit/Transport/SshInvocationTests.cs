using System.Text;
using Mvm.Framework.Config;
using Mvm.Core;
using Mvm.Resources.Shared;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Transport;

/// <summary>
/// What the transport hands to ssh: the argv of every invocation, the generated ssh_config, and
/// the private files. No secret may appear in an argv, the config, or any file but the key file.
/// A stand-in `ssh` script records what it was given, so no network is needed.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SshInvocationTests : IDisposable
{
    private const string Password = "pa55'word with $(secret)";
    private readonly string _dir = Directory.CreateTempSubdirectory("mvm-fake-ssh-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static SshTarget Target(bool tofu = false) => SshTargetResolver.Resolve(
        new ProviderConfig { SshPrivateKey = TestKeys.Ed25519Private, SshPassword = Password, SshAgent = false, TrustOnFirstUse = tofu, KnownHosts = $"10.0.0.1 {TestKeys.RsaPublic}" }.ToSshDefaults(),
        new ClusterHost
        {
            Name = "h1", Address = "10.0.0.1", SshUser = "mvm",
            JumpHosts = [new JumpHost { Address = "10.9.0.1", User = "jump", PrivateKey = "-----BEGIN OPENSSH PRIVATE KEY-----\nhopkeyhopkeyhopkey\n-----END OPENSSH PRIVATE KEY-----" }, new JumpHost { Address = "10.9.0.2" }],
        }.ToMember().Access().SshSettings(), "h1", _ => null);

    /// <summary>A fake ssh that records argv and environment, prints <paramref name="stderr"/> and exits <paramref name="exit"/>.</summary>
    private string FakeSsh(string stderr, int exit)
    {
        var path = Path.Combine(_dir, "ssh");
        File.WriteAllText(path,
            "#!/bin/bash\n" +
            $"n=$(ls {_dir} | grep -c '^call')\n" +
            $"printf '%s\\0' \"$@\" > {_dir}/call$n.argv\n" +
            $"env -0 > {_dir}/call$n.env\n" +
            $"printf '%s' '{stderr.Replace("'", "'\\''", StringComparison.Ordinal)}' >&2\n" +
            $"exit {exit}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private IEnumerable<string[]> RecordedArgvs() =>
        Directory.GetFiles(_dir, "call*.argv").Order().Select(f => File.ReadAllText(f).TrimEnd('\0').Split('\0'));

    [Fact]
    public async Task NoSecretOnAnyArgvNorInAnyFileButTheKey()
    {
        var secrets = new SecretScrubber();
        await using var transport = new SshTransport(secrets, new SshTransportOptions { SshPath = FakeSsh("mvm@10.0.0.1: Permission denied (publickey,password).\n", 255) });
        var host = transport.Host(Target());
        var e = await Assert.ThrowsAsync<AuthenticationFailedException>(() => host.RunAsync(["echo", "hi"], null, TimeSpan.FromSeconds(10), default));
        Assert.Contains("mvm@10.0.0.1:22", e.Message);

        var argvs = RecordedArgvs().ToList();
        Assert.Single(argvs); // auth failures are not retried
        var master = argvs[0];
        Assert.Equal(["-F", Path.Combine(transport.PrivateDirectoryPath, "h0", "ssh_config"), "-o", "ControlMaster=yes", "-N", "-f", "--", "mvm-target"], master);
        foreach (var arg in argvs.SelectMany(a => a))
        {
            Assert.DoesNotContain("pa55", arg);
            Assert.DoesNotContain("OPENSSH PRIVATE KEY", arg);
            Assert.DoesNotContain("hopkey", arg);
        }

        // Only the key files hold key text, all files are 0600 in a 0700 directory, nothing holds the password.
        var hostDir = Path.Combine(transport.PrivateDirectoryPath, "h0");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(transport.PrivateDirectoryPath));
        foreach (var f in Directory.GetFiles(hostDir))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f));
            var text = File.ReadAllText(f);
            Assert.DoesNotContain("pa55", text);
            if (!Path.GetFileName(f).StartsWith("id_", StringComparison.Ordinal)) Assert.DoesNotContain("PRIVATE KEY", text);
        }
        Assert.Equal(TestKeys.Ed25519Private, File.ReadAllText(Path.Combine(hostDir, "id_target")));
        Assert.Contains("hopkeyhopkeyhopkey", File.ReadAllText(Path.Combine(hostDir, "id_hop0")));
        // The provider's key is the default for a hop without its own.
        Assert.Equal(TestKeys.Ed25519Private, File.ReadAllText(Path.Combine(hostDir, "id_hop1")));

        // The password reached ssh only through its environment, for the askpass helper.
        var env = File.ReadAllText(Directory.GetFiles(_dir, "call*.env").Single()).Split('\0');
        Assert.Contains($"{SshHost.AskPassSecretVariable}={Password}", env);
        Assert.Contains("SSH_ASKPASS_REQUIRE=force", env);
        Assert.Equal(SecretScrubber.Mask, secrets.Scrub(Password));
    }

    [Fact]
    public async Task AskPassAnswersPasswordPromptsOnly()
    {
        await using var transport = new SshTransport(options: new SshTransportOptions { SshPath = FakeSsh("", 255) });
        var host = transport.Host(Target());
        var env = host.MasterEnvironmentForTests();
        var askpass = env["SSH_ASKPASS"]!;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(askpass));
        Assert.DoesNotContain("pa55", File.ReadAllText(askpass));
        Assert.Equal((0, Password + "\n"), RunAskPass(askpass, "mvm@10.0.0.1's password: ", env));
        Assert.Equal((0, Password + "\n"), RunAskPass(askpass, "(mvm@10.0.0.1) Password: ", env));
        Assert.Equal(1, RunAskPass(askpass, "Enter passphrase for key '/x/id': ", env).Exit);
        Assert.Equal(1, RunAskPass(askpass, "Are you sure you want to continue connecting (yes/no/[fingerprint])? ", env).Exit);
    }

    private static (int Exit, string Output) RunAskPass(string askpass, string prompt, IReadOnlyDictionary<string, string?> env)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(askpass) { RedirectStandardOutput = true };
        psi.ArgumentList.Add(prompt);
        foreach (var (k, v) in env) if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        using var p = System.Diagnostics.Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output);
    }

    [Fact]
    public void ConfigGivesEachHopItsOwnBlockAndNoPasswordToHops()
    {
        var files = new SshHostFiles("/tmp/mvm-ssh-1-abc/h0");
        var config = SshConfigFile.Build(Target(), files, "/usr/bin/ssh", new SshTransportOptions());
        var blocks = config.Split("Host ", StringSplitOptions.RemoveEmptyEntries).Skip(1).ToDictionary(b => b[..b.IndexOf('\n')], b => b);
        Assert.Equal(["mvm-hop-0", "mvm-hop-1", "mvm-target"], blocks.Keys);

        var hop0 = blocks["mvm-hop-0"];
        Assert.Contains("  HostName 10.9.0.1\n  Port 22\n  User jump\n", hop0);
        Assert.Contains("  IdentityFile \"/tmp/mvm-ssh-1-abc/h0/id_hop0\"\n", hop0);
        Assert.Contains("  PasswordAuthentication no\n", hop0);
        Assert.Contains("  BatchMode yes\n", hop0);
        Assert.DoesNotContain("ProxyCommand", hop0);
        Assert.Contains("  ProxyCommand env -u MVM_SSH_ASKPASS_SECRET /usr/bin/ssh -F /tmp/mvm-ssh-1-abc/h0/ssh_config -W '[%h]:%p' mvm-hop-0 2>/tmp/mvm-ssh-1-abc/h0/hop0.log\n", blocks["mvm-hop-1"]);

        var target = blocks["mvm-target"];
        Assert.Contains("  User mvm\n", target);
        Assert.Contains("  PasswordAuthentication yes\n", target);
        Assert.Contains("  BatchMode no\n", target);
        Assert.Contains("  NumberOfPasswordPrompts 1\n", target);
        Assert.Contains("  StrictHostKeyChecking yes\n", target);
        Assert.Contains("  UserKnownHostsFile \"/tmp/mvm-ssh-1-abc/h0/known_hosts\"\n", target);
        Assert.Contains("  GlobalKnownHostsFile /dev/null\n", target);
        Assert.Contains("  IdentitiesOnly yes\n  IdentityAgent none\n", target);
        Assert.Contains("  ControlPath \"/tmp/mvm-ssh-1-abc/h0/ctl\"\n  ControlPersist 300\n", target);
        Assert.Contains("mvm-hop-1 2>/tmp/mvm-ssh-1-abc/h0/hop1.log\n", target);
        Assert.DoesNotContain("pa55", config);
        Assert.DoesNotContain("PRIVATE KEY", config);
    }

    [Fact]
    public void TrustOnFirstUseRecordsIntoItsOwnFileAndNeverAcceptsAChangedKey()
    {
        var files = new SshHostFiles("/tmp/d");
        var config = SshConfigFile.Build(Target(tofu: true), files, "/usr/bin/ssh", new SshTransportOptions());
        Assert.Contains("  StrictHostKeyChecking accept-new\n  UserKnownHostsFile \"/tmp/d/learned_hosts\" \"/tmp/d/known_hosts\"\n", config);
        Assert.DoesNotContain("StrictHostKeyChecking no", config);
    }

    [Fact]
    public void APinnedHostIsCheckedAgainstItsPinOnlyWhateverKnownHostsOrTrustOnFirstUseSay()
    {
        // Issue 12: a provider hostKeys pin used to be appended to known_hosts, where a correct
        // known_hosts line for the same host outvoted a wrong pin.
        var target = SshTargetResolver.Resolve(
            new ProviderConfig { SshPrivateKey = TestKeys.Ed25519Private, SshAgent = false, TrustOnFirstUse = true, KnownHosts = $"10.0.0.1 {TestKeys.RsaPublic}",
                HostKeys = new() { ["10.0.0.1"] = TestKeys.Ed25519Public } }.ToSshDefaults(),
            new ClusterHost { Name = "h1", Address = "10.0.0.1" }.ToMember().Access().SshSettings(), "h1", _ => null);
        var config = SshConfigFile.Build(target, new SshHostFiles("/tmp/d"), "/usr/bin/ssh", new SshTransportOptions());
        Assert.Contains("  StrictHostKeyChecking yes\n  UserKnownHostsFile \"/tmp/d/pinned_target\"\n", config);
        Assert.DoesNotContain("known_hosts", config);
        Assert.DoesNotContain("learned_hosts", config);
    }

    [Fact]
    public void CommandsGoThroughTheMasterOnlyAndProbesCannotLogIn()
    {
        var files = new SshHostFiles("/tmp/d");
        var client = SshArguments.Client(files, "exec id");
        Assert.Equal(["-F", "/tmp/d/ssh_config", "-o", "ControlMaster=no", "-o", "ProxyCommand=false", "-o", "BatchMode=yes", "--", "mvm-target", "exec id"], client);
        var probe = SshArguments.ProbeOfferedKey(files, "mvm-hop-0");
        Assert.Contains("PubkeyAuthentication=no", probe);
        Assert.Contains("PasswordAuthentication=no", probe);
        Assert.Contains("KbdInteractiveAuthentication=no", probe);
        Assert.Equal("mvm-hop-0", probe[^1]);
    }

    [Fact]
    public async Task ARefusedHostIsRetriedWithBackoffThenNamed()
    {
        var options = new SshTransportOptions { SshPath = FakeSsh("ssh: connect to host 10.0.0.1 port 22: Connection refused\n", 255), ConnectAttempts = 3, RetryDelay = TimeSpan.FromMilliseconds(10) };
        await using var transport = new SshTransport(options: options);
        var host = transport.Host(Target() with { JumpHosts = [] });
        var e = await Assert.ThrowsAsync<HostUnreachableException>(() => host.RunAsync(["true"], null, TimeSpan.FromSeconds(10), default));
        Assert.Equal(3, RecordedArgvs().Count());
        Assert.Contains("10.0.0.1:22", e.Message);
        Assert.Contains("(h1; 3 attempts", e.Message);
    }

    [Fact]
    public async Task AnUnusableArgumentFailsBeforeSshRuns()
    {
        await using var transport = new SshTransport(options: new SshTransportOptions { SshPath = FakeSsh("", 0) });
        var host = transport.Host(Target());
        await Assert.ThrowsAsync<ArgumentException>(() => host.RunAsync(["echo", "a\0b"], null, TimeSpan.FromSeconds(5), default));
        Assert.Empty(RecordedArgvs());
    }

    [Fact]
    public void RemoteFailuresCarryTheCommandExitAndScrubbedStderr()
    {
        var secrets = new SecretScrubber();
        secrets.Add("hunter22");
        var r = new CommandResult("h1", ["ceph", "auth", "get-or-create", "client.x", "key=hunter22"], 22, [], Encoding.UTF8.GetBytes("Error EINVAL: bad key hunter22\n"), secrets: secrets);
        var e = Assert.Throws<RemoteCommandFailedException>(() => r.EnsureSuccess());
        Assert.Equal("`ceph auth get-or-create client.x 'key=[secret]'` failed on h1 with exit code 22: Error EINVAL: bad key [secret]", e.Message);
        Assert.Equal(22, e.ExitCode);
        Assert.Equal("h1", e.Host);
    }
}
