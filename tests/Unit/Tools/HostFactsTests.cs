using System.Text;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Tests.Unit.Tools;

/// <summary>HostFacts parsing, over output captured from the lab's Debian 12 hosts (Fixtures/HostFacts, named by tool and version).</summary>
public class HostFactsTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "HostFacts", name));

    private static CommandResult Ok(string[] argv, string stdout, int exit = 0) =>
        new("h1", argv, exit, Encoding.UTF8.GetBytes(stdout), []);

    private static ScriptResult Captured(Func<int, CommandResult?>? replace = null)
    {
        var outputs = new[]
        {
            Fixture("os-release-debian-12"), Fixture("cpuinfo-x86_64-linux-6.18"), Fixture("meminfo-linux-6.18"),
            Fixture("lsblk-util-linux-2.38.1.json"), Fixture("ip-addr-iproute2-6.1.0.json"), Fixture("uname-linux-6.18"), "",
        };
        return new ScriptResult(HostFacts.Commands.Select((argv, i) => replace?.Invoke(i) ?? Ok(argv, outputs[i], i == 6 ? 1 : 0)).ToList());
    }

    [Fact]
    public void ReadsALabHost()
    {
        var f = HostFacts.FromResults("h1", Captured());
        Assert.Equal(("h1", "6.18.44-fc-v509", "x86_64"), (f.Hostname, f.KernelRelease, f.Architecture));
        Assert.Equal(("debian", "12", "bookworm"), (f.Os.Id, f.Os.VersionId, f.Os.VersionCodename));
        Assert.Equal("Debian GNU/Linux 12 (bookworm)", f.Os.PrettyName);
        Assert.True(f.Os.IsDebianFamily);
        Assert.Equal(2, f.Cpu.LogicalCpus);
        Assert.False(f.Cpu.HardwareVirtualization); // the lab machine exposes no vmx/svm
        Assert.False(f.KvmDevice);
        Assert.Equal(24684100L * 1024, f.Memory.TotalBytes);
        Assert.Equal(24220196L * 1024, f.Memory.AvailableBytes);

        var vdb = f.FindBlockDevice("/dev/loop0")!;
        Assert.Equal(("loop0", "loop", 6442450944L, false), (vdb.Name, vdb.Type, vdb.SizeBytes, vdb.ReadOnly));
        Assert.True(vdb.IsBlank);

        var eth0 = f.FindInterface("eth0")!;
        Assert.True(eth0.IsUp);
        Assert.Equal(1500, eth0.Mtu);
        Assert.Equal("4a:b4:99:68:6c:dd", eth0.MacAddress);
        Assert.Equal(["10.20.0.11/24"], eth0.Addresses.Select(a => a.ToString()));
        Assert.Contains(f.FindInterface("lo")!.Addresses, a => a is { Family: "inet6", Address: "::1", PrefixLength: 128 });
    }

    [Fact]
    public void AMissingToolSaysWhichPackageToInstall()
    {
        var e = Assert.Throws<ToolMissingException>(() => HostFacts.FromResults("h1",
            Captured(i => i == 4 ? new CommandResult("h1", HostFacts.Commands[4], 127, [], Encoding.UTF8.GetBytes("bash: line 9: ip: command not found\n")) : null)));
        Assert.Equal("`ip` is not installed on h1. Install the iproute2 package (`apt-get install iproute2`) and run again.", e.Message);
    }

    [Fact]
    public void OtherFailuresCarryTheCommandAndStderr()
    {
        var e = Assert.Throws<RemoteCommandFailedException>(() => HostFacts.FromResults("h1",
            Captured(i => i == 3 ? new CommandResult("h1", HostFacts.Commands[3], 1, [], Encoding.UTF8.GetBytes("lsblk: unknown column: MOUNTPOINTS\n")) : null)));
        Assert.Contains("lsblk -J -b -o NAME,PATH,TYPE,SIZE,RO,FSTYPE,MOUNTPOINTS,MODEL,SERIAL", e.Message);
        Assert.Contains("unknown column", e.Message);
    }

    [Fact]
    public void ReadsUbuntuStyleOsReleaseAndQuoting()
    {
        var os = HostFacts.ParseOsRelease("NAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"24.04\"\nVERSION_CODENAME=noble\nPRETTY_NAME='Ubuntu 24.04 LTS'\n# c\n");
        Assert.Equal(("ubuntu", "24.04", "noble", "Ubuntu 24.04 LTS"), (os.Id, os.VersionId, os.VersionCodename, os.PrettyName));
        Assert.True(os.IsDebianFamily);
        Assert.Throws<FormatException>(() => HostFacts.ParseOsRelease("NAME=x\n"));
    }

    [Fact]
    public void DetectsVirtualisationFlags()
    {
        var cpu = HostFacts.ParseCpuInfo("processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: fpu vme vmx sse\n\nprocessor\t: 1\nflags\t\t: fpu vme vmx sse\n");
        Assert.Equal((2, "Some CPU", true, false), (cpu.LogicalCpus, cpu.ModelName, cpu.Vmx, cpu.Svm));
        Assert.True(HostFacts.ParseCpuInfo("processor : 0\nflags : svm\n").HardwareVirtualization);
        // "vmx" only as a whole flag, not inside another one.
        Assert.False(HostFacts.ParseCpuInfo("processor : 0\nflags : vmxnotreally\n").Vmx);
    }

    [Fact]
    public void ReadsPartitionsAndTheOlderLsblkShape()
    {
        // The shape util-linux before 2.37 prints: strings for numbers and booleans, one mountpoint.
        var old = HostFacts.ParseLsblk("""
            {"blockdevices": [
              {"name": "sda", "type": "disk", "size": "1000204886016", "ro": "0", "fstype": null, "mountpoint": null,
               "children": [{"name": "sda1", "type": "part", "size": "536870912", "ro": "0", "fstype": "vfat", "mountpoint": "/boot/efi"}]}
            ]}
            """);
        var sda = Assert.Single(old);
        Assert.Equal(("/dev/sda", 1000204886016L, false), (sda.Path, sda.SizeBytes, sda.IsBlank));
        var part = Assert.Single(sda.Children);
        Assert.Equal(("/dev/sda1", "vfat", "/boot/efi"), (part.Path, part.FsType, part.MountPoints.Single()));
        Assert.Equal(["/", "/var/snap"], HostFacts.ParseLsblk("""{"blockdevices":[{"name":"vda1","size":1,"ro":false,"mountpoints":["/","/var/snap",null]}]}""")[0].MountPoints);
    }

    [Fact]
    public void MarksAddressesWithALeaseAsDynamic()
    {
        // Captured with a lease lifetime on eth0 (as a DHCP client sets it), beside h1's static one.
        var dhcp = HostFacts.ParseIpAddr(Fixture("ip-addr-iproute2-6.1.0-dynamic.json"));
        Assert.Equal(("10.20.0.11", true), dhcp.Single(i => i.Name == "eth0").Addresses.Where(a => a.Family == "inet").Select(a => (a.Address, a.Dynamic)).Single());
        Assert.False(HostFacts.ParseIpAddr(Fixture("ip-addr-iproute2-6.1.0.json")).Single(i => i.Name == "eth0").Addresses.Single().Dynamic);
    }

    [Fact]
    public void ReadsBlkidSwapsAndGetent()
    {
        var ext4 = HostFacts.ParseBlkidExport(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Blkid", "blkid-util-linux-2.38.1-ext4")));
        Assert.Equal(("ext4", "filesystem"), (ext4["TYPE"], ext4["USAGE"]));
        // blkid escapes shell-special characters in export mode.
        Assert.Equal("my disk", HostFacts.ParseBlkidExport("LABEL=my\\ disk\n")["LABEL"]);
        Assert.Equal(["/dev/loop16"], HostFacts.ParseSwaps(Fixture("proc-swaps-linux-6.18-loop")));
        Assert.Empty(HostFacts.ParseSwaps(Fixture("proc-swaps-linux-6.18-empty")));
        Assert.Equal(["10.20.0.11"], HostFacts.ParseGetentAhosts(Fixture("getent-glibc-2.36-ahosts")));
    }

    [Fact]
    public void ProbesOnlyAbsoluteDevicePaths()
    {
        var commands = HostFacts.ExtraCommands(new HostFactsRequest { Devices = ["/dev/vdb"], Names = ["-h1"] });
        Assert.Equal([["cat", "/proc/swaps"], ["readlink", "-e", "--", "/dev/vdb"], ["test", "-b", "/dev/vdb"], ["blkid", "-p", "-o", "export", "--", "/dev/vdb"],
            ["getent", "ahosts", "--", "-h1"]], commands);
        Assert.Throws<ArgumentException>(() => HostFacts.ExtraCommands(new HostFactsRequest { Devices = ["vdb"] }));
    }
}
