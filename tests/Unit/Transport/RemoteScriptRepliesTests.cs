using System.Text;
using Mvm.Tests.Transport;
using Mvm.Tests.Unit.Tools.CephClients;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Transport;

/// <summary>The fake hosts read a script's argv back faithfully, or tests over them would prove nothing.</summary>
public class RemoteScriptRepliesTests
{
    [Fact]
    public async Task EveryHostileArgumentComesBackAsSentAndFailuresStopTheScript()
    {
        var corpus = HostileStrings.Corpus();
        var seen = new List<IReadOnlyList<string>>();
        var host = new ScriptedHost(argv =>
        {
            seen.Add(argv);
            return Task.FromResult(new CommandResult("h3", argv, argv[0] == "false" ? 1 : 0, Encoding.UTF8.GetBytes(string.Join('\0', argv)), []));
        });
        var script = new RemoteScript().Add(["printf", .. corpus]).Add(["false"]).Add(["never"]);
        var results = await script.RunAsync(host, TimeSpan.FromSeconds(5), default);

        Assert.Equal(["printf", .. corpus], seen[0]);
        Assert.Equal(string.Join('\0', ["printf", .. corpus]), results[0]!.StdoutText);
        Assert.Equal(1, results[1]!.ExitCode);
        Assert.Null(results[2]);
        Assert.Equal(2, seen.Count);
        Assert.Equal(1, host.RoundTrips);
    }
}
