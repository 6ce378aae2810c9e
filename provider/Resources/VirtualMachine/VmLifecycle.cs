using Mvm.Cluster;
using Mvm.Core;
using Mvm.Framework;
using Mvm.Resources.MvmCluster;
using Mvm.Resources.Shared;
using Mvm.Resources.VirtualImage;
using Mvm.Tools;
using Mvm.Transport;

namespace Mvm.Resources.VirtualMachine;

/// <summary>
/// VirtualMachine's create, read and delete. Create checks everything it can before the first
/// change (host, image, networks), then makes disks, seed and domain under a UUID chosen up
/// front, so a failure part-way is an init failure whose state names every object made; the next
/// `up` finds them by name and UUID and carries on. Read follows the domain by UUID to whichever
/// host it runs on.
/// </summary>
public static class VmLifecycle
{
    private const long GiB = 1L << 30;
    public static readonly TimeSpan ShutdownWait = TimeSpan.FromSeconds(60);

    /// <summary>Through the guest agent when it answers (a minimal guest may not act on the ACPI button), else ACPI.</summary>
    public const string GuestShutdownModes = "agent,acpi";

    public static async Task<(string Id, VirtualMachineState State)> CreateAsync(VirtualMachineArgs a, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(a.ConnectString, ctx);
        var info = conn.Info;
        // A domain already under this name is carried on only when this resource defined it (a
        // create cut short after `virsh define`: the plugin killed, the engine never got an answer);
        // it then keeps its host and UUID. Any other is refused.
        var existing = await VmHosts.FindAsync(conn, a.Name!, a.Host, ctx);
        if (existing is not null && !Ownership.IsMine(existing.Config.Metadata, VmMetadata.Owner, ctx.Urn))
            throw new PreconditionFailedException($"a VM named {a.Name} already exists on {existing.Member.Name} (UUID {existing.Xml.Uuid}) and is not this resource's: " +
                $"{Ownership.Describe(existing.Config.Metadata, VmMetadata.Owner)}. Import it (`pulumi import mvm:index:VirtualMachine <resource> {a.Name}` " +
                "with mvm:importConnectString set) or choose another name; nothing was changed");
        var (member, host) = existing is not null ? (existing.Member, existing.Host)
            : await VmHosts.ChooseAsync(conn, a.Host, (long)(a.MaxMemoryMiB ?? a.MemoryMiB ?? 512) * 1024, ctx);
        if (existing is not null) await ctx.InfoAsync($"VM {a.Name} was left defined on {member.Name} by a create of this resource that was cut short: finishing it");

        var rbd = new Rbd(host, ClusterConnection.CephContext);
        var image = a.Image is null ? null : ImageRef(a.Image, info.VmPool);
        var effective = a;
        if (image is not null)
        {
            var snaps = await ctx.StepAsync("check image", member.Name, ct => rbd.SnapListAsync(image, ct), readOnly: true);
            if (!snaps.Any(s => s.Name == ImageSnapshot && s.Protected))
                throw new PreconditionFailedException($"image {image} has no protected snapshot @{ImageSnapshot} to clone VM disks from: create the image with a VirtualImage; nothing was changed");
            effective = await WithImageDefaultsAsync(a, rbd, image, ctx);
        }
        var networks = await ctx.StepAsync("read VLAN networks", member.Name, ct => VmNetworks.ReadAsync(host, ct), readOnly: true);
        var nics = networks.Layout(member.Name, (a.NetworkInterfaces ?? []).Where(n => n is not null).Select(n => n!).ToList());
        var disks = VmLayout.Disks((a.Disks ?? []).Where(d => d is not null).Select(d => d!).ToList(), a.Name!, info.VmPool, new Dictionary<string, string>());
        var seed = CloudInitSeed.For(a.Name!, a.CloudInit);
        var seedImage = seed is null ? null : VmLayout.SeedImage(info.VmPool, a.Name!, seed.InstanceId);

        var uuid = existing?.Xml.Uuid ?? Guid.NewGuid();
        var state = States.FromInputs<VirtualMachineArgs, VirtualMachineState>(a);
        state.Uuid = uuid.ToString();
        state.CurrentHost = member.Name;
        state.State = "creating";
        state.AttachedDisks = disks.Select(d => new VmDiskState { Name = d.Name, RbdImage = d.Image.ToString(), SizeGiB = d.SizeGiB, Target = d.TargetDev }).ToList();
        state.AttachedNetworkInterfaces = nics.Select(n => new VmNetworkInterfaceState { Name = n.Name, Vlan = n.Network, Mac = n.Mac, Model = VmNetworks.ModelFrom(n.Model) }).ToList();
        try
        {
            await MaterializeAsync(effective, info, member.Name, host, uuid, disks, nics, image, seed, seedImage, stateNamesThem: false, ctx);
            await ReadIntoAsync(state, conn, uuid.ToString(), ctx, (member.Name, networks), askGuest: false);
            return (uuid.ToString(), state);
        }
        catch (Exception e) when (ctx.ChangesMayHaveStarted && e is not OperationCanceledException)
        {
            throw Failures.InitFailed(uuid.ToString(), state, e, "run `pulumi up` again to finish it, or `pulumi destroy` to remove what was made");
        }
    }

