using Mvm.Core;

namespace Mvm.Tests.Unit.Checks;

public sealed class QuotedTests
{
    [Theory]
    [InlineData("web", "\"web\"")]
    [InlineData("web\n", "\"web\\n\"")]
    [InlineData("a\tb\r\0", "\"a\\tb\\r\\0\"")]
    [InlineData("say \"hi\" \\o/", "\"say \\\"hi\\\" \\\\o/\"")]
    [InlineData("\x01\x1b\x7f", "\"\\u0001\\u001B\\u007F\"")]
    [InlineData("zero\u200bwidth\u202e", "\"zero\\u200Bwidth\\u202E\"")]
    [InlineData("é日本😀", "\"é日本😀\"")]
    [InlineData("nbsp\u00a0", "\"nbsp\\u00A0\"")]
    public void EscapesWhatCannotBeSeen(string value, string expected) => Assert.Equal(expected, Quoted.Value(value));

    [Fact]
    public void EscapesALoneSurrogate() => Assert.Equal("\"lone\\uD800\"", Quoted.Value("lone\ud800"));

    [Fact]
    public void CutsAfterSixtyCharactersSayingHowLongTheValueIs()
    {
        var value = new string('a', 59) + "😀" + new string('b', 240);
        Assert.Equal("\"" + new string('a', 59) + "😀\"… (301 characters)", Quoted.Value(value));
        Assert.Equal("\"" + new string('x', 60) + "\"", Quoted.Value(new string('x', 60)));
    }
}
