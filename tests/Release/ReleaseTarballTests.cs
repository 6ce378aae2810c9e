using System.Diagnostics;
using System.Formats.Tar;

namespace Mvm.Tests.Release;

/// <summary>
/// The tarballs as the Pulumi CLI downloads and unpacks them: one per platform named
/// pulumi-resource-mvm-v&lt;version&gt;-&lt;os&gt;-&lt;arch&gt;.tar.gz, the binary at the archive root and executable,
/// built for that platform; the one for this machine is run.
/// </summary>
public class ReleaseTarballTests
{
    private const UnixFileMode Executable =
        UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    [Fact]
    public void TheReleaseHoldsExactlyOneTarballPerPlatformNamedAsTheCliDownloadsIt()
    {
        var version = ReleaseFiles.DeclaredVersion;
        var expected = ReleasePlatform.All.Select(p => p.TarballName(version)).Order(StringComparer.Ordinal);
        var found = Directory.EnumerateFiles(ReleaseFiles.Directory, "*.tar.gz").Select(Path.GetFileName)
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, found);
    }

    [Theory]
    [MemberData(nameof(ReleasePlatform.Names), MemberType = typeof(ReleasePlatform))]
    public void TheBinaryIsAnExecutableFileAtTheArchiveRoot(string name)
    {
        var platform = ReleasePlatform.Named(name);
        var entries = TarballContents.Read(ReleaseFiles.Tarball(platform));

        // No leading directory, not even "./": the CLI runs <plugin dir>/<binary>.
        var nested = entries.Where(e => e.Name.Contains('/') || e.Name.Contains('\\')).Select(e => e.Name).ToList();
        Assert.True(nested.Count == 0, "entries below the archive root: " + string.Join(", ", nested));
        var notFiles = entries.Where(e => e.Type is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
            .Select(e => $"{e.Name} ({e.Type})").ToList();
        Assert.True(notFiles.Count == 0, "not regular files: " + string.Join(", ", notFiles));
        var symbols = entries.Where(e => e.Name.EndsWith(".pdb") || e.Name.EndsWith(".dbg")).Select(e => e.Name);
        Assert.Empty(symbols);

        var binary = Assert.Single(entries, e => e.Name == platform.Binary);
        Assert.True((binary.Mode & Executable) == Executable, $"{platform.Binary} has mode {binary.Mode}, not a+x");
        if (platform.SingleFile)
            Assert.True(entries.Count == 1,
                $"a self-contained single-file build holds only {platform.Binary}, not: " +
                string.Join(", ", entries.Select(e => e.Name)));
    }

    [Theory]
    [MemberData(nameof(ReleasePlatform.Names), MemberType = typeof(ReleasePlatform))]
    public void TheBinaryIsBuiltForItsPlatform(string name)
    {
        var platform = ReleasePlatform.Named(name);
        var entries = TarballContents.Read(ReleaseFiles.Tarball(platform));
        var binary = entries.SingleOrDefault(e => e.Name == platform.Binary);
        Assert.True(binary is not null, $"{platform.Name}: no {platform.Binary} at the archive root");
        Assert.Equal(platform.Kind, ExecutableHeader.Kind(binary.Head));
        if (platform.Kind is ExecutableKind.MachOArm64 or ExecutableKind.MachOX64)
            Assert.True(ExecutableHeader.HasMachOCodeSignature(binary.Head),
                $"{platform.Name}: the Mach-O binary is not code-signed, and macOS on Apple silicon will not run it");
    }

    [Fact]
    public void TheTarballForThisMachinePrintsTheDeclaredVersion()
    {
        var (exitCode, stdout) = RunHostBinary("--version");
        Assert.Equal(0, exitCode);
        Assert.Equal(ReleaseFiles.DeclaredVersion + "\n", stdout);
    }

    [Fact]
    public void TheTarballForThisMachinePrintsTheCheckedInSchema()
    {
        // The shipped binary, not just the build tree, must know every resource (a trimmed build that lost them
        // would print a schema of a few lines).
        var (exitCode, stdout) = RunHostBinary("--emit-schema");
        Assert.Equal(0, exitCode);
        Assert.True(stdout == File.ReadAllText(Path.Combine(ReleaseFiles.RepoRoot, "schema.json")),
            $"the released binary's schema ({stdout.Length} chars) differs from schema.json");
    }

    /// <summary>Unpacks this machine's tarball as the CLI would and runs its binary with one flag.</summary>
    private static (int ExitCode, string Stdout) RunHostBinary(string flag)
    {
        var host = ReleasePlatform.All.SingleOrDefault(p => p.Name == ReleasePlatform.Host);
        Assert.True(host is not null, $"the release has no tarball for this machine ({ReleasePlatform.Host})");
        var dir = TarballContents.Extract(ReleaseFiles.Tarball(host));
        try
        {
            var start = new ProcessStartInfo(Path.Combine(dir, host.Binary), [flag])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                // Not the repository: what the binary needs must come from the tarball.
                WorkingDirectory = dir,
            };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"{host.Binary} {flag} did not exit within 60 s");
            }
            Assert.True(stderr.Result.Length == 0 || process.ExitCode == 0, stderr.Result);
            return (process.ExitCode, stdout.Result);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