    /// <summary>
    /// Makes whatever of the VM does not exist yet: disks (cloned or blank), the seed, the domain,
    /// and starts it. Everything is looked for first, so a create cut short finishes here on the
    /// next `up`; each object is marked with the resource's URN as it is made, and one found
    /// already is carried on only when it is this resource's (<paramref name="stateNamesThem"/>:
    /// the state of a create cut short names them, so unmarked ones are taken too).
    /// </summary>
    public static async Task MaterializeAsync(VirtualMachineArgs a, ClusterInfo info, string hostName, IHost host, Guid uuid,
        IReadOnlyList<VmDiskLayout> disks, IReadOnlyList<VmNicLayout> nics, RbdImageRef? image, CloudInitSeed? seed, RbdImageRef? seedImage,
        bool stateNamesThem, OperationContext ctx)
    {
        var rbd = new Rbd(host, ClusterConnection.CephContext);
        for (var i = 0; i < disks.Count; i++)
        {
            var d = disks[i];
            await ctx.StepAsync(i == 0 && image is not null ? "clone boot disk" : "create disk", hostName, ct =>
                OwnedRbdImage.EnsureAsync(rbd, d.Image, ctx.Urn, stateNamesThem,
                    i == 0 && image is not null ? rbd.CloneCall(image, ImageSnapshot, d.Image, null) : rbd.CreateCall(d.Image, d.SizeGiB * GiB, null), ct));
            if (i == 0 && image is not null)
                await ctx.StepAsync("resize boot disk", hostName, async ct =>
                {
                    var now = await rbd.InfoAsync(d.Image, ct);
                    if (now.SizeBytes > d.SizeGiB * GiB)
                        throw new PreconditionFailedException($"disk {d.Name} is {d.SizeGiB} GiB but image {image} is {now.SizeBytes / (double)GiB:0.#} GiB: make the boot disk at least as large as the image");
                    if (now.SizeBytes < d.SizeGiB * GiB) await rbd.ResizeAsync(d.Image, d.SizeGiB * GiB, allowShrink: false, ct);
                });
        }
        if (seed is not null) await ctx.StepAsync("build cloud-init seed", hostName, ct => seed.ImportAsync(host, seedImage!, ctx.Urn, stateNamesThem, ct));
        var virsh = new Virsh(host);
        var defined = await ctx.StepAsync("look for VM", hostName, ct => virsh.ListAsync(ct), readOnly: true);
        if (!defined.Any(d => d.Uuid == uuid))
        {
            var spec = VmSpec.Build(a, info, uuid, hostName, disks, nics, seedImage, ctx.Urn);
            await ctx.StepAsync("define VM", hostName, ct => virsh.DefineAsync(DomainXml.FromSpec(spec), ct: ct));
        }
        if (a.PowerState != PowerState.Stopped) await ctx.StepAsync("start VM", hostName, ct => virsh.StartAsync(a.Name!, ct));
    }

