using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Mvm.Transport;

// A command's streams: stdin copied in (EOF only after all of it), output taken as it is.
public sealed partial class SshHost
{
    /// <summary>
    /// Copies stdin into the channel, then sends EOF (also when there is none, so a command that
    /// reads stdin ends). The remote side ending early is its choice. A source that fails to read,
    /// or a channel that stops taking data while the command still runs, is returned and no EOF is
    /// sent: the command is stopped instead, so a half-sent upload never looks like a short file.
    /// </summary>
    private static Task<Exception?> FeedAsync(SshCommand command, Stream? data, Task running) =>
        data is null ? Task.FromResult(CloseInput(command)) : Task.Run(async () =>
    {
        Stream input;
        try
        {
            input = command.CreateInputStream();
        }
        catch (InvalidOperationException)
        {
            return null; // the command already ended
        }
        var buffer = new byte[256 * 1024];
        while (true)
        {
            int n;
            try
            {
                n = await data.ReadAsync(buffer).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                return e;
            }
            if (n == 0) break;
            try
            {
                input.Write(buffer, 0, n);
            }
            catch (Exception e) when (e is SshException or ObjectDisposedException or SocketException
                                          or InvalidOperationException)
            {
                return running.IsCompleted ? null : e;
            }
        }
        try
        {
            await input.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is SshException or ObjectDisposedException or SocketException)
        {
        }
        return null;
    });

    // EOF at once: sending it does not wait for the host.
    private static Exception? CloseInput(SshCommand command)
    {
        try
        {
            command.CreateInputStream().Dispose();
        }
        catch (Exception e) when (e is InvalidOperationException or SshException or ObjectDisposedException
                                      or SocketException)
        {
        }
        return null;
    }

    /// <summary>Moves what the stream holds now into <paramref name="to"/> without waiting for more.</summary>
    private static void Drain(Stream from, MemoryStream to)
    {
        var buffer = new byte[64 * 1024];
        // The pipe blocks only when empty and open; its Length says how much is there.
        while (from.Length > 0)
        {
            var n = from.Read(buffer, 0, buffer.Length);
            if (n <= 0) return;
            to.Write(buffer, 0, n);
        }
    }
}
