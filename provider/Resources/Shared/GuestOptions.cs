using Mvm.Core;

namespace Mvm.Resources.Shared;

[EnumType("OsType", "The guest operating system family, which picks device models and defaults (e.g. hyper-v " +
    "enlightenments for Windows).")]
public enum OsType
{
    [EnumValue("linux", "Linux or another Unix-like guest.")]
    Linux,
    [EnumValue("windows", "Microsoft Windows.")]
    Windows,
}
