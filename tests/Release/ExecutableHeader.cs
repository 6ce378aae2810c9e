using System.Buffers.Binary;

namespace Mvm.Tests.Release;

/// <summary>
/// Tells an executable's format and CPU from its first bytes (ELF e_machine, Mach-O cputype, PE machine), so a tarball
/// built for a platform this machine cannot run is still checked to hold a binary for that platform.
/// </summary>
public static class ExecutableHeader
{
    private const ushort ElfMachineX64 = 62, ElfMachineArm64 = 183;
    private const uint MachOMagic64 = 0xfeedfacf, MachOCpuX64 = 0x01000007, MachOCpuArm64 = 0x0100000c;
    private const uint MachOCodeSignature = 0x1d;
    private const ushort PeMachineX64 = 0x8664, PeMachineArm64 = 0xaa64;

    public static ExecutableKind? Kind(byte[] head)
    {
        if (head.Length >= 20 && head.AsSpan(0, 4).SequenceEqual("\u007fELF"u8))
        {
            if (head[4] != 2) return null; // 64-bit only
            return BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(18)) switch
            {
                ElfMachineX64 => ExecutableKind.ElfX64,
                ElfMachineArm64 => ExecutableKind.ElfArm64,
                _ => null,
            };
        }
        if (head.Length >= 32 && BinaryPrimitives.ReadUInt32LittleEndian(head) == MachOMagic64)
        {
            return BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(4)) switch
            {
                MachOCpuX64 => ExecutableKind.MachOX64,
                MachOCpuArm64 => ExecutableKind.MachOArm64,
                _ => null,
            };
        }
        if (head.Length >= 64 && head[0] == (byte)'M' && head[1] == (byte)'Z')
        {
            var pe = (int)BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(0x3c));
            if (pe < 0 || pe + 6 > head.Length || !head.AsSpan(pe, 4).SequenceEqual("PE\0\0"u8)) return null;
            return BinaryPrimitives.ReadUInt16LittleEndian(head.AsSpan(pe + 4)) switch
            {
                PeMachineX64 => ExecutableKind.PeX64,
                PeMachineArm64 => ExecutableKind.PeArm64,
                _ => null,
            };
        }
        return null;
    }

    /// <summary>
    /// Whether a 64-bit Mach-O carries an LC_CODE_SIGNATURE load command: macOS on Apple silicon kills an unsigned
    /// binary at launch, so the darwin tarballs must hold a signed (ad hoc is enough) one.
    /// </summary>
    public static bool HasMachOCodeSignature(byte[] head)
    {
        var commands = BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(16));
        var offset = 32;
        for (var i = 0; i < commands; i++)
        {
            if (offset + 8 > head.Length) return false;
            var cmd = BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(offset));
            var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(offset + 4));
            if (cmd == MachOCodeSignature) return true;
            if (size < 8) return false;
            offset += size;
        }
        return false;
    }
}
