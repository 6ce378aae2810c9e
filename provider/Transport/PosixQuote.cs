using System.Text;

namespace Mvm.Transport;

/// <summary>
/// The one place an argv becomes a POSIX shell command line. sshd hands the remote side a single
/// string that the login shell parses, so every argument must survive that parse as exactly one
/// word with its bytes unchanged. Nothing else in the provider may build remote command text.
/// </summary>
public static class PosixQuote
{
    // Linux refuses a single exec argument longer than MAX_ARG_STRLEN (128 KiB), and the whole
    // remote command line reaches the login shell as one `-c` argument; stay well below it.
    public const int MaxCommandLineBytes = 120 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false,
        throwOnInvalidBytes: true);

    // Reserved words are only special unquoted, in command position; quoting them keeps `if`,
    // `time` or `!` from being parsed as syntax when they are a program name or an argument.
    private static readonly HashSet<string> ReservedWords = new(StringComparer.Ordinal)
    {
        "!", "{", "}", "[[", "]]", "case", "coproc", "do", "done", "elif", "else", "esac", "fi", "for",
        "function", "if", "in", "select", "then", "time", "until", "while",
    };

    /// <summary>
    /// One argument as one shell word. Words made only of characters no shell treats specially are
    /// left bare so commands stay readable in error messages; everything else is single-quoted,
    /// with each `'` written as `'\''`, since nothing inside single quotes is special.
    /// </summary>
    public static string Quote(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        Validate(argument, 0, null);
        if (IsBare(argument)) return argument;
        var sb = new StringBuilder(argument.Length + 2);
        sb.Append('\'');
        foreach (var c in argument)
        {
            if (c == '\'') sb.Append("'\\''");
            else sb.Append(c);
        }
        sb.Append('\'');
        return sb.ToString();
    }

    /// <summary>The whole argv as one command line; argv[0] is the program.</summary>
    public static string Join(IReadOnlyList<string> argv)
    {
        ValidateArgv(argv);
        return string.Join(' ', argv.Select(Quote));
    }

    /// <summary>
    /// Rejects what no remote program can receive intact: NUL (it ends a C string, so the argument
    /// would arrive cut short) and text that is not valid Unicode (it cannot be encoded as UTF-8).
    /// Throws before anything is sent.
    /// </summary>
    public static void ValidateArgv(IReadOnlyList<string> argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        if (argv.Count == 0) throw new ArgumentException("the command is empty: argv needs at least the program name",
            nameof(argv));
        if (string.IsNullOrEmpty(argv[0])) throw new ArgumentException("the program name (argv[0]) is empty",
            nameof(argv));
        // A program name starting with '-' would be read as an option by sudo and timeout.
        if (argv[0][0] == '-') throw new
            ArgumentException($"the program name (argv[0]) starts with '-': {Display(argv[0])}", nameof(argv));
        for (var i = 0; i < argv.Count; i++)
        {
            if (argv[i] is null) throw new ArgumentException($"argument {i} of `{Display(argv[0])}` is null",
                nameof(argv));
            Validate(argv[i], i, argv[0]);
        }
    }

    private static void Validate(string argument, int index, string? program)
    {
        var where = program is null ? "the argument" : $"argument {index} of `{Display(program)}`";
        var nul = argument.IndexOf('\0', StringComparison.Ordinal);
        if (nul >= 0)
            throw new
                ArgumentException($"{where} contains a NUL byte at position {nul}; a remote program cannot receive " +
                "it (arguments are C strings). Pass binary data on stdin instead.");
        try
        {
            StrictUtf8.GetByteCount(argument);
        }
        catch (EncoderFallbackException)
        {
            throw new
                ArgumentException($"{where} is not valid Unicode (an unpaired surrogate), so it cannot be sent as " +
                "UTF-8.");
        }
    }

    private static bool IsBare(string s)
    {
        if (s.Length == 0 || ReservedWords.Contains(s)) return false;
        foreach (var c in s)
        {
            // No '=' (a leading NAME=value word is an assignment), no '~' (tilde expansion),
            // no glob, brace, quote, space or operator characters.
            var safe = c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9'
                or '_' or '-' or '.' or '/' or ':' or '@' or '%' or '+' or ',';
            if (!safe) return false;
        }
        return true;
    }

    /// <summary>A short, printable form of one argument for error messages (not for execution).</summary>
    internal static string Display(string s)
    {
        var text = s.Replace("\0", "\\0", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        return text.Length <= 80 ? text : text[..77] + "...";
    }
}
