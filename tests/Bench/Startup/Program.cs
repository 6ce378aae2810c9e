using System.Diagnostics;
using System.Globalization;

// Launch-to-port-line time of the plugin against the floor of a hello-world .NET program, both
// started the way the engine starts plugins (stdout piped, first line read). Prints figures;
// passes or fails nothing.
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: mvm-bench-startup PLUGIN FLOOR [RUNS]");
    return 2;
}
var runs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20;

static double TimeToFirstLine(string binary)
{
    var psi = new ProcessStartInfo(binary, ["127.0.0.1:1"])
    {
        RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
    };
    var sw = Stopwatch.StartNew();
    using var p = Process.Start(psi)!;
    var line = p.StandardOutput.ReadLine();
    var ms = sw.Elapsed.TotalMilliseconds;
    if (line is null || !int.TryParse(line.Trim(), out _)) throw new InvalidOperationException($"{binary} printed no port line");
    p.StandardInput.Close();
    p.Kill(entireProcessTree: true);
    p.WaitForExit();
    return ms;
}

static string Stats(List<double> xs)
{
    var s = xs.Order().ToList();
    return string.Create(CultureInfo.InvariantCulture, $"min {s[0]:F1} ms  median {s[s.Count / 2]:F1} ms  max {s[^1]:F1} ms");
}

// One untimed launch of each warms the page cache.
TimeToFirstLine(args[0]);
TimeToFirstLine(args[1]);
var plugin = new List<double>();
var floor = new List<double>();
for (var i = 0; i < runs; i++)
{
    plugin.Add(TimeToFirstLine(args[0]));
    floor.Add(TimeToFirstLine(args[1]));
}
var ratios = plugin.Zip(floor, (a, b) => a / b).Order().ToList();
Console.WriteLine($"launch → port line, {runs} runs each, alternating");
Console.WriteLine($"  plugin     {Stats(plugin)}");
Console.WriteLine($"  hello floor {Stats(floor)}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ratio plugin/floor: median {ratios[ratios.Count / 2]:F2} (min {ratios[0]:F2}, max {ratios[^1]:F2})"));
return 0;
