using System.Diagnostics;
using Xunit.Abstractions;
using Mvm.Tests.Lab.Provider;

namespace Mvm.Tests.Lab.Tools;

/// <summary>The lab's bootable guest image (tests/lab/guest/build-guest.sh), built once and cached between runs.</summary>
public static class LabGuestImage
{
    /// <summary>Runs the build script (as root, like the lab tier): cached images come back at once.</summary>
    public static (string Path, double Seconds, bool Built) Build(ITestOutputHelper output)
    {
        var script = Path.Combine(LabProgram.RepoRoot, "tests", "lab", "guest", "build-guest.sh");
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(25)))
        {
            p.Kill(true);
            throw new TimeoutException($"{script} did not finish within 25 minutes");
        }
        output.WriteLine(stderr.Result.TrimEnd());
        if (p.ExitCode != 0) throw new InvalidOperationException($"{script} failed with {p.ExitCode}: {stderr.Result}");
        var path = stdout.Result.Trim();
        Assert.True(File.Exists(path), $"{script} printed '{path}', which does not exist");
        return (path, sw.Elapsed.TotalSeconds, stderr.Result.Contains("building guest image", StringComparison.Ordinal));
    }
}
