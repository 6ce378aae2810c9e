using System.Runtime.InteropServices;

namespace Mvm.Tests.Release;

/// <summary>The executable formats a tarball's binary can be, told apart by their headers.</summary>
public enum ExecutableKind { ElfX64, ElfArm64, MachOX64, MachOArm64, PeX64, PeArm64 }

/// <summary>
/// One platform of the release, in the Pulumi CLI's names (<c>os-arch</c>). This list is the test's own statement of
/// what a release holds; the Makefile must build exactly these.
/// </summary>
/// <param name="SingleFile">self-contained single-file: the binary is the archive's only file.</param>
public sealed record ReleasePlatform(string Name, string Binary, ExecutableKind Kind, bool SingleFile)
{
    public static readonly IReadOnlyList<ReleasePlatform> All =
    [
        // The plugin as `make plugin` publishes it (Native AOT once that lands; until then ReadyToRun with its
        // assemblies beside it).
        new("linux-amd64", "pulumi-resource-mvm", ExecutableKind.ElfX64, SingleFile: false),
        new("linux-arm64", "pulumi-resource-mvm", ExecutableKind.ElfArm64, SingleFile: true),
        new("darwin-amd64", "pulumi-resource-mvm", ExecutableKind.MachOX64, SingleFile: true),
        new("darwin-arm64", "pulumi-resource-mvm", ExecutableKind.MachOArm64, SingleFile: true),
        new("windows-amd64", "pulumi-resource-mvm.exe", ExecutableKind.PeX64, SingleFile: true),
        new("windows-arm64", "pulumi-resource-mvm.exe", ExecutableKind.PeArm64, SingleFile: true),
    ];

    public static TheoryData<string> Names => new(All.Select(p => p.Name));

    public static ReleasePlatform Named(string name) => All.Single(p => p.Name == name);

    /// <summary>This machine in the CLI's names, e.g. linux-amd64.</summary>
    public static string Host
    {
        get
        {
            var os = OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "darwin"
                : OperatingSystem.IsWindows() ? "windows" : RuntimeInformation.OSDescription;
            var arch = RuntimeInformation.OSArchitecture switch
            {
                Architecture.X64 => "amd64",
                Architecture.Arm64 => "arm64",
                var other => other.ToString().ToLowerInvariant(),
            };
            return $"{os}-{arch}";
        }
    }

    public string TarballName(string version) => $"pulumi-resource-mvm-v{version}-{Name}.tar.gz";
}
