namespace Mvm.EngineHarness.Yaml;

/// <summary>A problem in a Pulumi YAML program or stack config, with where it is; may carry several at once.</summary>
public sealed class ProgramException : Exception
{
    public ProgramException(SourceLocation location, string message)
        : base($"{location}: {message}")
    {
        Errors = [Message];
    }

    public ProgramException(IReadOnlyList<string> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<string> Errors { get; }
}
