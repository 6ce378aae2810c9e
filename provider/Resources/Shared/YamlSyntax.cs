using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mvm.Resources.Shared;

/// <summary>A YAML syntax problem at a 1-based line and column.</summary>
public sealed record YamlProblem(int Line, int Column, string Message)
{
    public override string ToString() => $"line {Line}, column {Column}: {Message}";
}

/// <summary>
/// Parses YAML the way the guest will (cloud-init loads user-data as YAML) and reports the first
/// syntax error with its position. The content itself is never echoed: it may hold credentials.
/// </summary>
public static class YamlSyntax
{
    public static YamlProblem? FindProblem(string text)
    {
        try
        {
            new YamlStream().Load(new StringReader(text));
            return null;
        }
        catch (YamlException e)
        {
            var message = (e.InnerException as YamlException)?.Message ?? e.Message;
            // YamlDotNet prefixes messages with the mark; keep only the explanation.
            var cut = message.IndexOf("): ", StringComparison.Ordinal);
            if (message.StartsWith("(Line:", StringComparison.Ordinal) && cut > 0) message = message[(cut + 3)..];
            return new YamlProblem((int)e.Start.Line, (int)e.Start.Column, message);
        }
    }

    /// <summary>The root node of the first document, or null for an empty stream.</summary>
    public static YamlNode? Root(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
    }
}
