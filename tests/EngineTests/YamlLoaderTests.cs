using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Yaml;

namespace Mvm.EngineTests;

/// <summary>Pulumi YAML parsing: references, interpolation, options, config, dependency graph errors.</summary>
public sealed class YamlLoaderTests
{
    private static ProgramModel Parse(string yaml, string? stack = null) => ProgramLoader.Parse(yaml, stack, "dev", "/tmp/prog");

    [Fact]
    public void References_keep_their_type_and_mixed_strings_interpolate()
    {
        var p = Parse("""
            name: lab
            runtime: yaml
            resources:
              a:
                type: mvm:Thing
              b:
                type: mvm:Thing
                properties:
                  whole: ${a.disks[0].size}
                  mixed: "vm-${a.id}-${a.urn}"
                  quoted: ${a["odd.key"]}
                  escaped: "$${not.a.ref}"
                  number: 42
                  flag: true
                  text: "42"
                  nothing: null
            """);
        var props = p.Resource("b")!.Properties.Entries.ToDictionary(e => e.Key, e => e.Value);

        var whole = Assert.IsType<SymbolExpr>(props["whole"]);
        Assert.Equal("a", whole.Access.Root);
        Assert.Equal([new PropertyAccessor("disks"), new IndexAccessor(0), new PropertyAccessor("size")], whole.Access.Accessors);
        var mixed = Assert.IsType<InterpolateExpr>(props["mixed"]);
        Assert.Equal(["vm-", null, "-", null], mixed.Parts.Select(x => x.Text));
        Assert.Equal("a.id", mixed.Parts[1].Access!.ToString());
        Assert.Equal(new KeyAccessor("odd.key"), Assert.IsType<SymbolExpr>(props["quoted"]).Access.Accessors.Single());
        Assert.Equal("${not.a.ref}", Assert.IsType<StringExpr>(props["escaped"]).Value);
        Assert.Equal(42, Assert.IsType<NumberExpr>(props["number"]).Value);
        Assert.True(Assert.IsType<BoolExpr>(props["flag"]).Value);
        Assert.Equal("42", Assert.IsType<StringExpr>(props["text"]).Value);
        Assert.IsType<NullExpr>(props["nothing"]);
    }

    [Fact]
    public void Dependencies_come_from_references_variables_and_dependsOn_and_order_follows_them()
    {
        var p = Parse("""
            name: lab
            runtime: yaml
            variables:
              poolName: ${pool.name}
            resources:
              vm:
                type: mvm:VirtualMachine
                properties:
                  disk: ${poolName}
                options:
                  dependsOn:
                    - ${vlan}
              vlan:
                type: mvm:OvsVlan
              pool:
                type: mvm:CephPool
            """);

        Assert.Equal(["pool", "vlan"], p.Graph.ResourceDependencies["vm"].Order());
        var order = p.Graph.Order.ToList();
        Assert.True(order.IndexOf("pool") < order.IndexOf("poolName"));
        Assert.True(order.IndexOf("poolName") < order.IndexOf("vm"));
        Assert.True(order.IndexOf("vlan") < order.IndexOf("vm"));
    }

    [Fact]
    public void Cycles_are_reported_with_their_path()
    {
        var e = Assert.Throws<ProgramException>(() => Parse("""
            name: lab
            runtime: yaml
            resources:
              a:
                type: mvm:Thing
                properties:
                  x: ${b.id}
              b:
                type: mvm:Thing
                properties:
                  x: ${c.id}
              c:
                type: mvm:Thing
                properties:
                  x: ${a.id}
            """));
        Assert.Contains("dependency cycle: a -> b -> c -> a", e.Message);
    }

    [Fact]
    public void Unknown_references_are_reported_with_location_and_suggestion()
    {
        var e = Assert.Throws<ProgramException>(() => Parse("""
            name: lab
            runtime: yaml
            resources:
              pool:
                type: mvm:CephPool
              vm:
                type: mvm:VirtualMachine
                properties:
                  pool: ${pol.name}
            """));
        Assert.Contains("Pulumi.yaml:9:13", e.Message);
        Assert.Contains("unknown resource, variable or config key 'pol'", e.Message);
        Assert.Contains("did you mean 'pool'", e.Message);
    }

    [Fact]
    public void Options_are_parsed()
    {
        var p = Parse("""
            name: lab
            runtime: yaml
            resources:
              prov:
                type: pulumi:providers:mvm
                properties:
                  sshUser: root
              a:
                type: mvm:index:Thing
                options:
                  protect: true
                  ignoreChanges: [tags, "labels.team"]
                  customTimeouts:
                    create: 10m
                    update: 1h
                    delete: 90s
                  deleteBeforeReplace: true
                  provider: ${prov}
                  replaceOnChanges: [image]
                  retainOnDelete: true
                  additionalSecretOutputs: [token]
                  import: ext-1
              b:
                type: mvm:Thing
            """);
        var o = p.Resource("a")!.Options;
        Assert.True(o.Protect);
        Assert.Equal(["tags", "labels.team"], o.IgnoreChanges);
        Assert.Equal(new CustomTimeouts(600, 3600, 90), o.CustomTimeouts);
        Assert.True(o.DeleteBeforeReplace);
        Assert.Equal("prov", Assert.IsType<SymbolExpr>(o.Provider).Access.Root);
        Assert.Equal(["image"], o.ReplaceOnChanges);
        Assert.True(o.RetainOnDelete);
        Assert.Equal(["token"], o.AdditionalSecretOutputs);
        Assert.Equal("ext-1", o.Import);
        Assert.True(p.Resource("prov")!.IsProvider);
        Assert.Null(p.Resource("b")!.Options.DeleteBeforeReplace); // unset: the provider decides
    }

