using System.Text.Json;
using Xunit.Abstractions;
using Mvm.Cluster;
using Mvm.EngineHarness;
using Mvm.EngineHarness.Deployment;
using Mvm.Resources.Shared;
using Mvm.Tests.Lab.Tools.CephClients;
using Mvm.Tests.Lab.Transport;
using Mvm.Transport;

namespace Mvm.Tests.Lab.Provider;

/// <summary>
/// A CephPool through its whole life on h3's real Ceph cluster, by the built plugin driven the way
/// the engine drives it: create, update in place, drift made by hand and found by refresh, import
/// into a fresh stack, delete refused while an RBD image exists and then forced. Every step is
/// checked with `ceph` on h3 itself. Only pools named cptest-* are touched.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class CephPoolLabTests(LabFixture lab, ITestOutputHelper output) : IDisposable
{
    private const long GiB = 1L << 30;
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("cptest-stack-").FullName;
    private readonly string _importDir = Directory.CreateTempSubdirectory("cptest-import-").FullName;
    private readonly string _pool = "cptest-" + Guid.NewGuid().ToString("N")[..8];


    private static string PluginPath => LabProgram.PluginPath;

    /// <summary>The program: one pool; the connect string arrives as secret project config.</summary>
    private void WriteProgram(string dir, string properties, string? importConnectString = null, string? connectString = null)
    {
        File.WriteAllText(Path.Combine(dir, "Pulumi.yaml"), $"""
            name: cptest
            runtime: yaml
            config:
              connect:
                type: string
                secret: true
            resources:
              pool:
                type: mvm:index:CephPool
                properties:
                  connectString: ${"{connect}"}
                  name: {_pool}
            {properties}
            """);
        if (connectString is null) return;
        File.WriteAllText(Path.Combine(dir, "Pulumi.test.yaml"), $"""
            config:
              mvm:sshUser: root
              mvm:sshPrivateKeyFile: {Path.Combine(lab.OutDir, "id_ed25519")}
              mvm:knownHostsFile: {Path.Combine(lab.OutDir, "known_hosts")}
              cptest:connect:
                secret: {connectString}
            {(importConnectString is null ? "" : $"  mvm:importConnectString:\n    secret: {importConnectString}\n")}
            """);
    }

    private static string Props(params string[] lines) => string.Join("\n", lines.Select(l => "      " + l));

    private async Task<DeploymentResult> RunAsync(string dir, Func<Engine, Task<DeploymentResult>> operation)
    {
        await using var engine = await Engine.StartAsync(new EngineOptions
        {
            ProgramDirectory = dir,
            Stack = "test",
            PluginPath = PluginPath,
            RpcTimeout = TimeSpan.FromMinutes(3),
        });
        var result = await operation(engine);
        output.WriteLine(result.Transcript);
        return result;
    }

    private static async Task<JsonElement> CephJsonAsync(IHost h3, params string[] words)
    {
        var r = await h3.RunCheckedAsync(["ceph", .. words, "-f", "json"], T, default);
        using var doc = JsonDocument.Parse(r.StdoutText);
        return doc.RootElement.Clone();
    }

    private async Task<bool> PoolExistsAsync(IHost h3) =>
        (await CephJsonAsync(h3, "osd", "pool", "ls")).EnumerateArray().Any(p => p.GetString() == _pool);

    private static double Output(DeploymentResult r, string key) =>
        r.State.Resources.Single(x => x.Name == "pool").Outputs.Fields[key].NumberValue;

    [Fact]
    public async Task CephPoolLivesThroughCreateUpdateDriftImportAndGuardedDelete()
    {
        Assert.True(File.Exists(PluginPath), $"plugin not built at {PluginPath}: run make plugin");
        await using var transport = new SshTransport();
        var h3 = transport.Host(lab.Target(lab.H3));
        var cluster = await CephLabCluster.EnsureAsync(lab, h3, output);
        // One OSD: a pool of size 1 is the only healthy kind, and the monitors must allow it.
        await h3.RunCheckedAsync(["ceph", "config", "set", "global", "mon_allow_pool_size_one", "true"], T, default);
        var allowDeleteBefore = (await h3.RunCheckedAsync(["ceph", "config", "get", "mon", "mon_allow_pool_delete"], T, default)).StdoutText.Trim();
        // Off, as on a production cluster: the provider must switch it on only for its deletion.
        await h3.RunCheckedAsync(["ceph", "config", "set", "mon", "mon_allow_pool_delete", "false"], T, default);

        var connect = ConnectString.Encode(new ClusterInfo
        {
            Name = "lab3", Fsid = cluster.Fsid, Layout = "hci",
            Hosts = [new MemberHost { Name = "h3", Address = lab.H3.Management }],
        });
        try
        {
            // 1. Create.
            WriteProgram(_dir, Props("size: 1", "pgNum: 8", "maxBytes: 1073741824", "application: rbd"), connectString: connect);
            var up = await RunAsync(_dir, e => e.UpAsync());
            Assert.True(up.Succeeded, up.Transcript);
            Assert.Equal(StepOp.Create, up.Step("pool").Op);
            Assert.Equal(1, (await CephJsonAsync(h3, "osd", "pool", "get", _pool, "size")).GetProperty("size").GetInt32());
            Assert.Equal(8, (await CephJsonAsync(h3, "osd", "pool", "get", _pool, "pg_num")).GetProperty("pg_num").GetInt32());
            Assert.Equal(GiB, (await CephJsonAsync(h3, "osd", "pool", "get-quota", _pool)).GetProperty("quota_max_bytes").GetInt64());
            Assert.True((await CephJsonAsync(h3, "osd", "pool", "application", "get", _pool)).TryGetProperty("rbd", out _));
            var poolId = (await CephJsonAsync(h3, "osd", "pool", "get-quota", _pool)).GetProperty("pool_id").GetInt32();
            Assert.Equal(poolId, Output(up, "poolId"));
            Assert.DoesNotContain(connect, up.Transcript);
            output.WriteLine($"created {_pool}: id {poolId}, size 1, pg_num 8, quota 1 GiB, rbd");

            // 2. Update in place: size and quotas, same pool.
            WriteProgram(_dir, Props("size: 2", "pgNum: 8", "maxBytes: 2147483648", "maxObjects: 5000", "application: rbd"));
            up = await RunAsync(_dir, e => e.UpAsync());
            Assert.True(up.Succeeded, up.Transcript);
            Assert.Equal(StepOp.Update, up.Step("pool").Op);
            Assert.Equal(2, (await CephJsonAsync(h3, "osd", "pool", "get", _pool, "size")).GetProperty("size").GetInt32());
            var quota = await CephJsonAsync(h3, "osd", "pool", "get-quota", _pool);
            Assert.Equal((2 * GiB, 5000L, poolId), (quota.GetProperty("quota_max_bytes").GetInt64(), quota.GetProperty("quota_max_objects").GetInt64(), quota.GetProperty("pool_id").GetInt32()));
            Assert.Equal(2, Output(up, "size"));
            Assert.Equal(poolId, Output(up, "poolId"));
            output.WriteLine($"updated in place: size 2, quotas 2 GiB / 5000 objects, pool id still {poolId}");

            // 3. Drift by hand (also back to size 1 at once, the healthy size on one OSD); refresh shows it.
            await h3.RunCheckedAsync(["ceph", "osd", "pool", "set", _pool, "size", "1", "--yes-i-really-mean-it"], T, default);
            await h3.RunCheckedAsync(["ceph", "osd", "pool", "set-quota", _pool, "max_objects", "0"], T, default);
            var refresh = await RunAsync(_dir, e => e.RefreshAsync());
            Assert.True(refresh.Succeeded, refresh.Transcript);
            var drift = refresh.Step("pool").Changes.Select(c => c.Path).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(["maxObjects", "size"], drift);
            Assert.Equal(1, Output(refresh, "size"));
            output.WriteLine($"refresh after hand changes shows drift in: {string.Join(", ", drift)}");

            // 4. Import into a fresh stack by pool name; the next preview has nothing to do.
            WriteProgram(_importDir, Props("size: 1", "pgNum: 8", "maxBytes: 2147483648", "application: rbd"), importConnectString: connect, connectString: connect);
            var import = await RunAsync(_importDir, e => e.ImportAsync("mvm:index:CephPool", "pool", _pool, protect: false));
            Assert.True(import.Succeeded, import.Transcript);
            var preview = await RunAsync(_importDir, e => e.PreviewAsync());
            Assert.True(preview.Succeeded, preview.Transcript);
            Assert.Equal(StepOp.Same, preview.Step("pool").Op);
            Assert.DoesNotContain(connect, import.Transcript);
            output.WriteLine("imported into a fresh stack; next preview: same (no diff)");

            // 5. Destroy is refused while an image exists, naming it.
            await h3.RunCheckedAsync(["rbd", "create", "--size", "16M", "--pool", _pool, "--image", "cptest-disk"], T, default);
            var destroy = await RunAsync(_dir, e => e.DestroyAsync());
            Assert.False(destroy.Succeeded, destroy.Transcript);
            Assert.Contains("cptest-disk", destroy.Error + destroy.Transcript);
            Assert.True(await PoolExistsAsync(h3));
            output.WriteLine("destroy refused while image cptest-disk exists; pool still there");

            // 6. With forceDestroy it goes, and pool deletion is off again afterwards.
            WriteProgram(_dir, Props("size: 1", "pgNum: 8", "maxBytes: 2147483648", "application: rbd", "forceDestroy: true"));
            up = await RunAsync(_dir, e => e.UpAsync());
            Assert.True(up.Succeeded, up.Transcript);
            destroy = await RunAsync(_dir, e => e.DestroyAsync());
            Assert.True(destroy.Succeeded, destroy.Transcript);
            Assert.False(await PoolExistsAsync(h3));
            var allowDelete = (await h3.RunCheckedAsync(["ceph", "config", "get", "mon", "mon_allow_pool_delete"], T, default)).StdoutText.Trim();
            Assert.Equal("false", allowDelete);
            output.WriteLine($"forced destroy removed {_pool}; mon_allow_pool_delete afterwards: {allowDelete}");
        }
        finally
        {
            if (await PoolExistsAsync(h3))
            {
                await h3.RunCheckedAsync(["ceph", "config", "set", "mon", "mon_allow_pool_delete", "true"], T, default);
                await h3.RunAsync(["ceph", "osd", "pool", "delete", _pool, _pool, "--yes-i-really-really-mean-it"], null, T, default);
            }
            await h3.RunCheckedAsync(["ceph", "config", "set", "mon", "mon_allow_pool_delete", allowDeleteBefore], T, default);
        }
    }

    public void Dispose()
    {
        foreach (var d in new[] { _dir, _importDir })
            try { Directory.Delete(d, recursive: true); } catch (IOException) { }
    }
}
