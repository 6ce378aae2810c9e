using System.Text.Json.Nodes;
using Google.Protobuf.WellKnownTypes;
using Mvm.EngineHarness.Deployment;
using Mvm.EngineHarness.Values;

namespace Mvm.EngineTests;

/// <summary>Engine-side property values: secrets, unknowns, state JSON and the plaintext scan.</summary>
public sealed class ValueEncodingTests
{
    [Fact]
    public void Secret_is_the_signature_object_on_the_wire()
    {
        var secret = PropertyValues.Secret("pw");
        Assert.Equal("""{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","value":"pw"}""", PropertyValues.ToJson(secret));
        Assert.True(PropertyValues.IsSecret(secret));
        Assert.Equal("pw", PropertyValues.Unwrap(secret).StringValue);
        Assert.Same(secret, PropertyValues.Secret(secret)); // no double wrapping
    }

    [Fact]
    public void Unknown_sentinels_are_recognised_by_kind()
    {
        Assert.Equal("04da6b54-80e4-46f7-96ec-b56ff0331ba9", PropertyValues.Unknown().StringValue);
        Assert.Equal(UnknownKind.Number, Unknowns.KindOf(Value.ForString("3eeb2bf0-c639-47a8-9e75-3b44932eb421")));
        Assert.Equal(UnknownKind.Object, Unknowns.KindOf(Unknowns.Of(UnknownKind.Object)));
        Assert.False(Unknowns.IsUnknown(Value.ForString("04da6b54")));
        var nested = PropertyValues.Struct(new { disks = new object[] { new { size = Unknowns.Number } } });
        Assert.True(PropertyValues.ContainsUnknowns(nested));
        Assert.False(PropertyValues.ContainsUnknowns(PropertyValues.Struct(new { size = 1 })));
    }

    [Fact]
    public void Plain_objects_convert_with_numbers_as_doubles()
    {
        var s = PropertyValues.Struct(new Dictionary<string, object?> { ["n"] = 3, ["l"] = 5L, ["b"] = true, ["list"] = new[] { "a" }, ["none"] = null });
        Assert.Equal(3.0, s.Fields["n"].NumberValue);
        Assert.Equal(5.0, s.Fields["l"].NumberValue);
        Assert.True(s.Fields["b"].BoolValue);
        Assert.Equal("a", s.Fields["list"].ListValue.Values[0].StringValue);
        Assert.Equal(Value.KindOneofCase.NullValue, s.Fields["none"].KindCase);
        Assert.Equal(s, PropertyValues.StructFromJson(PropertyValues.ToJson(s)));
    }

    [Fact]
    public void State_json_round_trips_secrets_behind_a_marker()
    {
        var original = PropertyValues.Struct(new
        {
            user = "root",
            key = PropertyValues.Secret("KEY"),
            nested = new { token = PropertyValues.Secret(new { a = 1 }) },
            list = new object[] { PropertyValues.Secret("x"), "y" },
        });
        var json = StateJson.ToState(original);

        Assert.Equal("KEY", json["key"]!["$secret"]!.GetValue<string>());
        Assert.Equal(original, StateJson.StructFromState(JsonNode.Parse(json.ToJsonString())!.AsObject()));
    }

    [Fact]
    public void A_property_literally_named_secret_is_not_mistaken_for_the_marker()
    {
        var original = PropertyValues.Struct(new { secret = "not-hidden" });
        var back = StateJson.StructFromState(StateJson.ToState(original));
        Assert.False(PropertyValues.IsSecret(back.Fields["secret"]));
        Assert.Contains(StateJson.PlaintextStrings(StateJson.ToState(original)), p => p.Value == "not-hidden");
    }

    [Fact]
    public void Plaintext_scan_reports_every_unprotected_string_with_its_path()
    {
        var state = JsonNode.Parse("""
            {"resources":[{"inputs":{"user":"root","key":{"$secret":"KEY-123"},"url":"ssh://root:KEY-123@h"}}]}
            """);
        var plain = StateJson.PlaintextStrings(state);

        Assert.DoesNotContain(plain, p => p.Value == "KEY-123");
        Assert.Equal(["$.resources[0].inputs.url"], StateJson.FindPlaintext(state, "KEY-123"));
        Assert.Contains(plain, p => p.Path == "$.resources[0].inputs.user" && p.Value == "root");
    }

    [Fact]
    public void Strip_and_annotate_secrets_like_the_engine()
    {
        var inputs = PropertyValues.Struct(new { key = PropertyValues.Secret("K"), nested = new { pw = PropertyValues.Secret("p"), user = "u" }, list = new object[] { PropertyValues.Secret("a") }, plain = "x" });
        var stripped = PropertyValues.StripSecrets(inputs);
        Assert.False(PropertyValues.ContainsSecrets(stripped));
        Assert.Equal("K", stripped.Fields["key"].StringValue);

        var outputs = stripped.Clone();
        outputs.Fields["extra"] = Value.ForString("e");
        var annotated = SecretAnnotation.Annotate(outputs, inputs);
        Assert.True(PropertyValues.IsSecret(annotated.Fields["key"]));
        Assert.True(PropertyValues.IsSecret(annotated.Fields["nested"].StructValue.Fields["pw"]));
        Assert.False(PropertyValues.IsSecret(annotated.Fields["nested"].StructValue.Fields["user"]));
        Assert.True(PropertyValues.IsSecret(annotated.Fields["list"])); // arrays become secret as a whole
        Assert.False(PropertyValues.IsSecret(annotated.Fields["plain"]));
        Assert.False(PropertyValues.IsSecret(annotated.Fields["extra"]));
    }

    [Fact]
    public void Property_paths_copy_old_values_for_ignore_changes()
    {
        var olds = PropertyValues.Struct(new { labels = new { team = "ops", env = "prod" }, disks = new object[] { new { size = 10 } }, gone = 1 });
        var news = PropertyValues.Struct(new { labels = new { team = "dev", env = "test" }, disks = new object[] { new { size = 20 } }, added = 2 });

        PropertyPath.Parse("labels.team").CopyOrRemove(olds, news);
        PropertyPath.Parse("disks[0].size").CopyOrRemove(olds, news);
        PropertyPath.Parse("added").CopyOrRemove(olds, news); // absent in olds → removed from news

        Assert.Equal("ops", news.Fields["labels"].StructValue.Fields["team"].StringValue);
        Assert.Equal("test", news.Fields["labels"].StructValue.Fields["env"].StringValue);
        Assert.Equal(10, news.Fields["disks"].ListValue.Values[0].StructValue.Fields["size"].NumberValue);
        Assert.False(news.Fields.ContainsKey("added"));
        Assert.Equal(10, PropertyPath.Parse("disks[0].size").Get(olds)!.NumberValue);
        Assert.Equal("prod", PropertyPath.Parse("labels[\"env\"]").Get(olds)!.StringValue);
    }
}
