using System.Runtime.InteropServices;

namespace Mvm.EngineHarness.Plugins;

/// <summary>POSIX signals: the engine stops plugins with SIGINT (cmdutil.InterruptChildren), which .NET cannot send itself.</summary>
internal static class Signals
{
    public const int SigInt = 2;
    public const int SigTerm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SysKill(int pid, int signal);

    public static bool Send(int pid, int signal)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return false;
        return SysKill(pid, signal) == 0;
    }
}
