using Mvm.Resources.Shared;
using YamlDotNet.RepresentationModel;

namespace Mvm.Tests.Unit.Resources;

/// <summary>
/// The cloud-init YAML check against what cloud-init parses with, PyYAML 6 (safe_load): every "valid" document
/// here loads there and every "invalid" one fails there (checked with python3 and PyYAML 6.0.3).
/// </summary>
public class YamlSyntaxTests
{
    [Theory]
    [InlineData("key: value\nlist:\n  - a\n  - b: c\n    d: e\n")]
    [InlineData("k: |\n  a\n  \t\n    \tx\n  b\n")]                  // tabs inside block text
    [InlineData("k: >2\n   x\n  y\n")]                              // explicit indentation
    [InlineData("k: |-\n  a\nnext: 1\n")]
    [InlineData("key: a\n  [b\n")]                                   // '[' continues a plain value
    [InlineData("key: it\n  'is ok\n")]                              // so does a quote
    [InlineData("- a\n  - b\n")]                                     // a plain value "a - b"
    [InlineData("k: 'a\n\tb'\n")]                                    // tabs inside quotes
    [InlineData("k: \"a\\\n  b\"\n")]                                // escaped line break
    [InlineData("k: 'it''s'\nj: \"\\u00e9 \\x41 \\t\"\n")]
    [InlineData("k: [a,\n b]\nm: {x: 1, y: [2, 3]}\n")]
    [InlineData("k: a # comment with\ttab\n")]
    [InlineData("? a\n  b\n: c\n")]
    [InlineData("a: &x\n  b\nc: *x\nd: !!str 5\n")]
    [InlineData("%YAML 1.1\n---\nk: v\n...\n")]
    [InlineData("url: http://x:80/p\nt: 12:30\n")]
    [InlineData("k: [a:b]\n")]
    [InlineData("{\"instance-id\": \"i-1\", \"local-hostname\": \"web1\"}")]
    [InlineData("")]
    [InlineData("# a\tcomment\nk: v\n")]                              // a tab in a comment line
    [InlineData("k: \"a\n\tb\"\n")]                                  // a tab continuing a double-quoted value
    [InlineData("\uFEFFk: |\n  \ta\n")]                              // a byte order mark, a tab in block text
    public void ValidDocumentsPass(string yaml) => Assert.Null(YamlSyntax.FindProblem(yaml));

