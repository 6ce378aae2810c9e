using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mvm.Core;
using Mvm.Transport;

namespace Mvm.Tools;

/// <summary>
/// qemu-img on a host: info and check as JSON, create, convert (with progress), resize. An image
/// that does not exist raises <see cref="ObjectNotFoundException"/>. Create and convert refuse to
/// replace an existing local file unless asked, because qemu-img silently overwrites it.
/// </summary>
public sealed partial class QemuImg(IHost host)
{
    /// <summary>How often a running convert is asked for progress (the first polls come sooner).</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// One image, or with <paramref name="backingChain"/> the image and every image below it
    /// (<see cref="QemuImageInfo.Backing"/>). <paramref name="forceShare"/> (`-U`) reads an image a
    /// running VM holds locked.
    /// </summary>
    public async Task<QemuImageInfo> InfoAsync(string path, TimeSpan timeout, CancellationToken ct,
        string? format = null, bool backingChain = false, bool forceShare = false)
    {
        var result = await RunAsync(InfoArgv(path, format, backingChain, forceShare), path, null, timeout, ct)
            .ConfigureAwait(false);
        return ParseInfo(result.StdoutText);
    }

    /// <summary>
    /// Creates an image of <paramref name="sizeBytes"/> (may be null with a backing file: the
    /// overlay takes the backing image's size).
    /// </summary>
    public async Task CreateAsync(string path, string format, long? sizeBytes, TimeSpan timeout, CancellationToken ct,
        string? backingFile = null, string? backingFormat = null, IReadOnlyDictionary<string, string>? options = null)
    {
        var argv = CreateArgv(path, format, sizeBytes, backingFile, backingFormat, options);
        await GuardedAsync(path, argv, backingFile, timeout, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Converts (copies) an image. With <paramref name="progress"/> the copy runs detached on the
    /// host and the callback receives the percentage qemu-img reports (`-p`) while it runs.
    /// </summary>
    public async Task ConvertAsync(string source, string destination, QemuConvertOptions options, TimeSpan timeout,
        CancellationToken ct,
        Action<double>? progress = null)
    {
        var argv = ConvertArgv(source, destination, options, withProgress: progress is not null);
        if (progress is null)
        {
            await GuardedAsync(options.Overwrite ? null : destination, argv, null, timeout, ct, notFoundName: source)
                .ConfigureAwait(false);
            return;
        }
        var deadline = DateTime.UtcNow + timeout;
        if (!options.Overwrite && IsLocal(destination))
            await RefuseExistingAsync(destination, timeout, ct).ConfigureAwait(false);
        double? last = null;
        var left = deadline - DateTime.UtcNow;
        var result = await RemoteJob.RunAsync(host, argv, RemoteJob.Stream.Stdout, tail =>
        {
            if (ParseProgress(tail) is { } p && p != last)
            {
                last = p;
                progress(p);
            }
        }, left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1), ct, ProgressInterval).ConfigureAwait(false);
        Check(result, source, null);
        if (last != 100) progress(100);
    }

    /// <summary>
    /// Sets the virtual size. Shrinking loses data past the new end, so it needs <paramref name="allowShrink"/>.
    /// </summary>
    public async Task ResizeAsync(string path, long sizeBytes, TimeSpan timeout, CancellationToken ct,
        string? format = null, bool allowShrink = false) =>
        await RunAsync(ResizeArgv(path, sizeBytes, format, allowShrink), path, null, timeout, ct).ConfigureAwait(false);

    /// <summary>
    /// Checks an image's consistency. Corruptions and leaks are a result (exit 2/3), not an exception.
    /// </summary>
    public async Task<QemuImageCheck> CheckAsync(string path, TimeSpan timeout, CancellationToken ct,
        string? format = null)
    {
        var result = await host.RunAsync(CheckArgv(path, format), null, timeout, ct).ConfigureAwait(false);
        return FromCheck(result, path, format);
    }

    // ---- argv ----

    internal static string[] InfoArgv(string path, string? format, bool backingChain, bool forceShare)
    {
        var argv = new List<string> { "qemu-img", "info", "--output=json" };
        if (format is not null) argv.AddRange(["-f", ValidFormat(format)]);
        if (forceShare) argv.Add("-U");
        if (backingChain) argv.Add("--backing-chain");
        // `--` ends the options: the path is always read as a file name.
        return [.. argv, "--", ValidPath(path)];
    }

    internal static string[] CreateArgv(string path, string format, long? sizeBytes, string? backingFile,
        string? backingFormat,
        IReadOnlyDictionary<string, string>? options)
    {
        var argv = new List<string> { "qemu-img", "create", "-q", "-f", ValidFormat(format) };
        if (backingFile is not null)
        {
            // Without -F qemu probes the backing file's format, which lets a raw image that looks
            // like qcow2 point at any file on the host; name it.
            argv.AddRange(["-b", ValidPath(backingFile), "-F",
                ValidFormat(backingFormat
                ?? throw new ArgumentException("a backing file needs its format", nameof(backingFormat)))]);
        }
        else if (sizeBytes is null) throw new ArgumentException("an image without a backing file needs a size",
            nameof(sizeBytes));
        if (options is { Count: > 0 }) argv.AddRange(["-o", Options(options)]);
        argv.AddRange(["--", ValidPath(path)]);
        if (sizeBytes is { } size) argv.Add(Bytes(size));
        return argv.ToArray();
    }

    internal static string[] ConvertArgv(string source, string destination, QemuConvertOptions options,
        bool withProgress)
    {
        ArgumentNullException.ThrowIfNull(options);
        var argv = new List<string> { "qemu-img", "convert" };
        if (withProgress) argv.Add("-p");
        if (options.SourceFormat is { } sf) argv.AddRange(["-f", ValidFormat(sf)]);
        argv.AddRange(["-O", ValidFormat(options.OutputFormat)]);
        if (options.Compress) argv.Add("-c");
        if (options.SkipTargetCreation) argv.Add("-n");
        if (options.OutOfOrderWrites) argv.Add("-W");
        if (options.TargetOptions is { Count: > 0 } o) argv.AddRange(["-o", Options(o)]);
        return [.. argv, "--", ValidPath(source), ValidPath(destination)];
    }

    internal static string[] ResizeArgv(string path, long sizeBytes, string? format, bool allowShrink)
    {
        var argv = new List<string> { "qemu-img", "resize", "-q" };
        if (format is not null) argv.AddRange(["-f", ValidFormat(format)]);
        if (allowShrink) argv.Add("--shrink");
        return [.. argv, "--", ValidPath(path), Bytes(sizeBytes)];
    }

    internal static string[] CheckArgv(string path, string? format)
    {
        var argv = new List<string> { "qemu-img", "check", "--output=json" };
        if (format is not null) argv.AddRange(["-f", ValidFormat(format)]);
        return [.. argv, "--", ValidPath(path)];
    }

    // A bare number is bytes to qemu-img; a suffix-free invariant integer avoids any unit doubt.
    private static string Bytes(long size) =>
        size > 0 ? size.ToString(CultureInfo.InvariantCulture)
            : throw new ArgumentOutOfRangeException(nameof(size), size, "an image size must be positive");

    /// <summary>`-o` syntax: key=value pairs joined by ',', where a ',' inside a value is written ',,'.</summary>
    internal static string Options(IReadOnlyDictionary<string, string> options) =>
        string.Join(',',
            options.Select(kv => $"{ValidOptionKey(kv.Key)}={kv.Value.Replace(",", ",,", StringComparison.Ordinal)}"));

    [GeneratedRegex(@"\A[a-z0-9][a-z0-9_.\-]*\z")]
    private static partial Regex Word();

    private static string ValidFormat(string format) =>
        format is not null
            && Word().IsWholeMatch(format) ? format
            : throw new ArgumentException($"\"{format}\" is not an image format name", nameof(format));

    private static string ValidOptionKey(string key) =>
        key is not null
            && Word().IsWholeMatch(key) ? key
            : throw new ArgumentException($"\"{key}\" is not a qemu-img option name", nameof(key));

    // Protocols the provider uses: RBD for images in Ceph, http(s) for an import's source.
    private static readonly string[] Protocols = ["rbd:", "http://", "https://"];

    private static bool IsLocal(string path) => path.StartsWith('/');

    /// <summary>
    /// An absolute path or a known protocol. qemu reads "name:rest" in a relative path as a
    /// protocol prefix, so relative paths are refused rather than guessed at.
    /// </summary>
    internal static string ValidPath(string path)
    {
        if (path is null
            || !(IsLocal(path)
            || Protocols.Any(p => path.StartsWith(p, StringComparison.Ordinal) && path.Length > p.Length)))
            throw new
                ArgumentException($"\"{path}\" is not an absolute path or " +
                $"an {string.Join("/", Protocols.Select(p => p.TrimEnd(':', '/')))} URL", nameof(path));
        return path;
    }

    // ---- parsing ----

    /// <summary>`info --output=json`: one object, or with --backing-chain an array from the top image down.</summary>
    public static QemuImageInfo ParseInfo(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Object) return QemuImageInfo.From(root, null);
        var items = root.EnumerateArray().ToList();
        if (items.Count == 0) throw new FormatException("qemu-img info printed an empty backing chain");
        QemuImageInfo? below = null;
        for (var i = items.Count - 1; i >= 0; i--) below = QemuImageInfo.From(items[i], below);
        return below!;
    }

