#!/usr/bin/env bash
# Builds (or finds in the cache) the lab's guest image: a small Debian 12 qcow2 that boots under
# plain BIOS from its own disk in a TCG domain, runs cloud-init from a NoCloud seed and answers
# the QEMU guest agent. Prints the image's path on stdout; everything else goes to stderr.
# See README.md beside this file for what is inside and why.
#
# The image is named after a hash of its recipe (this script and the lib.sh functions it calls),
# so a change to the recipe builds a new image and an unchanged one reuses the cached image.
set -euo pipefail
GUEST_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$GUEST_DIR/../lib.sh"

# Installed with apt inside the chroot after debootstrap (--no-install-recommends). Nothing for
# SSH, documentation or locales beyond what cloud-init itself depends on. dbus is only a
# recommendation of systemd, but without it systemd-logind never starts, and logind is what acts
# on the ACPI power button and what `shutdown +0` (the guest agent's guest-shutdown) asks: a guest
# without it ignores every clean shutdown request.
GUEST_PACKAGES=(linux-image-cloud-amd64 initramfs-tools udev dbus cloud-init cloud-guest-utils qemu-guest-agent iproute2)
GUEST_DEBOOTSTRAP_INCLUDE="systemd,systemd-sysv,ca-certificates"
GUEST_DISK_SIZE="2G"        # virtual size; the VM resource grows the boot disk and cloud-init the filesystem
GUEST_LABEL="mvm-root"      # the root filesystem's label: the kernel command line and fstab find it by this
GUEST_PART_START_MIB=1
GUEST_HOSTNAME="mvm-guest"  # until cloud-init sets the one from the seed's meta-data

guest_recipe_hash() {
  # Only the lib.sh functions used here: other changes to lib.sh do not rebuild the guest.
  { cat "$GUEST_DIR/build-guest.sh"; declare -f lab_write_file lab_host_write_apt_sources; echo "$LAB_SUITE"; } \
    | sha256sum | cut -c1-12
}

GUEST_IMAGE="$LAB_CACHE/guest-$LAB_SUITE-$(guest_recipe_hash).qcow2"