    /// <summary>
    /// The image's own settings (written by VirtualImage into its RBD metadata): its firmware and
    /// OS type fill what the VM leaves out, and its minimum memory is enforced before any change.
    /// </summary>
    public static async Task<VirtualMachineArgs> WithImageDefaultsAsync(VirtualMachineArgs a, Rbd rbd, RbdImageRef image, OperationContext ctx)
    {
        var meta = await ctx.StepAsync("read image settings", rbd.Host.Name, ct => rbd.ImageMetaListAsync(image, ct), readOnly: true);
        if (meta.TryGetValue(ImageMetadata.MinimumMemoryMiB, out var min) && int.TryParse(min, out var minMiB) && (a.MemoryMiB ?? 0) < minMiB)
            throw new PreconditionFailedException($"image {image} needs at least {minMiB} MiB of memory (its minimumMemoryMiB); the VM has memoryMiB {a.MemoryMiB}; nothing was changed");
        var firmware = a.Firmware ?? (meta.GetValueOrDefault(ImageMetadata.Firmware) == "uefi" ? Firmware.Uefi : (Firmware?)null);
        var osType = a.OsType ?? (meta.GetValueOrDefault(ImageMetadata.OsType) == "windows" ? OsType.Windows : (OsType?)null);
        if (firmware == a.Firmware && osType == a.OsType) return a;
        var copy = States.FromInputs<VirtualMachineArgs, VirtualMachineArgs>(a);
        copy.Firmware = firmware;
        copy.OsType = osType;
        return copy;
    }

    public static async Task<VirtualMachineState?> ReadAsync(string id, VirtualMachineState? state, OperationContext ctx)
    {
        var connectString = state?.ConnectString ?? ctx.Config.ImportConnectString
            ?? throw new PreconditionFailedException($"importing VirtualMachine \"{id}\" needs its cluster: set the provider's importConnectString to the MvmCluster's connectString " +
                "(`pulumi config set --secret mvm:importConnectString …`), then import again by the domain's name or UUID.");
        var conn = ClusterConnection.Open(connectString, ctx);
        var s = state ?? new VirtualMachineState { ConnectString = connectString };
        return await ReadIntoAsync(s, conn, id, ctx) ? s : null;
    }

    public static async Task DeleteAsync(string id, VirtualMachineState state, OperationContext ctx)
    {
        var conn = ClusterConnection.Open(state.ConnectString, ctx);
        var found = await VmHosts.FindAsync(conn, id, state.CurrentHost, ctx);
        IHost? host = found?.Host;
        if (found is not null)
        {
            var virsh = new Virsh(found.Host);
            var name = found.Xml.Name;
            if (found.Xml.Id is not null)
            {
                await ctx.StatusAsync($"shutting down VM {name} on {found.Member.Name} (forced off after {ShutdownWait.TotalSeconds:0} s)");
                var off = await ctx.StepAsync("shut down VM", found.Member.Name, ct => virsh.ShutdownAsync(name, ShutdownWait, GuestShutdownModes, ct));
                if (!off)
                {
                    await ctx.StepAsync("power off VM", found.Member.Name, ct => virsh.DestroyAsync(name, ct));
                    await ctx.InfoAsync($"VM {name} did not shut down within {ShutdownWait.TotalSeconds:0} s; it was powered off");
                }
            }
            await ctx.StepAsync("undefine VM", found.Member.Name, ct => virsh.UndefineAsync(name, ct: ct));
        }
        // Disks are found from what the state recorded, so a create that failed before the domain existed is still cleaned up.
        host ??= (await VmHosts.ChooseAsync(conn, null, 0, ctx)).Host;
        var rbd = new Rbd(host, ClusterConnection.CephContext);
        var images = new List<RbdImageRef>();
        if (state.RetainDisks != true)
            images.AddRange((state.AttachedDisks ?? []).Select(d => VmState.SplitRbd(d.RbdImage)).Where(p => p.Image is not null).Select(p => new RbdImageRef(p.Pool!, p.Image!)));
        images.AddRange(await SeedImagesAsync(rbd, conn.Info.VmPool, state.Name!, ctx));
        // A disk image whose name the Rbd client refuses (state written before Check was anchored,
        // e.g. a disk named "data\n": the create stopped when that disk was to be made) was never
        // made by this provider, since every rbd command of it refuses that name, creates included.
        // rbd itself would take such a name, so an image of that name may exist, made by someone
        // else: not ours to remove. Asking about it would only fail again and wedge the delete.
        foreach (var image in images.Distinct().Where(i => i.IsNameable))
            await ctx.StepAsync($"remove {image}", host.Name, async ct =>
            {
                if (await rbd.FindAsync(image, ct) is not null) await rbd.RemoveAsync(image, ct);
            });
    }

