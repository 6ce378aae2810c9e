using System.Diagnostics;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Transport;

/// <summary>An <see cref="IHost"/> that runs argv on this machine (no shell), to prove scripts against a real bash without a lab.</summary>
internal sealed class LocalHost : IHost
{
    public string Name => "local";

    public async Task<CommandResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(argv[0]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in argv.Skip(1)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        var o = p.StandardOutput.BaseStream.CopyToAsync(stdout, ct);
        var e = p.StandardError.BaseStream.CopyToAsync(stderr, ct);
        if (stdin is not null) await p.StandardInput.BaseStream.WriteAsync(stdin, ct);
        p.StandardInput.Close();
        await Task.WhenAll(o, e, p.WaitForExitAsync(ct));
        return new CommandResult(Name, argv, p.ExitCode, stdout.ToArray(), stderr.ToArray());
    }
}

/// <summary>An <see cref="IHost"/> that returns canned output, for parser edge cases.</summary>
internal sealed class CannedHost(int exit, string stdout, string stderr = "") : IHost
{
    public string Name => "canned";
    public IReadOnlyList<string>? LastArgv { get; private set; }
    public byte[]? LastStdin { get; private set; }

    public Task<CommandResult> RunAsync(IReadOnlyList<string> argv, byte[]? stdin, TimeSpan timeout, CancellationToken ct)
    {
        LastArgv = argv;
        LastStdin = stdin;
        return Task.FromResult(new CommandResult(Name, argv, exit, System.Text.Encoding.UTF8.GetBytes(stdout), System.Text.Encoding.UTF8.GetBytes(stderr)));
    }
}
