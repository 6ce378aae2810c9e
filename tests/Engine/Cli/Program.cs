using Mvm.EngineHarness.Deployment;

namespace Mvm.EngineHarness.Cli;

/// <summary>
/// `mvm-engine`: drives the provider the way the Pulumi CLI would, for machines without the Pulumi CLI.
/// Like `pulumi up` in non-interactive mode, changes need --yes; a preview runs first unless --skip-preview.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        CliArguments cli;
        try
        {
            cli = CliArguments.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            if (e.Message.Length > 0)
                Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine(CliArguments.Usage);
            return e.Message.Length > 0 ? 2 : 0;
        }

        if (cli.Command == "output")
            return StackOutput.Print(cli, Console.Out, Console.Error);
        if (cli.Command == "config")
            return StackConfigCommand.Set(cli, Console.In, Console.Error);

        Console.Out.WriteLine(Engine.Banner);
        using var cancel = new CancellationTokenSource();
        var interrupts = 0;
        Console.CancelKeyPress += (_, e) =>
        {
            // First Ctrl-C: ask the plugins to cancel and start nothing new; second: stop hard, as pulumi does.
            if (Interlocked.Increment(ref interrupts) == 1)
            {
                e.Cancel = true;
                Console.Error.WriteLine("^C received; cancelling. Press ^C again to terminate immediately.");
                cancel.Cancel();
            }
        };

        await using var engine = await Engine.StartAsync(new EngineOptions
        {
            ProgramDirectory = cli.Cwd,
            Stack = cli.Stack,
            PluginPath = cli.Plugin,
            Output = Console.Out,
            StreamLogs = true,
            Verbose = cli.Verbose,
            LogToStderr = cli.LogToStderr,
            Verbosity = cli.Verbosity,
            PrintBanner = false,
        }).ConfigureAwait(false);

        try
        {
            return await RunAsync(engine, cli, cancel.Token).ConfigureAwait(false);
        }
        catch (Yaml.ProgramException e)
        {
            Console.Out.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static async Task<int> RunAsync(Engine engine, CliArguments cli, CancellationToken ct)
    {
        Task<DeploymentResult> Run(bool preview) => cli.Command switch
        {
            "preview" => engine.PreviewAsync(null, ct),
            "up" => preview ? engine.PreviewAsync(null, ct) : engine.UpAsync(null, ct),
            "refresh" => engine.RefreshAsync(preview, ct),
            "destroy" => engine.DestroyAsync(preview, ct),
            "import" => engine.ImportAsync(cli.Import!.Value.Type, cli.Import.Value.Name, cli.Import.Value.Id, preview, cli.Protect, null, ct),
            _ => throw new InvalidOperationException(cli.Command),
        };

        if (cli.Command == "preview")
            return (await Run(preview: true).ConfigureAwait(false)).Succeeded ? 0 : 1;

        if (!cli.SkipPreview)
        {
            var preview = await Run(preview: true).ConfigureAwait(false);
            if (!preview.Succeeded)
                return 1;
            Console.Out.WriteLine();
        }
        if (!cli.Yes)
        {
            Console.Out.WriteLine("error: --yes must be passed in to proceed when running in non-interactive mode");
            return 1;
        }
        var result = await Run(preview: false).ConfigureAwait(false);
        return result.Succeeded ? 0 : 1;
    }
}