    /// <summary>The VM's seed images (one per cloud-init content it had): every `NAME-seed-*` in the pool.</summary>
    public static async Task<IReadOnlyList<RbdImageRef>> SeedImagesAsync(Rbd rbd, string pool, string vm, OperationContext ctx)
    {
        var listing = await ctx.StepAsync("list images", rbd.Host.Name, ct => rbd.ListAsync(pool, null, ct), readOnly: true);
        return listing.Images.Where(i => i.Image.StartsWith(vm + "-seed-", StringComparison.Ordinal)).Select(i => new RbdImageRef(pool, i.Image)).ToList();
    }

    /// <summary>
    /// Finds the domain and fills the state from it; false only when every member answered and none
    /// has it (a member that could not be asked makes it throw: see <see cref="VmHosts.FindAsync"/>).
    /// <paramref name="known"/>: a host's VLAN networks this operation has already read (a create
    /// reads them to lay out the NICs), used when the domain is found there. <paramref name="askGuest"/>:
    /// false right after a start, when no guest agent can be up yet (the next refresh reads the addresses).
    /// </summary>
    public static async Task<bool> ReadIntoAsync(VirtualMachineState s, ClusterConnection conn, string id, OperationContext ctx,
        (string Host, VmNetworks Networks)? known = null, bool askGuest = true)
    {
        var found = await VmHosts.FindAsync(conn, id, s.CurrentHost, ctx);
        if (found is null) return false;
        var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
        var rbd = new Rbd(found.Host, ClusterConnection.CephContext);
        var pools = found.Xml.Disks.Select(d => VmState.SplitRbd(d.SourceName).Pool).Where(p => p is not null).Distinct();
        foreach (var pool in pools)
        {
            var listing = await ctx.StepAsync("read disk sizes", found.Member.Name, ct => rbd.ListAsync(pool!, null, ct), readOnly: true);
            foreach (var i in listing.Images) sizes[$"{pool}/{i.Image}"] = i.SizeBytes;
        }
        var networks = known is { } k && string.Equals(k.Host, found.Member.Name, StringComparison.OrdinalIgnoreCase) ? k.Networks
            : await ctx.StepAsync("read VLAN networks", found.Member.Name, ct => VmNetworks.ReadAsync(found.Host, ct), readOnly: true);
        VmState.Fill(s, found, sizes, networks, conn.Info.VmPool);
        s.IpAddresses = found.Xml.Id is null || !askGuest ? null : await GuestAddressesAsync(found, ctx);
        return true;
    }

    /// <summary>The guest's own addresses through its agent; null (unknown) while the agent does not answer.</summary>
    private static async Task<List<string>?> GuestAddressesAsync(FoundVm found, OperationContext ctx)
    {
        try
        {
            var nics = await ctx.StepAsync("read guest addresses", found.Member.Name, ct => new Virsh(found.Host).GuestInterfacesAsync(found.Xml.Name, ct), readOnly: true);
            return nics.Where(n => n.Name != "lo").SelectMany(n => n.Addresses).Select(a => a.Address).Where(a => !a.StartsWith("fe80:", StringComparison.OrdinalIgnoreCase)).ToList();
        }
        catch (StepFailedException e) when (e.InnerException is GuestAgentUnavailableException)
        {
            return null;
        }
    }

    public const string ImageSnapshot = "base";

    /// <summary>`name` or `pool/name` of a VirtualImage.</summary>
    public static RbdImageRef ImageRef(string image, string defaultPool)
    {
        var parts = image.Split('/');
        return parts.Length == 2 ? new RbdImageRef(parts[0], parts[1]) : new RbdImageRef(defaultPool, image);
    }
}