    /// <summary>The last percentage in `-p` output (`    (42.17/100%)\r`), or null when there is none yet.</summary>
    public static double? ParseProgress(string text) =>
        Progress().Matches(text) is { Count: > 0 } m ? double.Parse(m[^1].Groups[1].Value, CultureInfo.InvariantCulture)
            : null;

    [GeneratedRegex(@"\((\d+(?:\.\d+)?)/100%\)")]
    private static partial Regex Progress();

    internal static QemuImageCheck FromCheck(CommandResult result, string path, string? format)
    {
        // check's exit codes: 0 clean, 2 corruptions, 3 leaks (JSON on stdout for all three),
        // 63 format cannot be checked, 1 the check itself failed.
        if (result.ExitCode is 0 or 2 or 3 && result.StdoutText.TrimStart().StartsWith('{'))
        {
            using var doc = JsonDocument.Parse(result.StdoutText);
            return QemuImageCheck.From(doc.RootElement);
        }
        if (result.ExitCode == 63) return QemuImageCheck.Unsupported(path, format);
        Check(result, path, null);
        throw new FormatException($"`{result.CommandLine}` on {result.Host} printed no JSON");
    }

    // "Could not open '/x': Could not open '/x': No such file or directory" (info, check, resize,
    // convert source, create's backing file); "Could not create '/d/x': No such file or directory"
    // (a target in a missing directory).
    [GeneratedRegex(@"Could not (?<verb>open|create) '(?<name>[^']*)':[^\n]*No such file or directory")]
    private static partial Regex NotFound();

