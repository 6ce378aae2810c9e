using System.Diagnostics.CodeAnalysis;

namespace Mvm.Framework;

/// <summary>Starting a state record from the inputs it extends, before outputs are read back.</summary>
public static class States
{
    public static TState FromInputs<[DynamicallyAccessedMembers(ModelMembers.Kept)] TArgs, TState>(TArgs args)
        where TState : TArgs, new()
    {
        var state = new TState();
        foreach (var p in ObjectModel.Of(typeof(TArgs)).Inputs) p.Info.SetValue(state, p.Info.GetValue(args));
        return state;
    }
}
