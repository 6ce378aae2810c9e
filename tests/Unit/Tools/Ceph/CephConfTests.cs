using Mvm.Tools;

namespace Mvm.Tests.Unit.Tools.CephClients;

/// <summary>
/// The ceph.conf model over the file the provider wrote on a lab host (h6 of a cluster on h6-h8, captured from
/// /etc/ceph/ceph.conf: Fixtures/Ceph/ceph-16.2.15-conf-written-h6.conf).
/// </summary>
public class CephConfTests
{
    private static string Captured() =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Ceph", "ceph-16.2.15-conf-written-h6.conf"));

    [Fact]
    public void AFileReadAndWrittenBackUnchangedIsTheSameBytes()
    {
        var text = Captured();
        Assert.Equal(text, CephConf.Parse(text).ToText());
        Assert.Equal("x = 1", CephConf.Parse("x = 1").ToText());
    }

    [Fact]
    public void ReadsOptionsOfASection()
    {
        var conf = CephConf.Parse(Captured());
        Assert.Equal("10.20.1.16,10.20.1.17,10.20.1.18", conf.Get("global", "mon_host"));
        Assert.Equal("10.20.1.16,10.20.1.17,10.20.1.18", conf.Get("global", "mon host"));
        Assert.Equal("c5df2de5-ab28-47ed-b1cf-490a51c90a30", conf.Get("global", "fsid"));
        Assert.Null(conf.Get("global", "mon_data"));
        Assert.Null(conf.Get("mon", "mon_host"));
    }

    [Fact]
    public void SettingMonHostChangesOnlyItsLine()
    {
        var text = Captured();
        var conf = CephConf.Parse(text);
        Assert.True(conf.Set("global", "mon_host", "10.20.1.17,10.20.1.18,10.20.1.14"));
        Assert.Equal(text.Replace("mon_host = 10.20.1.16,10.20.1.17,10.20.1.18",
            "mon_host = 10.20.1.17,10.20.1.18,10.20.1.14", StringComparison.Ordinal),
            conf.ToText());
        Assert.False(conf.Set("global", "mon_host", "10.20.1.17,10.20.1.18,10.20.1.14"));
    }

    [Fact]
    public void AnOptionSpelledWithSpacesOrACommentIsReplacedWhole()
    {
        var conf = CephConf.Parse("[global]\n  mon host = 10.0.0.1 ; old\nfsid = x\n");
        Assert.Equal("10.0.0.1", conf.Get("global", "mon_host"));
        conf.Set("global", "mon_host", "10.0.0.2");
        Assert.Equal("[global]\nmon_host = 10.0.0.2\nfsid = x\n", conf.ToText());
    }

    [Fact]
    public void AMissingOptionGoesAtTheEndOfItsSectionAndAMissingSectionIsAdded()
    {
        var conf = CephConf.Parse("[global]\nfsid = x\n\n[mon]\nmon_data = /d\n");
        conf.Set("global", "mon_host", "10.0.0.2");
        conf.Set("osd", "osd_max_backfills", "2");
        Assert.Equal("[global]\nfsid = x\nmon_host = 10.0.0.2\n\n[mon]\nmon_data = /d\n[osd]\nosd_max_backfills = 2\n",
            conf.ToText());
    }

    [Theory]
    [InlineData("10.0.0.1\nfsid = y")]
    [InlineData("")]
    [InlineData(" 10.0.0.1")]
    public void RefusesAValueThatIsNotOneLine(string value) =>
        Assert.Throws<ArgumentException>(() => CephConf.Parse(Captured()).Set("global", "mon_host", value));

    [Fact]
    public void ReadOptionKeepsTheSedTheBootstrapAlwaysSent()
    {
        var call = CephConf.ReadOption("/etc/ceph/ceph.conf", "fsid");
        Assert.Equal(["sed", "-n", "s/^fsid *= *//p", "/etc/ceph/ceph.conf"], call.Argv);
        Assert.Equal("abc", call.Read(new("h4", call.Argv, 0, "abc\n"u8.ToArray(), [])));
        Assert.Equal("", call.Read(new("h4", call.Argv, 0, [], [])));
        Assert.Null(call.Read(new("h4", call.Argv, 2, [],
            "sed: can't read /etc/ceph/ceph.conf: No such file or directory"u8.ToArray())));
        Assert.Throws<ArgumentException>(() => CephConf.ReadOption("/etc/ceph/ceph.conf", "fsid/;e reboot;"));
    }
}
