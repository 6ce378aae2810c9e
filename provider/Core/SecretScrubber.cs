namespace Mvm.Core;

/// <summary>
/// Replaces every known secret in text before it reaches a log line or an error. Multi-line
/// secrets (private keys) are also scrubbed line by line, since tools echo fragments.
/// </summary>
public sealed class SecretScrubber
{
    public const string Mask = "[secret]";
    private const int MinimumFragment = 6;
    private readonly object _gate = new();
    private string[] _secrets = [];

    public void Add(string? secret)
    {
        if (string.IsNullOrEmpty(secret)) return;
        var parts = new List<string> { secret };
        if (secret.Contains('\n'))
            parts.AddRange(secret.Split('\n').Select(l => l.Trim())
                .Where(l => l.Length >= MinimumFragment && !l.StartsWith("-----", StringComparison.Ordinal)));
        lock (_gate)
        {
            // Longest first, so a secret that contains another is masked whole.
            _secrets = _secrets.Concat(parts).Distinct().OrderByDescending(s => s.Length).ToArray();
        }
    }

    public void AddRange(IEnumerable<string> secrets)
    {
        foreach (var s in secrets) Add(s);
    }

    public SecretScrubber Fork()
    {
        var copy = new SecretScrubber();
        lock (_gate) copy._secrets = _secrets;
        return copy;
    }

    public string Scrub(string text)
    {
        var secrets = _secrets;
        foreach (var s in secrets)
            if (s.Length > 0) text = text.Replace(s, Mask, StringComparison.Ordinal);
        return text;
    }
}
