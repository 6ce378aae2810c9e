using System.Diagnostics;
using System.Globalization;
using Mvm.EngineHarness.Grpc;

// Startup of the plugin against the floor of a hello-world .NET program, both started the way the
// engine starts plugins (stdout piped, first line read): for the plugin, launch to the port line and
// launch to the reply of the first RPC the engine makes (GetPluginInfo); for the floor, launch to
// its line. Prints figures; passes or fails nothing.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: mvm-bench-startup PLUGIN FLOOR [RUNS]");
    return 2;
}
var runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;

static (double Line, double Reply) TimeToReply(string binary, bool askInfo)
{
    var psi = new ProcessStartInfo(binary, ["127.0.0.1:1"])
    {
        RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
    };
    var sw = Stopwatch.StartNew();
    using var p = Process.Start(psi)!;
    var line = p.StandardOutput.ReadLine();
    var ms = sw.Elapsed.TotalMilliseconds;
    if (line is null || !int.TryParse(line.Trim(), out var port))
        throw new InvalidOperationException($"{binary} printed no port line");
    var reply = ms;
    if (askInfo)
    {
        using var client = new ProviderClient($"127.0.0.1:{port}");
        client.GetPluginInfoAsync().GetAwaiter().GetResult();
        reply = sw.Elapsed.TotalMilliseconds;
    }
    p.StandardInput.Close();
    p.Kill(entireProcessTree: true);
    p.WaitForExit();
    return (ms, reply);
}

static string Stats(List<double> xs)
{
    var s = xs.Order().ToList();
    return string.Create(CultureInfo.InvariantCulture, $"min {s[0]:F1} ms  median {s[s.Count / 2]:F1} ms  max {s[^1]:F1} ms");
}

// One untimed launch of each warms the page cache (and this process's own gRPC client code).
TimeToReply(args[0], askInfo: true);
TimeToReply(args[1], askInfo: false);
var portLine = new List<double>();
var plugin = new List<double>();
var floor = new List<double>();
for (var i = 0; i < runs; i++)
{
    var (line, reply) = TimeToReply(args[0], askInfo: true);
    portLine.Add(line);
    plugin.Add(reply);
    floor.Add(TimeToReply(args[1], askInfo: false).Line);
}
var ratios = plugin.Zip(floor, (a, b) => a / b).Order().ToList();
Console.WriteLine($"{runs} runs each, alternating");
Console.WriteLine($"  plugin, launch → port line          {Stats(portLine)}");
Console.WriteLine($"  plugin, launch → GetPluginInfo reply {Stats(plugin)}");
Console.WriteLine($"  hello floor, launch → its line      {Stats(floor)}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ratio plugin/floor: median {ratios[ratios.Count / 2]:F2} (min {ratios[0]:F2}, max {ratios[^1]:F2})"));
return 0;
