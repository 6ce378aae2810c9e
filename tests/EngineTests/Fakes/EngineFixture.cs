using Mvm.EngineHarness;
using Mvm.EngineHarness.Deployment;

namespace Mvm.EngineTests.Fakes;

/// <summary>A program directory in a temp folder plus an Engine whose plugins are fake providers.</summary>
public sealed class EngineFixture : IAsyncDisposable
{
    private EngineFixture(string directory, FakeCloud cloud, FakeLauncher launcher, Engine engine)
    {
        Directory = directory;
        Cloud = cloud;
        Launcher = launcher;
        Engine = engine;
    }

    public string Directory { get; }

    public FakeCloud Cloud { get; }

    public FakeLauncher Launcher { get; }

    public Engine Engine { get; }

    public static async Task<EngineFixture> StartAsync(string pulumiYaml, string? stackYaml = null, Func<EngineOptions, EngineOptions>? configure = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "mvm-engine-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(dir);
        var cloud = new FakeCloud();
        var launcher = new FakeLauncher(cloud);
        // No passphrase ("" = none, whatever the environment says): stacks get a generated key file.
        var options = new EngineOptions { ProgramDirectory = dir, Launcher = launcher, RpcTimeout = TimeSpan.FromSeconds(30), SecretsPassphrase = "" };
        var engine = await Engine.StartAsync(configure?.Invoke(options) ?? options);
        var fixture = new EngineFixture(dir, cloud, launcher, engine);
        fixture.Write(pulumiYaml, stackYaml);
        return fixture;
    }

    /// <summary>Replaces the program (and optionally the stack config) for the next operation.</summary>
    public void Write(string pulumiYaml, string? stackYaml = null)
    {
        File.WriteAllText(Path.Combine(Directory, "Pulumi.yaml"), pulumiYaml);
        if (stackYaml is not null)
            File.WriteAllText(Path.Combine(Directory, "Pulumi.dev.yaml"), stackYaml);
    }

    public Task<DeploymentResult> PreviewAsync() => Engine.PreviewAsync();

    public Task<DeploymentResult> UpAsync() => Engine.UpAsync();

    /// <summary>An up that must succeed (the transcript is the failure message).</summary>
    public async Task<DeploymentResult> UpOkAsync()
    {
        var result = await Engine.UpAsync();
        Assert.True(result.Succeeded, result.Transcript);
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
