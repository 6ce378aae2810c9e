using Mvm.Core;

namespace Mvm.Tools;

/// <summary>A program the provider relies on is not installed on the host (the shell answered 127).</summary>
public sealed class ToolMissingException(string host, string tool, string package)
    :
        ProviderException($"`{tool}` is not installed on {host}. Install the {package} package (`apt-get " +
        $"install {package}`) and run again.")
{
    public string HostName { get; } = host;
    public string Tool { get; } = tool;
    public string Package { get; } = package;
}
