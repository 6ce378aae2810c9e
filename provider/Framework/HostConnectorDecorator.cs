using Mvm.Transport;

namespace Mvm.Framework;

/// <summary>
/// Wraps the host connector of one operation (e.g. <c>create</c> of <c>mvm:index:VirtualMachine</c>).
/// The production plugin uses none; the test build of the plugin (tests/TestPlugin) injects faults
/// through it, so no test-only code ships in the provider.
/// </summary>
public delegate IHostConnector HostConnectorDecorator(IHostConnector hosts, string operation, string typeToken);
