using Mvm.Framework;

namespace Mvm.Resources.Shared;

[EnumType("Firmware", "The firmware a guest boots with.")]
public enum Firmware
{
    [EnumValue("bios", "Legacy BIOS (SeaBIOS).")]
    Bios,
    [EnumValue("uefi", "UEFI (OVMF), with a per-VM NVRAM variable store.")]
    Uefi,
}

[EnumType("OsType", "The guest operating system family, which picks device models and defaults (e.g. hyper-v enlightenments for Windows).")]
public enum OsType
{
    [EnumValue("linux", "Linux or another Unix-like guest.")]
    Linux,
    [EnumValue("windows", "Microsoft Windows.")]
    Windows,
}
