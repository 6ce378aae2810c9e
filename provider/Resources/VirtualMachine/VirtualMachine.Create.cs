using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.Shared;
using Mvm.Resources.VirtualImage;
using Mvm.Tools;

namespace Mvm.Resources.VirtualMachine;

// Create checks everything it can before the first change (host, image, networks), then makes
// disks, seed and domain under a UUID chosen up front, so a failure part-way is an init failure
// whose state names every object made; the next `up` finds them by name and UUID and carries on.
public sealed partial class VirtualMachine
{
    protected override async Task<(string Id, VirtualMachineState State)> CreateAsync(VirtualMachineArgs a,
        OperationContext ctx)
    {
        var conn = ClusterConnection.Open(a.ConnectString, ctx.RemoteHosts());
        var info = conn.Info;
        // A domain already under this name is carried on only when this resource defined it (a
        // create cut short after `virsh define`: the plugin killed, the engine never got an answer);
        // it then keeps its host and UUID. Any other is refused.
        var existing = await VmHosts.FindAsync(conn, a.Name!, a.Host, ctx);
        if (existing is not null && !Ownership.IsMine(existing.Config.Metadata, VmMetadata.Owner, ctx.Urn))
            throw new PreconditionFailedException($"a VM named {a.Name} already exists on {existing.Member.Name} " +
                $"(UUID {existing.Xml.Uuid}) and is not this resource's: " +
                $"{Ownership.Describe(existing.Config.Metadata, VmMetadata.Owner)}. Import it (`pulumi import " +
                $"mvm:index:VirtualMachine <resource> {a.Name}` " +
                "with mvm:importConnectString set) or choose another name; nothing was changed");
        var (member, host) = existing is not null ? (existing.Member, existing.Host)
            : await VmHosts.ChooseAsync(conn, a.Host, VmMemory.MaximumKiB(a), ctx);
        if (existing is not null) await ctx.InfoAsync($"VM {a.Name} was left defined on {member.Name} by a create of " +
            $"this resource that was cut short: finishing it");

        var rbd = new Rbd(host, ClusterConnection.CephContext);
        var image = a.Image is null ? null : ImageRef(a.Image, info.VmPool);
        var effective = a;
        if (image is not null)
        {
            var snaps = await ctx.StepAsync("check image", member.Name, ct => rbd.SnapListAsync(image, ct),
                readOnly: true);
            if (!snaps.Any(s => s.Name == ImageMetadata.Snapshot && s.Protected))
                throw new PreconditionFailedException($"image {image} has no protected snapshot " +
                    $"@{ImageMetadata.Snapshot} to clone VM disks from: create the image with a VirtualImage; " +
                    $"nothing was changed");
            effective = await WithImageDefaultsAsync(a, rbd, image, ctx);
        }
        var networks = await ctx.StepAsync("read VLAN networks", member.Name, ct => VmNetworks.ReadAsync(host, ct),
            readOnly: true);
        var nics = networks.Layout(member.Name,
            (a.NetworkInterfaces ?? []).Where(n => n is not null).Select(n => n!).ToList());
        var disks = VmLayout.Disks((a.Disks ?? []).Where(d => d is not null).Select(d => d!).ToList(), a.Name!,
            info.VmPool, new Dictionary<string, string>());
        var seed = CloudInitSeed.For(a.Name!, a.CloudInit);
        var seedImage = seed is null ? null : VmLayout.SeedImage(info.VmPool, a.Name!, seed.InstanceId);

        var uuid = existing?.Xml.Uuid ?? Guid.NewGuid();
        var state = States.FromInputs<VirtualMachineArgs, VirtualMachineState>(a);
        state.Uuid = uuid.ToString();
        state.CurrentHost = member.Name;
        state.State = "creating";
        state.AttachedDisks = disks.Select(d => new VmDiskState { Name = d.Name, RbdImage = d.Image.ToString(),
            SizeGiB = d.SizeGiB, Target = d.TargetDev }).ToList();
        state.AttachedNetworkInterfaces = nics.Select(n => new VmNetworkInterfaceState { Name = n.Name,
            Vlan = n.Network, Mac = n.Mac, Model = VmNetworks.ModelFrom(n.Model) }).ToList();
        try
        {
            await MaterializeAsync(effective, info, member.Name, host, uuid, disks, nics, image, seed, seedImage,
                stateNamesThem: false, ctx);
            await ReadIntoAsync(state, conn, uuid.ToString(), ctx, (member.Name, networks), askGuest: false);
            return (uuid.ToString(), state);
        }
        catch (Exception e) when (ctx.ChangesMayHaveStarted && e is not OperationCanceledException)
        {
            throw Failures.InitFailed(uuid.ToString(), state, e,
                "run `pulumi up` again to finish it, or `pulumi destroy` to remove what was made");
        }
    }