    /// <summary>
    /// What PyYAML rejects and YamlDotNet takes: the reason the check is more than a YamlDotNet parse. Line and
    /// column are PyYAML's (its problem_mark, 1-based); PyYAML gives no line for a disallowed character.
    /// </summary>
    [Theory]
    [InlineData("key:\tvalue\n", 1, 5, "tab")]
    [InlineData("key: a\tb\n", 1, 7, "tab")]                         // a tab inside a plain value
    [InlineData("\tkey: v\n", 1, 1, "tab")]
    [InlineData("k: a\t\n", 1, 5, "tab")]                            // a trailing tab
    [InlineData("- \ta\n", 1, 3, "tab")]
    [InlineData("a\tb: c\n", 1, 2, "tab")]
    [InlineData("?\ta\n: b\n", 1, 2, "tab")]
    [InlineData("k: [a,\tb]\n", 1, 7, "tab")]
    [InlineData("k: {a:\tb}\n", 1, 7, "tab")]
    [InlineData("{\"a\":\t1}\n", 1, 6, "tab")]                       // JSON with a tab: valid JSON, not for PyYAML
    [InlineData("k: 'a'\t# c\n", 1, 7, "tab")]                       // between a quoted value and its comment
    [InlineData("k: &x\tv\n", 1, 6, "tab")]
    [InlineData("k: !!str\tv\n", 1, 9, "tab")]
    [InlineData("k: |\t# c\n  a\n", 1, 5, "tab")]                    // on a block scalar's header line
    [InlineData("%YAML\t1.1\n---\nk: v\n", 1, 6, "tab")]
    [InlineData("a: 1\r\nkey:\tvalue\r\n", 2, 5, "tab")]
    [InlineData("\uFEFFkey:\tvalue\n", 1, 5, "tab")]                 // columns count after a byte order mark
    [InlineData("k: a\u0007\n", 1, 5, "U+0007")]
    [InlineData("k: a\u007Fb\n", 1, 5, "U+007F")]
    [InlineData("k: a\u0080b\n", 1, 5, "U+0080")]
    [InlineData("k: a\uFFFEb\n", 1, 5, "U+FFFE")]
    public void WhatPyYamlRejectsAndYamlDotNetTakesIsFound(string yaml, int line, int column, string message)
    {
        new YamlStream().Load(new StringReader(yaml)); // YamlDotNet alone takes it
        var problem = YamlSyntax.FindProblem(yaml);
        Assert.NotNull(problem);
        Assert.Equal((line, column), (problem.Line, problem.Column));
        Assert.Contains(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TabMessagesSayWhatToDo() =>
        Assert.Equal("line 1, column 5: a tab character where YAML needs spaces (cloud-init's YAML parser rejects tabs " +
            "outside quoted values and block text); use spaces", YamlSyntax.FindProblem("key:\tvalue\n")!.ToString());

    /// <summary>
    /// Documents both parsers reject: found, at YamlDotNet's position, or at the tab's own where the tab rule
    /// sees it (YamlDotNet puts "found invalid tab as indentation" at line 1, column 1).
    /// </summary>
    [Theory]
    [InlineData("key: a\n\tb\n", 1)]
    [InlineData("k:\n  - a\n\t\n  - b\n", 2)]
    [InlineData("k: |\n  a\n\t\n", 3)]
    [InlineData("k:\n\t- a\n", 2)]
    [InlineData("a: 1\nb: \"unterminated\n", 2)]
    [InlineData("k: 'a\n---\n'", 1)]
    [InlineData("k: \"a\\qb\"\n", 1)]
    [InlineData("k: \"\\x4\"\n", 1)]
    [InlineData("k: [a, b\n", 2)]
    [InlineData("k: {a: b]\n", 1)]
    [InlineData("k: ]\n", 1)]
    [InlineData("k: |#x\n  a\n", 1)]
    [InlineData("k: | x\n a\n", 1)]
    [InlineData("k: |0\n a\n", 1)]
    [InlineData("k: @x\n", 1)]
    [InlineData("k: `x\n", 1)]
    [InlineData("k: %x\n", 1)]
    [InlineData("- a\n  b: c\n", 2)]
    [InlineData("a:\n  - x\n  y: z\n", 3)]    // a sequence and a mapping at one level
    [InlineData("- a\nb: c\n", 2)]            // sequence then mapping at the root
    public void WhatBothRejectIsFound(string yaml, int line)
    {
        Assert.ThrowsAny<YamlDotNet.Core.YamlException>(() => new YamlStream().Load(new StringReader(yaml)));
        var problem = YamlSyntax.FindProblem(yaml);
        Assert.NotNull(problem);
        Assert.Equal(line, problem.Line);
        Assert.True(problem.Column >= 1);
    }

    [Fact]
    public void CloudConfigWithAStructureErrorFailsCheckWithItsPosition()
    {
        var report = new Mvm.Framework.MappingReport();
        CloudInitCheck.CheckUserData(new Mvm.Framework.CheckContext("vm", report), "cloudInit.userData",
            "#cloud-config\npackages:\n  - curl\n  runcmd: x\n");
        var failure = Assert.Single(report.Failures);
        Assert.Equal("cloudInit.userData", failure.Property);
        Assert.Contains("line 4", failure.Reason);
    }

    [Fact]
    public void CloudConfigWithATabFailsCheckWithItsPosition()
    {
        var report = new Mvm.Framework.MappingReport();
        CloudInitCheck.CheckUserData(new Mvm.Framework.CheckContext("vm", report), "cloudInit.userData",
            "#cloud-config\nhostname:\tweb\n");
        var failure = Assert.Single(report.Failures);
        Assert.Contains("line 2, column 10: a tab character", failure.Reason);
    }
}
