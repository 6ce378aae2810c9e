using System.Text.RegularExpressions;
using Mvm.Core;
using Mvm.Framework;

namespace Mvm.Resources.Shared;

/// <summary>
/// Where an image's bytes are: an http(s) URL, a file on the machine running Pulumi, or a file on a cluster host.
/// </summary>
public enum ImageOriginKind
{
    Url,
    LocalFile,
    HostFile,
}

/// <summary>A parsed `source`: <see cref="Host"/> is set for a host file, <see cref="Url"/> for a URL.</summary>
public sealed record ImageOrigin(ImageOriginKind Kind, string Path, Uri? Url = null, string? Host = null)
{
    /// <summary>For messages: a URL without its query (which may carry a token), or the path as written.</summary>
    public override string ToString() => Kind switch
    {
        ImageOriginKind.Url => Url!.GetLeftPart(UriPartial.Path),
        ImageOriginKind.HostFile => $"{Host}:{Path}",
        _ => Path,
    };
}

/// <summary>
/// Where an image is imported from: an http(s) URL (downloaded on a cluster host), an absolute path
/// of a file on the machine running Pulumi (streamed to a cluster host over SSH), or
/// `&lt;host&gt;:&lt;absolute path&gt;` for a file already on a cluster host, named as in the cluster (scp's syntax).
/// </summary>
public static partial class ImageSource
{
    [GeneratedRegex(@"\A(?<host>[A-Za-z0-9][A-Za-z0-9._-]{0,62}):(?<path>/.*)\z")]
    private static partial Regex HostFile();

    /// <summary>Parses a source that <see cref="Check"/> accepted.</summary>
    public static ImageOrigin Parse(string source)
    {
        if (source.Contains("://", StringComparison.Ordinal))
            return new ImageOrigin(ImageOriginKind.Url, "", new Uri(source, UriKind.Absolute));
        if (HostFile().Match(source) is { Success: true } m)
            return new ImageOrigin(ImageOriginKind.HostFile, m.Groups["path"].Value, Host: m.Groups["host"].Value);
        return new ImageOrigin(ImageOriginKind.LocalFile, source);
    }

    public static void Check(CheckContext ctx, string path, string? source)
    {
        if (source is null) return;
        if (source.Length == 0 || source.Trim() != source)
        {
            ctx.Fail(path, $"{Quoted.Value(source)} must be an http(s) URL, an absolute file path, or " +
                "<host>:<absolute path>, without leading or trailing spaces");
            return;
        }
        if (source.Any(char.IsControl))
        {
            ctx.Fail(path, $"{Quoted.Value(source)} must not contain control characters");
            return;
        }
        if (source.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(source, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                ctx.Fail(path, $"{Quoted.Value(source)}: only http:// and https:// URLs are supported; for a local " +
                    "file give its absolute path");
            else if (string.IsNullOrEmpty(uri.Host))
                ctx.Fail(path, $"{Quoted.Value(source)} has no host name");
            else if (uri.AbsolutePath is "" or "/")
                ctx.Fail(path, $"{Quoted.Value(source)} names no file; give the URL of the image itself");
            return;
        }
        var file = source;
        if (HostFile().Match(source) is { Success: true } m) file = m.Groups["path"].Value;
        else if (source.Contains(':') && !source.StartsWith('/'))
        {
            ctx.Fail(path, $"{Quoted.Value(source)}: a file on a cluster host is written <host>:<absolute path>, " +
                "e.g. h1:/var/lib/images/debian.qcow2");
            return;
        }
        if (!file.StartsWith('/'))
        {
            var hint = file.StartsWith('~') ? " (~ is not expanded)" : "";
            ctx.Fail(path, $"{Quoted.Value(source)} must be an http(s) URL or an absolute file path{hint}; resolve " +
                "relative paths in the program (e.g. path.resolve)");
        }
        else if (file.EndsWith('/'))
            ctx.Fail(path, $"{Quoted.Value(source)} is a directory; give the path of the image file");
    }
}
