using System.Diagnostics;
using System.Text;
using Mvm.Tests.Transport;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Transport;

public class PosixQuoteTests
{
    [Theory]
    [InlineData("abc", "abc")]
    [InlineData("/usr/bin/ceph", "/usr/bin/ceph")]
    [InlineData("-rf", "-rf")]
    [InlineData("--format=json", "'--format=json'")]
    [InlineData("", "''")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("'", "''\\'''")]
    [InlineData("a b", "'a b'")]
    [InlineData("$(id)", "'$(id)'")]
    [InlineData("`id`", "'`id`'")]
    [InlineData("a;b", "'a;b'")]
    [InlineData("*", "'*'")]
    [InlineData("~", "'~'")]
    [InlineData("A=B", "'A=B'")]
    [InlineData("if", "'if'")]
    [InlineData("!", "'!'")]
    [InlineData("a\nb", "'a\nb'")]
    [InlineData("é", "'é'")]
    public void QuotesOnlyWhatNeedsIt(string input, string expected) => Assert.Equal(expected, PosixQuote.Quote(input));

    [Fact]
    public void JoinQuotesEachArgumentSeparately() =>
        Assert.Equal("ceph osd pool create 'my pool' --yes-i-really-mean-it", PosixQuote.Join(["ceph", "osd", "pool", "create", "my pool", "--yes-i-really-mean-it"]));

    [Theory]
    [InlineData("bash")]
    [InlineData("sh")]
    public void EveryHostileStringSurvivesARealShellAsOneArgument(string shell)
    {
        var corpus = HostileStrings.Corpus();
        Assert.True(corpus.Count >= 200);
        // The shell parses the quoted line, then printf prints each argument it got, NUL-terminated.
        var line = "printf '%s\\0' " + string.Join(' ', corpus.Select(PosixQuote.Quote));
        var psi = new ProcessStartInfo(shell) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(line);
        using var p = Process.Start(psi)!;
        using var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err);
        var expected = corpus.SelectMany(s => Encoding.UTF8.GetBytes(s).Append((byte)0)).ToArray();
        var received = ms.ToArray();
        if (!expected.AsSpan().SequenceEqual(received))
        {
            var parts = Encoding.UTF8.GetString(received).Split('\0');
            var bad = corpus.Select((s, i) => (s, i)).First(x => x.i >= parts.Length || parts[x.i] != x.s);
            Assert.Fail($"{shell}: argument {bad.i} ({Convert.ToHexString(Encoding.UTF8.GetBytes(bad.s))}) did not survive");
        }
    }

    [Fact]
    public void NulIsRejectedWithThePositionAndTheArgument()
    {
        var e = Assert.Throws<ArgumentException>(() => PosixQuote.Join(["rbd", "import", "a\0b"]));
        Assert.Contains("argument 2 of `rbd`", e.Message);
        Assert.Contains("NUL byte at position 1", e.Message);
        Assert.Contains("NUL", Assert.Throws<ArgumentException>(() => PosixQuote.Quote("\0")).Message);
    }

    [Fact]
    public void TextThatIsNotUnicodeIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => PosixQuote.Join(["echo", "x\uD800y"]));
        Assert.Contains("surrogate", e.Message);
    }

    [Fact]
    public void ArgvMustNameAProgram()
    {
        Assert.Throws<ArgumentException>(() => PosixQuote.Join([]));
        Assert.Throws<ArgumentException>(() => PosixQuote.Join(["", "x"]));
        Assert.Contains("starts with '-'", Assert.Throws<ArgumentException>(() => PosixQuote.Join(["-oProxyCommand=x"])).Message);
    }
}