    /// <summary>Maps a failed qemu-img to the provider's typed errors; returns the result when it succeeded.</summary>
    internal static CommandResult Check(CommandResult result, string path, string? backingFile)
    {
        if (result.ExitCode == 0) return result;
        if (result.ExitCode == 127) throw new ToolMissingException(result.Host, "qemu-img", "qemu-utils");
        if (NotFound().Match(result.StderrText) is { Success: true } m)
        {
            var name = m.Groups["name"].Value;
            var (kind, what) = m.Groups["verb"].Value == "create"
                ? ("directory", Path.GetDirectoryName(name) ?? name)
                : (name == backingFile
                    || result.StderrText.Contains("Could not open backing image", StringComparison.Ordinal)
                    ? "backing image" : "image", name);
            throw new ObjectNotFoundException(result.Host, "qemu-img", kind, what, m.Value);
        }
        return result.EnsureSuccess();
    }

    private async Task<CommandResult> RunAsync(string[] argv, string path, string? backingFile, TimeSpan timeout,
        CancellationToken ct) =>
        Check(await host.RunAsync(argv, null, timeout, ct).ConfigureAwait(false), path, backingFile);

    /// <summary>
    /// Runs argv after checking, in the same round trip, that <paramref name="target"/> does not
    /// exist yet (null or a non-local target: no check).
    /// </summary>
    private async Task GuardedAsync(string? target, string[] argv, string? backingFile, TimeSpan timeout,
        CancellationToken ct, string? notFoundName = null)
    {
        if (target is null || !IsLocal(target))
        {
            await RunAsync(argv, notFoundName ?? target ?? "", backingFile, timeout, ct).ConfigureAwait(false);
            return;
        }
        var r = await new RemoteScript().Add(["test", "!", "-e", target]).Add(argv).RunAsync(host, timeout, ct)
            .ConfigureAwait(false);
        if (r[0] is { ExitCode: not 0 }) throw Exists(target);
        Check(r[1] ?? throw new FormatException($"`{PosixQuote.Join(argv)}` did not run on {host.Name}"),
            notFoundName ?? target, backingFile);
    }

    private async Task RefuseExistingAsync(string target, TimeSpan timeout, CancellationToken ct)
    {
        var r = await host.RunAsync(["test", "!", "-e", target], null, timeout, ct).ConfigureAwait(false);
        if (r.ExitCode != 0) throw Exists(target);
    }

    private PreconditionFailedException Exists(string target) =>
        new($"{target} already exists on {host.Name}; qemu-img would overwrite it. Remove it first, choose another " +
            $"path, or ask for Overwrite.") { Host = host.Name };
}
