using System.Globalization;
using System.Runtime.InteropServices;

namespace Mvm.Protocol;

/// <summary>
/// The engine stops a plugin with SIGINT. A process started in the background by a non-interactive shell
/// (`pulumi up &amp;` in a CI script, nohup) inherits SIGINT and SIGQUIT as ignored, and the .NET runtime then
/// leaves them ignored: it installs no handler for a signal that was SIG_IGN at startup, so the host's
/// graceful shutdown never sees the engine's SIGINT and the plugin is killed after the grace period.
/// Go plugins reset these signals at startup; so does this one, before the runtime's signal handling is set up
/// (the host registers its SIGINT handler later, and then finds the default disposition).
/// </summary>
internal static class InheritedSignals
{
    private const int SigInt = 2;
    private const int SigQuit = 3;
    private static readonly nint SigDfl = 0;

    /// <summary>Resets SIGINT and SIGQUIT to the default disposition where they were inherited as ignored.</summary>
    public static void RestoreDefaultStopSignals()
    {
        var ignored = IgnoredSignals();
        foreach (var signal in new[] { SigInt, SigQuit })
        {
            // Only an ignored signal is touched: a handler the runtime already installed must stay as it is.
            if ((ignored & (1UL << (signal - 1))) != 0)
                _ = Signal(signal, SigDfl);
        }
    }

    /// <summary>The kernel's view of this process's ignored signals ("SigIgn:" mask, bit n-1 = signal n).</summary>
    internal static ulong IgnoredSignals()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("SigIgn:", StringComparison.Ordinal))
                return ulong.Parse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        }
        return 0;
    }

    // DllImport, not LibraryImport: the arguments are blittable and LibraryImport would need unsafe code enabled.
    [DllImport("libc", EntryPoint = "signal")]
    private static extern nint Signal(int signum, nint handler);
}
