using Mvm.Tools;

namespace Mvm.Tests.Unit.Tools;

/// <summary>curl's progress meter and error lines as curl 7.88.1 printed them on h3 (Fixtures/Curl).</summary>
public class CurlTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Curl", name));

    [Fact]
    public void ReadsTheLastMeterUpdate()
    {
        var meter = Fixture("curl-7.88.1-download-progress.stderr");
        // A 30,000,000-byte file: curl shows 28.6M.
        Assert.Equal(new DownloadProgress((long)(28.6 * (1 << 20)), (long)(28.6 * (1 << 20))), Curl.ParseProgress(meter));
        // Mid-transfer (71 %, 20.3M of 28.6M) as a poll would see it.
        var cut = meter[..(meter.IndexOf("\r100", StringComparison.Ordinal))];
        Assert.Equal(new DownloadProgress((long)(20.3 * (1 << 20)), (long)(28.6 * (1 << 20))), Curl.ParseProgress(cut));
        Assert.Null(Curl.ParseProgress("  % Total    % Received % Xferd  Average Speed"));
    }

    [Fact]
    public void AnUnknownTotalIsNull()
    {
        // Nothing connected: curl never learnt a size.
        Assert.Equal(new DownloadProgress(0, null), Curl.ParseProgress(Fixture("curl-7.88.1-download-refused.stderr")));
        // A 404: the error page's 335 bytes announced, none of it kept (--fail).
        Assert.Equal(new DownloadProgress(0, 335), Curl.ParseProgress(Fixture("curl-7.88.1-download-404.stderr")));
    }

    [Theory]
    [InlineData("curl-7.88.1-download-404.stderr", "curl: (22) The requested URL returned error: 404")]
    [InlineData("curl-7.88.1-download-refused.stderr", "curl: (7) Failed to connect to 10.20.0.1 port 1 after 8 ms: Couldn't connect to server")]
    public void ErrorsAreCurlsOwnLine(string fixture, string line) => Assert.Equal(line, Curl.ErrorLine(Fixture(fixture)));

    [Fact]
    public void ArgvFollowsOnlyHttpRedirectsAndBoundsStalls()
    {
        var argv = Curl.DownloadArgv(new Uri("https://mirror.example/d.qcow2?token=a b"), "/var/tmp/x/source", TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), quiet: false);
        Assert.Equal(["curl", "--fail", "--location", "--proto", "=http,https", "--proto-redir", "=http,https", "--connect-timeout", "30",
            "--speed-limit", "1024", "--speed-time", "120", "--output", "/var/tmp/x/source", "https://mirror.example/d.qcow2?token=a%20b"], argv);
        Assert.Throws<ArgumentException>(() => Curl.DownloadArgv(new Uri("file:///etc/shadow"), "/var/tmp/x", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), true));
        Assert.Throws<ArgumentException>(() => Curl.DownloadArgv(new Uri("http://a/b"), "relative", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), true));
    }
}