    /// <summary>
    /// Makes whatever of the VM does not exist yet: disks (cloned or blank), the seed, the domain,
    /// and starts it. Everything is looked for first, so a create cut short finishes here on the
    /// next `up`; each object is marked with the resource's URN as it is made, and one found
    /// already is carried on only when it is this resource's (<paramref name="stateNamesThem"/>:
    /// the state of a create cut short names them, so unmarked ones are taken too).
    /// </summary>
    private static async Task MaterializeAsync(VirtualMachineArgs a, ClusterInfo info, string hostName, RemoteHost host,
        Guid uuid, IReadOnlyList<VmDiskLayout> disks, IReadOnlyList<VmNicLayout> nics, RbdImageRef? image,
        CloudInitSeed? seed, RbdImageRef? seedImage, bool stateNamesThem, OperationContext ctx)
    {
        var rbd = new Rbd(host, ClusterConnection.CephContext);
        for (var i = 0; i < disks.Count; i++)
        {
            var d = disks[i];
            await ctx.StepAsync(i == 0 && image is not null ? "clone boot disk" : "create disk", hostName, ct =>
                OwnedRbdImage.EnsureAsync(rbd, d.Image, ctx.Urn, stateNamesThem,
                    i == 0 && image is not null ? rbd.CloneCall(image, ImageMetadata.Snapshot, d.Image,
                        null) : rbd.CreateCall(d.Image, d.SizeGiB * GiB, null), ct));
            if (i == 0 && image is not null)
                await ctx.StepAsync("resize boot disk", hostName, async ct =>
                {
                    var now = await rbd.InfoAsync(d.Image, ct);
                    if (now.SizeBytes > d.SizeGiB * GiB)
                        throw new PreconditionFailedException($"disk {d.Name} is {d.SizeGiB} GiB but image {image} " +
                            $"is {now.SizeBytes / (double)GiB:0.#} GiB: make the boot disk at least as large as the " +
                            $"image");
                    if (now.SizeBytes < d.SizeGiB * GiB) await rbd.ResizeAsync(d.Image, d.SizeGiB * GiB,
                        allowShrink: false, ct);
                });
        }
        if (seed is not null) await ctx.StepAsync("build cloud-init seed", hostName,
            ct => seed.ImportAsync(host, seedImage!, ctx.Urn, stateNamesThem, ct));
        var virsh = new Virsh(host);
        var defined = await ctx.StepAsync("look for VM", hostName, ct => virsh.ListAsync(ct), readOnly: true);
        if (!defined.Any(d => d.Uuid == uuid))
        {
            var spec = VmSpec.Build(a, info, uuid, hostName, disks, nics, seedImage, ctx.Urn);
            await ctx.StepAsync("define VM", hostName, ct => virsh.DefineAsync(DomainXml.FromSpec(spec), ct: ct));
        }
        if (a.PowerState != PowerState.Stopped) await ctx.StepAsync("start VM", hostName,
            ct => virsh.StartAsync(a.Name!, ct));
    }

    /// <summary>
    /// The image's own settings (written by VirtualImage into its RBD metadata): its firmware and
    /// OS type fill what the VM leaves out, and its minimum memory is enforced before any change.
    /// </summary>
    private static async Task<VirtualMachineArgs> WithImageDefaultsAsync(VirtualMachineArgs a, Rbd rbd,
        RbdImageRef image, OperationContext ctx)
    {
        var meta = await ctx.StepAsync("read image settings", rbd.Host.Name, ct => rbd.ImageMetaListAsync(image, ct),
            readOnly: true);
        if (meta.TryGetValue(ImageMetadata.MinimumMemoryMiB, out var min) && int.TryParse(min, out var minMiB)
            && (a.MemoryMiB ?? 0) < minMiB)
            throw new PreconditionFailedException($"image {image} needs at least {minMiB} MiB of memory (its " +
                $"minimumMemoryMiB); the VM has memoryMiB {a.MemoryMiB}; nothing was changed");
        var firmware = a.Firmware
            ?? (meta.GetValueOrDefault(ImageMetadata.Firmware) == "uefi" ? Firmware.Uefi : (Firmware?)null);
        var osType = a.OsType
            ?? (meta.GetValueOrDefault(ImageMetadata.OsType) == "windows" ? OsType.Windows : (OsType?)null);
        if (firmware == a.Firmware && osType == a.OsType) return a;
        var copy = States.FromInputs<VirtualMachineArgs, VirtualMachineArgs>(a);
        copy.Firmware = firmware;
        copy.OsType = osType;
        return copy;
    }
}
