using System.Diagnostics;
using Mvm.Framework;

namespace Mvm.Resources.VirtualImage;

/// <summary>
/// Bytes copied, reported to the engine as status lines ("debian: uploaded 120 MiB of 2.0 GiB
/// (6 %), 45 MiB/s"), at most once a second and once more at the end, whoever does the copying.
/// </summary>
public sealed class CopyProgress(OperationContext ctx, string what)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan? _lastReport;
    private long _last = -1;

    /// <summary>The text of one report; public for tests.</summary>
    public static string Describe(string what, long done, long? total, TimeSpan elapsed)
    {
        var rate = elapsed.TotalSeconds >= 0.5 ? $", {Size((long)(done / elapsed.TotalSeconds))}/s" : "";
        return total is > 0 ? $"{what}: {Size(done)} of {Size(total.Value)} ({100.0 * done / total.Value:F0} " +
            $"%){rate}" : $"{what}: {Size(done)}{rate}";
    }

    public void Report(long done, long? total, bool final = false)
    {
        if (done == _last && !final) return;
        var now = _clock.Elapsed;
        if (!final && _lastReport is { } last && now - last < TimeSpan.FromSeconds(1)) return;
        _lastReport = now;
        _last = done;
        _ = ctx.StatusAsync(Describe(what, done, total, now));
    }

    public TimeSpan Elapsed => _clock.Elapsed;

    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F1} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F0} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):F0} KiB",
        _ => $"{bytes} B",
    };
}

/// <summary>A read-only view of a stream that counts the bytes read through it (an upload's progress).</summary>
public sealed class CountingStream(Stream inner, Action<long> onRead) : Stream
{
    private long _count;

    public long Count => _count;
    public override bool CanRead => true;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => false;
    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set
        {
            inner.Position = value;
            _count = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer,
        CancellationToken cancellationToken = default) =>
        Counted(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Counted(int n)
    {
        _count += n;
        onRead(_count);
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => Position = inner.Seek(offset, origin);
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
