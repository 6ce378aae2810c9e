using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Deployment;
using Mvm.EngineHarness.Values;
using Mvm.EngineHarness.Yaml;

namespace Mvm.EngineTests;

/// <summary>Expression evaluation: secrets and unknowns propagate the way the engine and SDKs propagate them.</summary>
public sealed class EvaluatorTests
{
    private static (Evaluator Eval, ProgramModel Program) Make(string properties, bool missingIsUnknown = false)
    {
        var program = ProgramLoader.Parse($$"""
            name: lab
            runtime: yaml
            config:
              pw:
                type: string
                secret: true
                default: hunter2
              count:
                type: integer
                default: 2
            resources:
              a:
                type: mvm:Thing
              b:
                type: mvm:Thing
                properties:
            {{properties}}
            """, null, "dev", "/tmp/p");
        var eval = new Evaluator(program);
        eval.ResolveConfig();
        eval.Resources["a"] = new EvaluatedResource
        {
            Name = "a",
            Urn = "urn:pulumi:dev::lab::mvm:index:Thing::a",
            Id = missingIsUnknown ? Unknowns.Of() : Value.ForString("id-1"),
            Outputs = PropertyValues.Struct(new { disks = new object[] { new { size = 10 } }, token = PropertyValues.Secret(new { v = "t" }) }),
            MissingIsUnknown = missingIsUnknown,
        };
        return (eval, program);
    }

    private static async Task<Struct> PropsAsync(string properties, bool missingIsUnknown = false)
    {
        var (eval, program) = Make(properties, missingIsUnknown);
        return await eval.EvaluateObjectAsync(program.Resource("b")!.Properties);
    }

    [Fact]
    public async Task Access_through_a_secret_is_secret_and_interpolating_a_secret_is_secret()
    {
        var p = await PropsAsync("""
                  size: ${a.disks[0].size}
                  tv: ${a.token.v}
                  url: "db://u:${pw}@h/${count}"
            """);
        Assert.Equal(10, p.Fields["size"].NumberValue);
        Assert.True(PropertyValues.IsSecret(p.Fields["tv"]));
        Assert.Equal("t", PropertyValues.Unwrap(p.Fields["tv"]).StringValue);
        Assert.True(PropertyValues.IsSecret(p.Fields["url"]));
        Assert.Equal("db://u:hunter2@h/2", PropertyValues.Unwrap(p.Fields["url"]).StringValue);
    }

    [Fact]
    public async Task Unknowns_propagate_in_preview()
    {
        var p = await PropsAsync("""
                  id: ${a.id}
                  missing: ${a.notYetKnown}
                  deep: ${a.notYetKnown.x[3]}
                  text: "vm-${a.id}"
                  joined:
                    fn::join: ["-", ["x", "${a.id}"]]
            """, missingIsUnknown: true);
        Assert.All(p.Fields.Values, v => Assert.True(Unknowns.IsUnknown(v), v.ToString()));
    }

    [Fact]
    public async Task Missing_outputs_of_known_resources_are_null_and_bad_indexes_fail()
    {
        var p = await PropsAsync("""
                  missing: ${a.notThere}
            """);
        Assert.False(p.Fields.ContainsKey("missing")); // null inputs are omitted

        var (eval, program) = Make("""
                  bad: ${a.disks[5]}
            """);
        var e = await Assert.ThrowsAsync<ProgramException>(() => eval.EvaluateObjectAsync(program.Resource("b")!.Properties));
        Assert.Contains("index 5 is out of range", e.Message);
    }

    [Fact]
    public async Task Functions_and_builtins()
    {
        var p = await PropsAsync("""
                  json:
                    fn::toJSON:
                      n: ${count}
                      s: x
                  pick:
                    fn::select: [1, [a, b, c]]
                  stack: ${pulumi.stack}
                  hidden:
                    fn::secret: plain
                  ref: ${a}
            """);
        Assert.Equal("""{"n":2,"s":"x"}""", p.Fields["json"].StringValue);
        Assert.Equal("b", p.Fields["pick"].StringValue);
        Assert.Equal("dev", p.Fields["stack"].StringValue);
        Assert.True(PropertyValues.IsSecret(p.Fields["hidden"]));
        Assert.Equal("id-1", p.Fields["ref"].StringValue); // a resource reference flattens to its id
    }
}
