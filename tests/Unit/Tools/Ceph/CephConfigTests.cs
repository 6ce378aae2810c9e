using static Mvm.Tests.Unit.Tools.CephClients.ScriptedHost;
using Mvm.Tools;

namespace Mvm.Tests.Unit.Tools.CephClients;

/// <summary>`ceph config set/get/rm` through the client, against output captured on h3 (Ceph 16.2.15).</summary>
public sealed class CephConfigTests
{
    private const string V = "ceph-16.2.15-";
    private static string[] Set(string who, string name, string value) =>
        ["ceph", "--connect-timeout", "30", "-f", "json", "config", "set", who, name, "--", value];

    [Fact]
    public async Task AValueStartingWithADashGoesAfterDoubleDashAndGetReturnsItUnframed()
    {
        var host = Replies(Captured(V + "config-set"), Captured(V + "config-get"));
        var ceph = new Ceph(host);
        await ceph.ConfigSetAsync("client.x", "mon_max_pg_per_osd", "-1", default);
        Assert.Equal(Set("client.x", "mon_max_pg_per_osd", "-1"), host.Calls[0]);
        Assert.Equal("3", await ceph.ConfigGetAsync("client.mvm-check", "osd_max_backfills", default));
    }

    [Fact]
    public async Task ARefusedSettingLeavesEveryOtherSettingUntouched()
    {
        // The second setting does not parse: the first was only tried on the scratch section and is
        // removed from there again; nothing reaches "global".
        var host = Replies(Captured(V + "config-set"), Captured(V + "config-set-unparsable-value"), Captured(V + "config-rm"));
        var e = await Assert.ThrowsAsync<CephSettingRefusedException>(() => new Ceph(host).ConfigSetAllAsync("global",
            [new("mon_data_avail_warn", "5"), new("osd_max_backfills", "x")], default));
        Assert.Contains("refused setting osd_max_backfills to \"x\" (Error EINVAL: error parsing value: strict_si_cast: unit prefix not recognized)", e.Message);
        Assert.Contains("none of the 2 setting(s) was applied", e.Message);
        Assert.Equal([
            Set(Ceph.ScratchSection, "mon_data_avail_warn", "5"),
            Set(Ceph.ScratchSection, "osd_max_backfills", "x"),
            ["ceph", "--connect-timeout", "30", "config", "rm", Ceph.ScratchSection, "mon_data_avail_warn", "-f", "json"],
        ], host.Calls);
    }

    [Fact]
    public async Task SettingsTheMonitorsTakeAreTriedThenApplied()
    {
        var host = Replies(Captured(V + "config-set"), Captured(V + "config-rm"), Captured(V + "config-set"));
        await new Ceph(host).ConfigSetAllAsync("global", [new("mon_data_avail_warn", "5")], default);
        Assert.Equal(Set("global", "mon_data_avail_warn", "5"), host.Calls[^1]);
        Assert.Equal(3, host.Calls.Count);
    }

    [Theory]
    [InlineData("osd_max_backfills\n")]
    [InlineData("osd-max-backfills")]
    [InlineData("-f")]
    public async Task ANameCephCannotHoldNeverReachesTheHost(string name)
    {
        var host = Replies();
        await Assert.ThrowsAsync<ArgumentException>(() => new Ceph(host).ConfigSetAsync("global", name, "1", default));
        await Assert.ThrowsAsync<ArgumentException>(() => new Ceph(host).ConfigRemoveAsync("global", name, default));
        Assert.Empty(host.Calls);
    }
}
