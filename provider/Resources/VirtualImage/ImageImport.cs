using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Tools;

namespace Mvm.Resources.VirtualImage;

/// <summary>
/// One import, in named steps on one cluster host: bring the source onto the host (download with
/// curl, upload over SSH, or use the host's own file), verify its digest before anything reads it
/// as an image, detect the format, write it into RBD (a qcow2 converted to raw by qemu-img
/// straight into the RBD image, raw and ISO with `rbd import`), then the protected snapshot and
/// the metadata, whose sha256 key marks the import complete. The scratch directory is removed
/// whatever happens; an RBD image that was started and then failed is removed again.
/// </summary>
public sealed class ImageImport(OperationContext ctx, RemoteHost host, Rbd rbd, RbdImageRef target,
    VirtualImageArgs args, ImageOrigin origin, string owner)
{
    /// <summary>Scratch space for downloads and uploads: on disk, not /tmp, which is often a small tmpfs.</summary>
    public const string ScratchParent = "/var/tmp";
    private static readonly TimeSpan Cleanup = TimeSpan.FromMinutes(2);

    private readonly HostFiles _files = new(host);
    private readonly DateTime _deadline = DateTime.UtcNow + (ctx.Timeout ?? TimeSpan.FromMinutes(60));

    /// <summary>What the import measured, for the engine log and the figures.</summary>
    public sealed record Figures(long SourceBytes, long VirtualBytes, TimeSpan Fetch, TimeSpan Verify, TimeSpan Store);

    private TimeSpan Left => _deadline - DateTime.UtcNow is var left
        && left > TimeSpan.FromSeconds(5) ? left : TimeSpan.FromSeconds(5);

    public async Task<Figures> RunAsync()
    {
        string? scratch = null;
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            string path;
            long sourceBytes;
            if (origin.Kind == ImageOriginKind.HostFile) (path, sourceBytes) = (origin.Path, -1);
            else
            {
                // Named after the owner, so an import killed before its cleanup has its copy removed by the next one.
                scratch = await ctx.StepAsync("make a scratch directory", host.Name,
                    ct => _files.MakeScratchDirectoryAsync(ScratchParent, "mvm-image", Ownership.Token(owner), ct));
                path = scratch + "/source";
                sourceBytes = origin.Kind == ImageOriginKind.Url ? await DownloadAsync(path) : await UploadAsync(path);
            }
            var fetch = clock.Elapsed;

            var sha256 = await VerifyAsync(path);
            var verify = clock.Elapsed - fetch;

            var info = await ctx.StepAsync($"inspect {origin}", host.Name,
                ct => new QemuImg(host).InfoAsync(path, TimeSpan.FromMinutes(2), ct), readOnly: true);
            var magic = info.Format == "raw"
                ? await ctx.StepAsync($"look for an ISO 9660 signature in {origin}", host.Name,
                    ct => _files.ReadBytesAsync(path, ImageFormats.IsoSignatureOffset, ImageFormats.IsoSignature.Length,
                    ct), readOnly: true)
                : [];
            var detected = ImageFormats.Detect(info, magic, origin.ToString());
            ImageFormats.CheckDeclared(args.Format, detected, origin.ToString());
            await ctx.InfoAsync($"{origin}: {ImageMetadata.Word(detected)}, virtual size " +
                $"{CopyProgress.Size(info.VirtualSize)}, sha256 {sha256}");

            var storeStart = clock.Elapsed;
            await StoreAsync(path, detected, info.VirtualSize, sha256);
            return new Figures(sourceBytes < 0 ? info.ActualSize ?? 0 : sourceBytes, info.VirtualSize, fetch, verify,
                clock.Elapsed - storeStart);
        }
        finally
        {
            if (scratch is not null) await RemoveScratchAsync(scratch);
        }
    }

    private async Task<long> DownloadAsync(string path)
    {
        var progress = new CopyProgress(ctx, $"{target.Image}: downloaded on {host.Name}");
        long done = 0;
        await ctx.StepAsync($"download {origin}", host.Name,
            ct => new Curl(host).DownloadAsync(origin.Url!, path, Left, ct, p =>
        {
            done = p.ReceivedBytes;
            progress.Report(p.ReceivedBytes, p.TotalBytes);
        }));
        progress.Report(done, null, final: true);
        return done;
    }

    private async Task<long> UploadAsync(string path)
    {
        FileStream file;
        try
        {
            file = new FileStream(origin.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20,
                FileOptions.Asynchronous | FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PreconditionFailedException($"source {origin.Path} cannot be read on the machine running " +
                $"Pulumi: {e.Message}. Nothing was changed.");
        }
        var total = file.Length;
        var progress = new CopyProgress(ctx, $"{target.Image}: uploaded to {host.Name}");
        await using var counted = new CountingStream(file, n => progress.Report(n, total));
        var written = await ctx.StepAsync($"upload {origin.Path} ({CopyProgress.Size(total)})", host.Name,
            ct => _files.UploadAsync(path, counted, Left, ct));
        progress.Report(written, total, final: true);
        if (written != total)
            throw new ProviderException($"uploading {origin.Path} to {host.Name} wrote {written} of {total} bytes " +
                $"(did the file change while it was read?); run again.");
        return written;
    }

    /// <summary>Always the sha256 (recorded on the image); the declared digest is compared before the file is read as
    /// an image.</summary>
    private async Task<string> VerifyAsync(string path)
    {
        var declared = args.Checksum?.ToLowerInvariant();
        var algorithm = declared?.Split(':')[0];
        var sha256 = await ctx.StepAsync($"sha256 of {origin}", host.Name,
            ct => _files.DigestAsync(path, "sha256", Left, ct), readOnly: true);
        if (declared is null) return sha256;
        var actual = algorithm == "sha256" ? sha256 : await ctx.StepAsync($"{algorithm} of {origin}", host.Name,
            ct => _files.DigestAsync(path, algorithm!, Left, ct), readOnly: true);
        if ($"{algorithm}:{actual}" != declared)
            throw new PreconditionFailedException($"checksum mismatch for {origin}: expected {declared}, got " +
                $"{algorithm}:{actual}. " +
                "The file is not the one the program names (a changed or truncated download, or a wrong checksum); " +
                "nothing was imported and the fetched copy was removed.");
        return sha256;
    }

    private async Task StoreAsync(string path, ImageFormat format, long virtualSize, string sha256)
    {
        var progress = new CopyProgress(ctx, $"{target.Image}: written into RBD {target}");
        try
        {
            if (format == ImageFormat.Qcow2)
            {
                // Straight into the RBD image through QEMU's rbd driver (the host's Ceph identity):
                // no raw copy on the host's disk, and only allocated clusters are written.
                await ctx.StepAsync($"convert {origin} (qcow2) to raw RBD image {target}", host.Name, ct =>
                    new QemuImg(host).ConvertAsync(path, $"rbd:{target.Pool}/{target.Image}",
                        new QemuConvertOptions("raw") { SourceFormat = "qcow2" }, Left, ct,
                        pct => progress.Report((long)(virtualSize * pct / 100), virtualSize)));
            }
            else
            {
                await ctx.StepAsync($"import {origin} ({ImageMetadata.Word(format)}) as RBD image {target}", host.Name,
                    ct =>
                    rbd.ImportAsync(path, target, null, Left, ct,
                        new Progress<int>(pct => progress.Report(virtualSize * pct / 100, virtualSize))));
            }
            progress.Report(virtualSize, virtualSize, final: true);
            await ctx.StepAsync($"snapshot {target}@{ImageMetadata.Snapshot}", host.Name,
                ct => rbd.SnapCreateAsync(target, ImageMetadata.Snapshot, ct));
            await ctx.StepAsync($"protect {target}@{ImageMetadata.Snapshot}", host.Name,
                ct => rbd.SnapProtectAsync(target, ImageMetadata.Snapshot, ct));
            await ctx.StepAsync($"record the image's settings on {target}", host.Name,
                ct => rbd.ImageMetaSetAsync(target, ImageMetadata.Describe(args, format, owner), ct));
            await ctx.StepAsync($"record sha256 on {target}", host.Name,
                ct => rbd.ImageMetaSetAsync(target, new Dictionary<string, string?> { [ImageMetadata.Sha256] = sha256 },
                ct));
        }
        catch (Exception e)
        {
            // The image is half made: take it away again, so no RBD image exists that state does not know.
            if (await TryRemoveAsync() is { } left)
                // State names the image the resource stands for; its next create removes this partial one (named after
                // the resource).
                throw new ResourceInitFailedException($"{target with { Image = args.Name! }}",
                    new VirtualImageState
                    {
                        ConnectString = args.ConnectString, Name = args.Name, Pool = target.Pool, Source = args.Source,
                        Format = args.Format, Checksum = args.Checksum,
                    },
                    [$"importing into {target} failed ({e.Message}) and removing the partial image failed too " +
                        $"({left}); the next create of this resource removes it (the partial image is named after " +
                        $"the resource), or remove it with `rbd rm`"]);
            throw;
        }
    }

    /// <summary>Removes the partial image (unprotect, snapshot, image); returns why not when that fails.</summary>
    private async Task<string?> TryRemoveAsync()
    {
        using var cts = new CancellationTokenSource(Cleanup);
        try
        {
            await RemoveImageAsync(rbd, target, cts.Token);
            await ctx.WarningAsync($"removed the partially imported RBD image {target}");
            return null;
        }
        catch (Exception e)
        {
            return e.Message;
        }
    }

    /// <summary>Unprotects and removes the snapshot if there is one, then the image; an image already gone is
    /// fine.</summary>
    public static async Task RemoveImageAsync(Rbd rbd, RbdImageRef image, CancellationToken ct)
    {
        if (await rbd.FindAsync(image, ct).ConfigureAwait(false) is null) return;
        foreach (var snap in await rbd.SnapListAsync(image, ct).ConfigureAwait(false))
        {
            if (snap.Protected) await rbd.SnapUnprotectAsync(image, snap.Name, ct).ConfigureAwait(false);
            await rbd.SnapRemoveAsync(image, snap.Name, ct).ConfigureAwait(false);
        }
        await rbd.RemoveAsync(image, ct).ConfigureAwait(false);
    }

    private async Task RemoveScratchAsync(string scratch)
    {
        using var cts = new CancellationTokenSource(Cleanup);
        try
        {
            await _files.RemoveTreeAsync(scratch, cts.Token);
        }
        catch (Exception e)
        {
            await ctx.WarningAsync($"could not remove the scratch directory {scratch} on {host.Name}: {e.Message}; " +
                $"remove it by hand");
        }
    }
}
