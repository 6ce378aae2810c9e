using System.Reflection;
using Mvm.Framework;
using Mvm.Resources.VirtualMachine;

namespace Mvm.Tests.Unit.Resources.Machines;

/// <summary>
/// VirtualMachine's own Read and Delete, called with its typed state. They are protected
/// overrides (the engine reaches them through <see cref="Resource{TArgs, TState}"/>'s property-map
/// methods); these tests hold the typed state so they can check what the operation left in it.
/// </summary>
internal static class TypedCrud
{
    private static readonly VirtualMachine Vm = new();

    public static Task<VirtualMachineState?> ReadAsync(string id, VirtualMachineState? state, OperationContext ctx) =>
        (Task<VirtualMachineState?>)Method("ReadAsync", typeof(string), typeof(VirtualMachineState),
            typeof(OperationContext))
            .Invoke(Vm, [id, state, ctx])!;

    public static Task DeleteAsync(string id, VirtualMachineState state, OperationContext ctx) =>
        (Task)Method("DeleteAsync", typeof(string), typeof(VirtualMachineState), typeof(OperationContext))
            .Invoke(Vm, [id, state, ctx])!;

    private static MethodInfo Method(string name, params Type[] parameters) =>
        typeof(VirtualMachine).GetMethod(name, BindingFlags.Instance | BindingFlags.NonPublic, parameters)
            ?? throw new MissingMethodException(nameof(VirtualMachine), name);
}
