using Mvm.Resources.Shared;

namespace Mvm.Tests.Unit.Resources;

/// <summary>
/// Expectations checked against PyYAML 6 (what cloud-init parses with): every "valid" document here
/// loads there and every "invalid" one fails there. Positions point at the offending character, or
/// at the opening quote or bracket that is never closed (PyYAML's "while scanning" mark).
/// </summary>
public class LightYamlTests
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
    public void ValidDocumentsPass(string yaml) => Assert.Null(LightYaml.FindProblem(yaml));

    [Theory]
    [InlineData("key: a\n\tb\n", 2, 1, "tab")]
    [InlineData("key:\tvalue\n", 1, 5, "tab")]
    [InlineData("key: a\tb\n", 1, 7, "tab")]
    [InlineData("k:\n  - a\n\t\n  - b\n", 3, 1, "tab")]
    [InlineData("k: |\n  a\n\t\n", 3, 1, "tab")]
    [InlineData("a: 1\nb: \"unterminated\n", 2, 4, "never closed")]
    [InlineData("k: 'a\n---\n'", 2, 1, "document marker")]
    [InlineData("k: \"a\\qb\"\n", 1, 6, "unknown escape '\\q'")]
    [InlineData("k: \"\\x4\"\n", 1, 5, "2 hexadecimal digits")]
    [InlineData("k: [a, b\n", 1, 4, "'[' is never closed")]
    [InlineData("k: {a: b]\n", 1, 9, "found ']' but '{'")]
    [InlineData("k: ]\n", 1, 4, "closes nothing")]
    [InlineData("k: |#x\n  a\n", 1, 5, "only a chomping indicator")]
    [InlineData("k: | x\n a\n", 1, 6, "only a comment may follow")]
    [InlineData("k: |0\n a\n", 1, 5, "1-9")]
    [InlineData("k: @x\n", 1, 4, "reserved")]
    [InlineData("k: `x\n", 1, 4, "reserved")]
    [InlineData("k: %x\n", 1, 4, "'%'")]
    [InlineData("- a\n  b: c\n", 2, 4, "cannot contain ': '")]
    [InlineData("k: a\u0007\n", 1, 5, "U+0007")]
    public void InvalidDocumentsReportLineAndColumn(string yaml, int line, int column, string message)
    {
        var problem = LightYaml.FindProblem(yaml);
        Assert.NotNull(problem);
        Assert.Equal((line, column), (problem.Line, problem.Column));
        Assert.Contains(message, problem.Message);
    }
}

public class YamlSyntaxTests
{
    [Theory]
    [InlineData("a:\n  - x\n  y: z\n")]       // a sequence and a mapping at one level
    [InlineData("- a\nb: c\n")]               // sequence then mapping at the root
    public void StructureErrorsThatTheLexicalCheckCannotSeeAreFound(string yaml)
    {
        Assert.Null(LightYaml.FindProblem(yaml));
        var problem = YamlSyntax.FindProblem(yaml);
        Assert.NotNull(problem);
        Assert.True(problem.Line >= 1 && problem.Column >= 1);
    }

    [Fact]
    public void CloudConfigWithAStructureErrorFailsCheckWithItsPosition()
    {
        var report = new Mvm.Framework.MappingReport();
        Mvm.Resources.Shared.CloudInitCheck.CheckUserData(new Mvm.Framework.CheckContext("vm", report), "cloudInit.userData",
            "#cloud-config\npackages:\n  - curl\n  runcmd: x\n");
        var failure = Assert.Single(report.Failures);
        Assert.Equal("cloudInit.userData", failure.Property);
        Assert.Contains("line 4", failure.Reason);
    }
}
