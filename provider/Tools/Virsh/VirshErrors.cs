using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>The libvirt object a virsh command is about, for error messages and not-found mapping.</summary>
internal sealed record VirshObject(string Kind, string Name)
{
    public static VirshObject Domain(string name) => new("domain", name);
    public static VirshObject Network(string name) => new("network", name);
    public static VirshObject Pool(string name) => new("pool", name);
    public static VirshObject Secret(Guid uuid) => new("secret", uuid.ToString("D"));
}

/// <summary>
/// Turns a failed virsh run into the exception a resource can act on. The wording is libvirt
/// 9.0's under LC_ALL=C (the client always sets it); fixtures in the unit tests hold the real text.
/// </summary>
internal static partial class VirshErrors
{
    public const string Tool = "virsh";

    /// <summary>
    /// Throws the typed exception for a failed run, else the transport's <see cref="RemoteCommandFailedException"/>.
    /// </summary>
    [DoesNotReturn]
    public static void Throw(string host, CommandResult result, VirshObject? target, VirshObject? device = null)
    {
        if (Classify(host, result, target, device) is { } typed) throw typed;
        result.EnsureSuccess();
        throw new InvalidOperationException($"virsh exited {result.ExitCode} but was treated as a failure");
    }

    /// <summary>
    /// The typed exception for a non-zero exit, or null when none applies. "Not found" becomes
    /// <see cref="ObjectNotFoundException"/> only when it is about the object the command names
    /// (<paramref name="target"/>) or the device it acts on: a pool whose start fails because its
    /// secret is missing still exists, and saying otherwise would make a Delete believe it is gone.
    /// </summary>
    public static Exception? Classify(string host, CommandResult result, VirshObject? target,
        VirshObject? device = null)
    {
        // 127: the shell (or env) could not find virsh at all.
        if (result.ExitCode == 127) return new ToolMissingException(host, Tool, "libvirt-clients");
        var stderr = result.StderrText;
        var detail = Detail(stderr);
        if (MissingBackend().Match(stderr) is { Success: true } backend)
        {
            var type = backend.Groups[1].Value;
            return new ToolMissingException(host, $"libvirt's {type} storage backend",
                $"libvirt-daemon-driver-storage-{type}");
        }
        if (target is not null)
        {
            // virsh's own lookup of the object named on the command line.
            foreach (Match m in FailedToGet().Matches(stderr))
            {
                if (m.Groups[1].Value == target.Kind) return new ObjectNotFoundException(host, Tool, target.Kind,
                    m.Groups[2].Value, detail);
            }
            // The object vanished between virsh's lookup and the operation (e.g. undefined by hand meanwhile).
            if (NotFoundPrefix(target.Kind) is { } prefix
                && stderr.Contains("error: " + prefix, StringComparison.Ordinal))
                return new ObjectNotFoundException(host, Tool, target.Kind, target.Name, detail);
        }
        if (device is not null && DeviceNotFound().IsMatch(stderr))
            return new ObjectNotFoundException(host, Tool, device.Kind, device.Name, detail);
        return null;
    }

    /// <summary>
    /// Whether virsh's error says <paramref name="phrase"/> (e.g. "is not running"); for outcomes a caller treats as
    /// fine.
    /// </summary>
    public static bool Says(CommandResult result, string phrase) =>
        result.ExitCode != 0 && result.StderrText.Contains(phrase, StringComparison.Ordinal);

    /// <summary>
    /// The error lines without their "error: " prefix, joined: libvirt puts the cause on the last one.
    /// </summary>
    public static string Detail(string stderr)
    {
        var lines = stderr.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0)
            .Select(l => l.StartsWith("error: ", StringComparison.Ordinal) ? l["error: ".Length..] : l)
            .Where(l => l != "error:").ToList();
        return string.Join("; ", lines);
    }

    private static string? NotFoundPrefix(string kind) => kind switch
    {
        "domain" => "Domain not found:",
        "network" => "Network not found:",
        "pool" => "Storage pool not found:",
        "secret" => "Secret not found:",
        _ => null,
    };

    [GeneratedRegex(@"failed to get (domain|network|pool|secret|vol|interface|nwfilter) '([^'\n]*)'")]
    private static partial Regex FailedToGet();

    // "device not found: no target device sda", "… matching MAC address …", blockresize's
    // "disk 'sda' was not found in the domain config", domblkinfo's "invalid path vdz not assigned to domain".
    [GeneratedRegex(@"error: (device not found:|.*\bwas not found in the domain config|.*\binvalid path \S+ " +
        @"not assigned to domain)")]
    private static partial Regex DeviceNotFound();

    [GeneratedRegex(@"missing backend for pool type \d+ \((\w+)\)")]
    private static partial Regex MissingBackend();
}
