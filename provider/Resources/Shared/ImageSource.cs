using Mvm.Framework;

namespace Mvm.Resources.Shared;

/// <summary>Where an image is imported from: an http(s) URL, or an absolute path of a file on the machine running Pulumi.</summary>
public static class ImageSource
{
    public static void Check(CheckContext ctx, string path, string? source)
    {
        if (source is null) return;
        if (source.Length == 0 || source.Trim() != source)
        {
            ctx.Fail(path, "must be an http(s) URL or an absolute file path, without leading or trailing spaces");
            return;
        }
        if (source.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(source, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                ctx.Fail(path, $"\"{source}\": only http:// and https:// URLs are supported; for a local file give its absolute path");
            else if (string.IsNullOrEmpty(uri.Host))
                ctx.Fail(path, $"\"{source}\" has no host name");
            else if (uri.AbsolutePath is "" or "/")
                ctx.Fail(path, $"\"{source}\" names no file; give the URL of the image itself");
            return;
        }
        if (!source.StartsWith('/'))
        {
            var hint = source.StartsWith('~') ? " (~ is not expanded)" : "";
            ctx.Fail(path, $"\"{source}\" must be an http(s) URL or an absolute file path{hint}; resolve relative paths in the program (e.g. path.resolve)");
        }
        else if (source.EndsWith('/'))
            ctx.Fail(path, $"\"{source}\" is a directory; give the path of the image file");
        else if (source.Any(char.IsControl))
            ctx.Fail(path, "the file path must not contain control characters");
    }
}