    [Theory]
    [InlineData("options:\n      aliases: [x]", "option `aliases` is not supported")]
    [InlineData("options:\n      provider: ${b}", "options.provider must reference an explicit provider")]
    [InlineData("options:\n      customTimeouts:\n        create: soon", "invalid duration \"soon\"")]
    [InlineData("get:\n      id: x", "unsupported field `get`")]
    public void Bad_options_are_rejected(string options, string expected)
    {
        var e = Assert.Throws<ProgramException>(() => Parse($"""
            name: lab
            runtime: yaml
            resources:
              a:
                type: mvm:Thing
                {options}
              b:
                type: mvm:Thing
            """));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Several_errors_are_reported_at_once()
    {
        var e = Assert.Throws<ProgramException>(() => Parse("""
            name: lab
            runtime: nodejs
            resources:
              a:
                properties: {}
            """));
        Assert.Equal(2, e.Errors.Count);
        Assert.Contains(e.Errors, m => m.Contains("runtime must be `yaml`", StringComparison.Ordinal));
        Assert.Contains(e.Errors, m => m.Contains("resource 'a' has no `type`", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("mvm:Thing", "mvm:index:Thing")]
    [InlineData("mvm:thing", "mvm:index:Thing")]
    [InlineData("mvm:index:THING", "mvm:index:Thing")]
    [InlineData("mvm:compute:Vm", "mvm:compute/vm:Vm")]
    [InlineData("pulumi:providers:mvm", "pulumi:providers:mvm")]
    public void Type_tokens_expand_and_match_the_schema_case_insensitively(string written, string expected)
        => Assert.Equal(expected, TypeTokens.Resolve(written, ["mvm:index:Thing", "mvm:compute/vm:Vm"]));

    [Fact]
    public void Type_tokens_without_a_schema_just_expand_and_unknown_ones_fail()
    {
        Assert.Equal("mvm:index:Thing", TypeTokens.Resolve("mvm:Thing", null));
        var e = Assert.Throws<FormatException>(() => TypeTokens.Resolve("mvm:Gizmo", ["mvm:index:Thing"]));
        Assert.Contains("mvm:index:Thing", e.Message);
    }

    [Fact]
    public void Stack_config_supports_plaintext_secret_form_and_decrypts_secure_values()
    {
        var p = Parse("name: lab\nruntime: yaml\nconfig:\n  mvm:sshPort: 22\n", """
            config:
              mvm:sshUser: root
              mvm:sshPrivateKey:
                secret: KEY
              mvm:hosts: [h1, h2]
              vmCount: 3
            """);
        var mvm = p.PackageConfig("mvm");
        Assert.Equal(new ConfigValue("root", false), mvm["sshUser"]);
        Assert.Equal(new ConfigValue("KEY", true), mvm["sshPrivateKey"]);
        Assert.Equal(new ConfigValue("[\"h1\",\"h2\"]", false, true), mvm["hosts"]);
        Assert.Equal("22", mvm["sshPort"].Text); // from Pulumi.yaml, as a string
        Assert.Equal("3", p.Stack.Values["lab:vmCount"].Text);

        // `secure:` ciphertext is decrypted with the stack's secrets; it cannot be read without them.
        const string secure = "config:\n  mvm:key:\n    secure: SEALED\n";
        var e = Assert.Throws<ProgramException>(() => Parse("name: lab\nruntime: yaml\n", secure.Replace("SEALED", "AAABAKx1")));
        Assert.Contains("needs the stack's secrets provider", e.Message);
        var dir = Directory.CreateTempSubdirectory("mvm-engine-yaml-").FullName;
        try
        {
            var secrets = Mvm.EngineHarness.Secrets.StackSecrets.For(dir, "dev", "");
            var sealedKey = secrets.Encrypt("KEY-2");
            var decrypted = ProgramLoader.Parse("name: lab\nruntime: yaml\n", secure.Replace("SEALED", sealedKey), "dev", "/tmp/prog", secrets: secrets);
            Assert.Equal(new ConfigValue("KEY-2", true), decrypted.PackageConfig("mvm")["key"]);
            var bad = Assert.Throws<ProgramException>(() => ProgramLoader.Parse("name: lab\nruntime: yaml\n", secure.Replace("SEALED", "AAABAKx1"), "dev", "/tmp/prog", secrets: secrets));
            Assert.Contains("config 'mvm:key': cannot decrypt the `secure:` value", bad.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Declared_config_is_typed_and_secret()
    {
        var where = SourceLocation.None;
        Assert.Equal(Value.ForNumber(3), ProgramLoader.Typed(new ConfigValue("3", false), "integer", where, "n"));
        Assert.Equal(Value.ForBool(true), ProgramLoader.Typed(new ConfigValue("true", false), "boolean", where, "b"));
        Assert.Throws<ProgramException>(() => ProgramLoader.Typed(new ConfigValue("three", false), "integer", where, "n"));
        Assert.True(Mvm.EngineHarness.Values.PropertyValues.IsSecret(ProgramLoader.Typed(new ConfigValue("x", true), "string", where, "s")));
    }

    [Theory]
    [InlineData("5m", 300)]
    [InlineData("1h30m", 5400)]
    [InlineData("1.5s", 1.5)]
    [InlineData("250ms", 0.25)]
    [InlineData("0", 0)]
    public void Durations_parse_like_go(string text, double seconds) => Assert.Equal(seconds, Durations.ParseSeconds(text), 6);
}
