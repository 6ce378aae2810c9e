namespace Mvm.EngineHarness.Deployment;

/// <summary>Fails the current deployment with a message the CLI prints as "error: ...".</summary>
public sealed class DeploymentException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The operation's cancellation token fired; the engine stops starting new steps.</summary>
public sealed class DeploymentCanceledException() : Exception("update canceled");