# Everything mounted or attached during a build, undone on any exit.
guest_mounts=()
guest_loop=""
guest_tmp=""
guest_cleanup() {
  local i
  for ((i = ${#guest_mounts[@]} - 1; i >= 0; i--)); do
    umount "${guest_mounts[$i]}" 2>/dev/null || umount -l "${guest_mounts[$i]}" 2>/dev/null || true
  done
  guest_mounts=()
  if [[ -n "$guest_loop" ]]; then losetup -d "$guest_loop" 2>/dev/null || true; guest_loop=""; fi
}

guest_mount() {  # mount args... ; the last argument is the mount point
  mount "$@"
  guest_mounts+=("${!#}")
}

guest_missing_tools() {
  local cmd
  for cmd in debootstrap qemu-img extlinux sfdisk mkfs.ext4 losetup fstrim flock; do
    command -v "$cmd" >/dev/null 2>&1 || echo "$cmd"
  done
  [[ -f /usr/lib/syslinux/mbr/mbr.bin ]] || echo "/usr/lib/syslinux/mbr/mbr.bin"
  return 0
}

guest_in_chroot() {  # root argv...
  local root="$1"
  shift
  LC_ALL=C DEBIAN_FRONTEND=noninteractive chroot "$root" "$@"
}

# What the guest needs beyond the packages: boot, cloud-init, agent and hot-plug settings.
guest_configure() {
  local root="$1" kernel initrd
  printf '%s\n' "$GUEST_HOSTNAME" >"$root/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$GUEST_HOSTNAME" >"$root/etc/hosts"
  printf 'LABEL=%s\t/\text4\tdefaults,errors=remount-ro\t0\t1\n' "$GUEST_LABEL" >"$root/etc/fstab"
  # Empty machine-id: every clone of the image gets its own on first boot.
  : >"$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id"

  # cloud-init: only the NoCloud seed (no probing of cloud metadata services over a network the
  # guest may not have), networkd as the renderer (no ifupdown/dhclient at boot).
  lab_write_file "$root/etc/cloud/cloud.cfg.d/90-mvm-guest.cfg" 0644 <<'EOF'
# mvm lab guest: configuration comes from a NoCloud seed (a CD-ROM labelled cidata) only.
datasource_list: [NoCloud, None]
system_info:
  network:
    renderers: [networkd]
# Only the modules a lab guest uses: under TCG every module cloud-init imports costs boot time.
# (No SSH server, snaps, config managers, locales or NTP here.)
cloud_init_modules: [seed_random, bootcmd, write-files, growpart, resizefs, disk_setup, mounts,
  set_hostname, update_hostname, update_etc_hosts, users-groups]
cloud_config_modules: [set-passwords, apt-configure, timezone, runcmd]
cloud_final_modules: [package-update-upgrade-install, write-files-deferred, scripts-vendor,
  scripts-per-once, scripts-per-boot, scripts-per-instance, scripts-user, final-message,
  power-state-change]
EOF
  # The locale every Debian system has; en_US.UTF-8 would need locale-gen on first boot.
  printf 'LANG=C.UTF-8\n' >"$root/etc/default/locale"

  # networkd brings up what cloud-init renders. wait-online would hold boot (and cloud-init's
  # later stages) for two minutes when the guest has no NIC or no address yet: bound it.
  systemctl --root="$root" enable systemd-networkd.service >/dev/null 2>&1
  lab_write_file "$root/etc/systemd/system/systemd-networkd-wait-online.service.d/50-mvm-guest.conf" 0644 <<'EOF'
[Service]
ExecStart=
ExecStart=/lib/systemd/systemd-networkd-wait-online --any --timeout=20
EOF

  # A vCPU hot-plugged by `virsh setvcpus --live` arrives offline; bring it online as it appears.
  lab_write_file "$root/etc/udev/rules.d/80-mvm-cpu-online.rules" 0644 <<'EOF'
# mvm lab guest: hot-plugged CPUs come online at once
SUBSYSTEM=="cpu", ACTION=="add", TEST=="online", ATTR{online}=="0", ATTR{online}="1"
EOF

  # Started as soon as the root filesystem is writable instead of after sysinit.target, which
  # waits for cloud-init's first two stages (a minute or two under TCG):
  # - the agent answers as soon as its virtio port appears, so the host can watch cloud-init
  #   progress through it;
  # - a clean shutdown needs systemd-logind (it acts on the ACPI power button and schedules the
  #   agent's `shutdown +0`), and logind needs the D-Bus system bus; a shutdown asked for before
  #   they run is lost, so this way a guest can be shut down while cloud-init still runs (which
  #   then stops at once).
  local early
  for early in qemu-guest-agent.service dbus.socket dbus.service systemd-logind.service; do
    lab_write_file "$root/etc/systemd/system/$early.d/50-mvm-guest.conf" 0644 <<'EOF'
[Unit]
DefaultDependencies=no
After=local-fs.target
Conflicts=shutdown.target
Before=shutdown.target
EOF
  done
  # Without its default dependencies the socket would no longer be ordered before sockets.target.
  printf 'Before=sockets.target\n' >>"$root/etc/systemd/system/dbus.socket.d/50-mvm-guest.conf"

  # Units that only cost time in a short-lived test guest.
  local unit
  for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
      systemd-binfmt.service proc-sys-fs-binfmt_misc.automount getty-static.service; do
    ln -sfn /dev/null "$root/etc/systemd/system/$unit"
  done

  # Boot loader: extlinux on the root filesystem, syslinux's MBR code in front of the partition.
  kernel="$(cd "$root/boot" && ls vmlinuz-* | sort -V | tail -n1)"
  initrd="initrd.img-${kernel#vmlinuz-}"
  [[ -f "$root/boot/$initrd" ]] || die "no initramfs $initrd beside $kernel in the guest"
  mkdir -p "$root/boot/extlinux"
  local out
  out="$(extlinux --install "$root/boot/extlinux" 2>&1)" || die "extlinux --install failed: $out"
  lab_write_file "$root/boot/extlinux/extlinux.conf" 0644 <<EOF
# mvm lab guest: boot at once, console on the first serial port
DEFAULT linux
TIMEOUT 0
PROMPT 0
LABEL linux
  LINUX /boot/$kernel
  INITRD /boot/$initrd
  APPEND root=LABEL=$GUEST_LABEL ro console=ttyS0,115200n8 net.ifnames=0 quiet mitigations=off
EOF
}

# initramfs with only what finds the root disk: the cloud kernel builds virtio as modules, and
# MODULES=most would pack hundreds of drivers that TCG then has to decompress on every boot.
guest_write_initramfs_config() {
  local root="$1"
  lab_write_file "$root/etc/initramfs-tools/conf.d/50-mvm-guest.conf" 0644 <<'EOF'
MODULES=list
COMPRESS=gzip
EOF
  lab_write_file "$root/etc/initramfs-tools/modules" 0644 <<'EOF'
# mvm lab guest: the root disk is virtio-blk (or virtio-scsi) with ext4
virtio_pci
virtio_blk
virtio_scsi
sd_mod
ext4
EOF
}

guest_build() {
  local started=$SECONDS mirror raw mnt part_offset part_size
  mirror="$(lab_mirror)"
  guest_tmp="$(mktemp -d "$LAB_CACHE/guest-build.XXXXXX")"
  raw="$guest_tmp/disk.raw"
  mnt="$guest_tmp/root"
  trap 'guest_cleanup; [[ -z "$guest_tmp" ]] || rm -rf "$guest_tmp"' EXIT
  log "building guest image $GUEST_IMAGE ($LAB_SUITE from $mirror)"

  # One bootable MBR partition from 1 MiB to the end; the filesystem is made through a loop
  # device at the partition's offset, so no partition scanning (or device-mapper) is needed.
  truncate -s "$GUEST_DISK_SIZE" "$raw"
  printf 'label: dos\nstart=%dMiB, type=83, bootable\n' "$GUEST_PART_START_MIB" | sfdisk -q "$raw"
  part_offset=$((GUEST_PART_START_MIB * 1024 * 1024))
  part_size=$(($(stat -c %s "$raw") - part_offset))
  guest_loop="$(losetup --find --show --offset "$part_offset" --sizelimit "$part_size" "$raw")"
  # extlinux 6.04 cannot boot from ext4 with 64-bit block numbers.
  mkfs.ext4 -q -L "$GUEST_LABEL" -O ^64bit -E lazy_itable_init=0,lazy_journal_init=0 "$guest_loop"
  mkdir -p "$mnt"
  guest_mount "$guest_loop" "$mnt"

  if ! debootstrap --variant=minbase --include="$GUEST_DEBOOTSTRAP_INCLUDE" "$LAB_SUITE" "$mnt" "$mirror" \
      >"$LAB_CACHE/guest-debootstrap.log" 2>&1; then
    tail -n 20 "$LAB_CACHE/guest-debootstrap.log" >&2
    die "debootstrap of the guest failed (full log: $LAB_CACHE/guest-debootstrap.log)"
  fi
  log "guest: debootstrap done ($((SECONDS - started)) s)"

  rm -f "$mnt/etc/apt/sources.list"
  lab_host_write_apt_sources "$mnt"
  guest_write_initramfs_config "$mnt"
  # Documentation, man pages and translations are most of a minimal system's files and nobody
  # reads them in a test guest; dpkg skips them from here on.
  lab_write_file "$mnt/etc/dpkg/dpkg.cfg.d/50-mvm-guest-nodoc" 0644 <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
path-exclude=/usr/share/lintian/*
EOF
  # No daemon may start inside the chroot.
  printf '#!/bin/sh\nexit 101\n' | lab_write_file "$mnt/usr/sbin/policy-rc.d" 0755
  guest_mount -t proc proc "$mnt/proc"
  guest_mount -t sysfs sysfs "$mnt/sys"
  guest_mount --bind /dev "$mnt/dev"
  guest_mount --bind /dev/pts "$mnt/dev/pts"
  printf 'nameserver %s\n' "$(lab_dns_server)" >"$mnt/etc/resolv.conf"
  if ! { guest_in_chroot "$mnt" apt-get update -qq \
      && guest_in_chroot "$mnt" apt-get install -y -qq --no-install-recommends "${GUEST_PACKAGES[@]}"; } \
      >"$LAB_CACHE/guest-apt.log" 2>&1; then
    tail -n 20 "$LAB_CACHE/guest-apt.log" >&2
    die "installing the guest's packages failed (full log: $LAB_CACHE/guest-apt.log)"
  fi
  log "guest: packages installed ($((SECONDS - started)) s, $(du -sxh "$mnt" | cut -f1) in the root filesystem)"
  rm -f "$mnt/usr/sbin/policy-rc.d"
  guest_configure "$mnt"

  # Leave no build-time state: package caches and indexes, logs, the resolver of this machine.
  guest_in_chroot "$mnt" apt-get clean
  rm -rf "$mnt"/var/lib/apt/lists/* "$mnt"/var/log/*.log "$mnt"/var/log/apt/* "$mnt/etc/resolv.conf" "$mnt"/tmp/*
  mkdir -p "$mnt/var/lib/apt/lists/partial"
  guest_cleanup  # unmounts proc/sys/dev and the root, detaches the loop device
  # Freed blocks of the build (debootstrap's .debs …) become holes, so the qcow2 stays small.
  guest_loop="$(losetup --find --show --offset "$part_offset" --sizelimit "$part_size" "$raw")"
  guest_mount "$guest_loop" "$mnt"
  fstrim "$mnt"
  guest_cleanup
  # Boot code: syslinux's MBR jumps to the active partition, whose first sector extlinux wrote.
  dd if=/usr/lib/syslinux/mbr/mbr.bin of="$raw" bs=440 count=1 conv=notrunc status=none

  qemu-img convert -q -c -f raw -O qcow2 "$raw" "$guest_tmp/disk.qcow2"
  mv "$guest_tmp/disk.qcow2" "$GUEST_IMAGE"
  # Older recipes' images are dead weight in the cache.
  find "$LAB_CACHE" -maxdepth 1 -name "guest-$LAB_SUITE-*.qcow2" ! -path "$GUEST_IMAGE" -delete
  log "guest image ready: $GUEST_IMAGE ($(du -h "$GUEST_IMAGE" | cut -f1), built in $((SECONDS - started)) s)"
}

main() {
  local missing
  lab_require_root
  missing="$(guest_missing_tools)"
  [[ -z "$missing" ]] || die "missing on this machine: $(echo "$missing" | tr '\n' ' ') (tests/lab/lib.sh lab_install_prereqs installs them)"
  mkdir -p "$LAB_CACHE"
  # Two builds at once (two test runs) would race on the same file: the second waits and reuses.
  exec 8>"$LAB_CACHE/guest.lock"
  flock -w 900 8 || die "another guest image build holds $LAB_CACHE/guest.lock"
  if [[ -f "$GUEST_IMAGE" ]]; then
    log "reusing cached guest image $GUEST_IMAGE"
  else
    guest_build
  fi
  echo "$GUEST_IMAGE"
}

main "$@"
