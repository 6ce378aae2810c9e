using System.Diagnostics;

namespace Mvm.Tests.Unit.Transport;

/// <summary>
/// Throwaway key pairs made by ssh-keygen in a private temporary directory (removed on
/// dispose), so key parsing is checked against the tool that writes the keys users have.
/// </summary>
internal sealed class GeneratedKeys : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mvm-keys-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Generates a key; <paramref name="format"/> is ssh-keygen's -m (RFC4716 = OpenSSH, PEM, PKCS8).</summary>
    public (string Private, string Public, string Path) Make(string type, string format, string passphrase = "",
        int bits = 0)
    {
        var path = System.IO.Path.Combine(_dir, $"{type}-{format}-{bits}-{passphrase.Length}");
        var args = new List<string> { "-q", "-t", type, "-m", format, "-N", passphrase, "-C", "test", "-f", path };
        if (bits > 0) args.AddRange(["-b", bits.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Run("ssh-keygen", args);
        return (File.ReadAllText(path), File.ReadAllText(path + ".pub").Trim(), path);
    }

    public static string Run(string program, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} failed: {stderr}");
        return stdout.Result;
    }
}
