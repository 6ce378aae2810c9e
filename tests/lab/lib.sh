# shellcheck shell=bash
# Shared functions of the mvm test lab: N bare Debian 12 servers booted with real systemd in
# systemd-nspawn containers, reached over real SSH. Sourced by lab-up.sh, lab-down.sh,
# lab-status.sh and lab-check.sh; see README.md beside this file for what it builds and why.
#
# This machine has no systemd as PID 1 (cgroup v1 hierarchies mounted by hand), so nothing here
# may rely on machinectl, systemd-run or a system bus: every process is started, tracked by pid
# file and stopped by these scripts themselves.

# ---------------------------------------------------------------------------------------------
# Configuration (environment overrides in capitals, documented in README.md)
# ---------------------------------------------------------------------------------------------
LAB_NAME="mvm-lab"
LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LAB_HOSTS="${LAB_HOSTS:-3}"
LAB_DISKS="${LAB_DISKS:-2}"
LAB_DISK_SIZE="${LAB_DISK_SIZE:-6G}"
LAB_CACHE="${LAB_CACHE:-/var/cache/mvm-lab}"
LAB_RUN="${LAB_RUN:-/var/lib/mvm-lab}"
LAB_OUT="${LAB_OUT:-$LAB_RUN/out}"
LAB_BOOT_TIMEOUT="${LAB_BOOT_TIMEOUT:-90}"
LAB_APT_LOCK_WAIT="${LAB_APT_LOCK_WAIT:-600}"  # seconds to wait for another apt holding its locks
LAB_SUITE="bookworm"

# Packages of the base rootfs. Changing this list (or LAB_BASE_RECIPE below) rebuilds the cached
# base on the next lab-up. Never libvirt, ceph or openvswitch: the provider installs those itself.
LAB_BASE_INCLUDE="systemd,systemd-sysv,dbus,libpam-systemd,iproute2,iputils-ping,procps,netbase,less,ca-certificates,openssh-server,sudo,python3"
# Bump when lab_base_customise changes, so cached bases built by older scripts are rebuilt.
LAB_BASE_RECIPE="4"
LAB_BASE="$LAB_CACHE/base-$LAB_SUITE"
LAB_BASE_STAMP="$LAB_CACHE/base-$LAB_SUITE.stamp"

# Machine-side names all start with "mvmlab" so they cannot clash with anything else here.
LAB_BR_MGMT="mvmlab-mgmt"     # management: 10.20.0.0/24, gateway + NAT to the Debian mirror
LAB_BR_STOR="mvmlab-stor"     # storage (Ceph public/cluster): 10.20.1.0/24, no way out
LAB_BR_COMP="mvmlab-comp"     # compute trunk: no IPs; the provider puts OVS on the hosts' eth2
LAB_NET_MGMT="10.20.0"
LAB_NET_STOR="10.20.1"
LAB_GW_MGMT="$LAB_NET_MGMT.1"
LAB_GW_STOR="$LAB_NET_STOR.1"
LAB_IPT_FWD="MVMLAB-FORWARD"  # own iptables chains: lab-down removes them without guessing
LAB_IPT_NAT="MVMLAB-POSTROUTING"
LAB_CGROUP_ROOTS=(/sys/fs/cgroup/systemd /sys/fs/cgroup/unified)

# Interface names inside every host (stable, documented in README.md and hosts.json).
LAB_IF_MGMT="eth0"
LAB_IF_STOR="eth1"
LAB_IF_COMP="eth2"
LAB_DISK_NAMES=(vdb vdc vdd)  # stable names inside the hosts (symlinks to the loop nodes)

# qemu-utils, extlinux, syslinux-common and fdisk build the guest image (tests/lab/guest/build-guest.sh).
LAB_PREREQ_PACKAGES=(debootstrap systemd-container iptables openssh-client iproute2 util-linux mount qemu-utils extlinux syslinux-common fdisk)

# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------
log() { printf '[%s] %s\n' "$LAB_NAME" "$*" >&2; }
die() { printf '[%s] ERROR: %s\n' "$LAB_NAME" "$*" >&2; exit 1; }

lab_require_root() {
  [[ "$(id -u)" == 0 ]] || die "the lab needs root (namespaces, bridges, loop devices, iptables)"
}

lab_validate_config() {
  [[ "$LAB_HOSTS" =~ ^[1-8]$ ]] || die "LAB_HOSTS must be 1..8 (got '$LAB_HOSTS')"
  [[ "$LAB_DISKS" =~ ^[0-3]$ ]] || die "LAB_DISKS must be 0..3 (got '$LAB_DISKS')"
  [[ "$LAB_DISK_SIZE" =~ ^[0-9]+[KMGT]?$ ]] || die "LAB_DISK_SIZE must look like 6G (got '$LAB_DISK_SIZE')"
  [[ "$LAB_APT_LOCK_WAIT" =~ ^[0-9]{1,5}$ ]] || die "LAB_APT_LOCK_WAIT must be a number of seconds (got '$LAB_APT_LOCK_WAIT')"
}

# Host names h1..hN and their addresses; the number is the index.
lab_host_names() { local i; for ((i = 1; i <= LAB_HOSTS; i++)); do echo "h$i"; done; }
lab_host_index() { echo "${1#h}"; }
lab_host_mgmt_ip() { echo "$LAB_NET_MGMT.$((10 + $(lab_host_index "$1")))"; }
lab_host_stor_ip() { echo "$LAB_NET_STOR.$((10 + $(lab_host_index "$1")))"; }
lab_host_dir() { echo "$LAB_RUN/hosts/$1"; }
lab_host_root() { echo "$LAB_RUN/hosts/$1/root"; }
# Machine-side ends of a host's veth pairs (<= 15 characters, the kernel's limit).
lab_host_veth() { echo "mvmlab-$1-$2"; }  # $2: m (management), s (storage), c (compute)

# A pid from a pid file, only if that process still runs.
lab_read_live_pid() {
  local file="$1" pid
  [[ -s "$file" ]] || return 1
  pid="$(<"$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# Serialise lab-up/lab-down: two of them interleaving would leave a half-built lab.
lab_lock() {
  mkdir -p "$LAB_CACHE"
  exec 9<"$LAB_CACHE"
  flock -w 600 9 || die "another lab-up/lab-down holds the lock on $LAB_CACHE"
}

# ---------------------------------------------------------------------------------------------
# Prerequisites of this machine
# ---------------------------------------------------------------------------------------------
lab_missing_prereqs() {
  local cmd
  for cmd in debootstrap systemd-nspawn systemd-id128 iptables ssh ssh-keygen ip losetup nsenter flock mountpoint \
      qemu-img extlinux sfdisk; do
    command -v "$cmd" >/dev/null 2>&1 || { echo "$cmd"; }
  done
  [[ -f /usr/lib/syslinux/mbr/mbr.bin ]] || echo "/usr/lib/syslinux/mbr/mbr.bin"
}

# apt-get ARGS... with its output appended to $LAB_APT_LOG. A fresh machine often has another apt
# running (unattended-upgrades, cloud-init): wait up to LAB_APT_LOCK_WAIT seconds for its locks,
# and say so. apt-get waits for the dpkg lock itself (DPkg::Lock::Timeout, printing "Waiting for
# cache lock: …" with -q), but `apt-get update` fails at once on the lists lock (apt 2.6): that
# one is retried here.
lab_apt_get() {
  local deadline=$((SECONDS + LAB_APT_LOCK_WAIT)) said="" pid holder run
  run="$(mktemp)"
  while :; do
    apt-get -q -o DPkg::Lock::Timeout="$LAB_APT_LOCK_WAIT" "$@" >"$run" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
      holder="$(sed -n 's/^Waiting for cache lock: .*It is held by \(process [0-9]* ([^)]*)\).*/\1/p' "$run" | tail -n 1)"
      if [[ -n "$holder" && -z "$said" ]]; then
        log "waiting for another apt to finish (the dpkg lock is held by $holder; up to ${LAB_APT_LOCK_WAIT}s)"
        said=1
      fi
      sleep 1
    done
    if wait "$pid"; then cat "$run" >>"$LAB_APT_LOG"; rm -f "$run"; return 0; fi
    cat "$run" >>"$LAB_APT_LOG"
    holder="$(sed -n 's/^E: Could not get lock .*It is held by \(process [0-9]* ([^)]*)\).*/\1/p' "$run" | head -n 1)"
    if [[ -z "$holder" ]] || ((SECONDS >= deadline)); then rm -f "$run"; return 1; fi
    if [[ -z "$said" ]]; then
      log "waiting for another apt to finish (the apt lock is held by $holder; up to ${LAB_APT_LOCK_WAIT}s)"
      said=1
    fi
    sleep 3
  done
}

# Installs what a fresh Debian 12 machine lacks, quietly; apt-get update only when something is
# missing, so a prepared machine does not touch the network here.
lab_install_prereqs() {
  local missing
  missing="$(lab_missing_prereqs)"
  [[ -z "$missing" ]] && return 0
  log "installing prerequisites (missing: $(echo "$missing" | tr '\n' ' '))"
  export DEBIAN_FRONTEND=noninteractive
  local aptlog
  aptlog="$(mktemp)"
  # Output only on failure: CI logs stay readable.
  if ! LAB_APT_LOG="$aptlog" lab_apt_get update || ! LAB_APT_LOG="$aptlog" lab_apt_get install -y --no-install-recommends "${LAB_PREREQ_PACKAGES[@]}"; then
    tail -n 20 "$aptlog" >&2
    rm -f "$aptlog"
    die "installing ${LAB_PREREQ_PACKAGES[*]} failed"
  fi
  rm -f "$aptlog"
  missing="$(lab_missing_prereqs)"
  [[ -z "$missing" ]] || die "still missing after install: $(echo "$missing" | tr '\n' ' ')"
}

# ---------------------------------------------------------------------------------------------
# The Debian mirror, read from this machine's own apt sources (never hard-coded)
# ---------------------------------------------------------------------------------------------
# Prints the first URI serving suite $1 (e.g. bookworm, bookworm-security) from
# /etc/apt/sources.list, *.list and deb822 *.sources files; files with other endings (e.g. a
# disabled repository) are ignored, as apt ignores them.
lab_apt_uri_for_suite() {
  local suite="$1" f uri
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    # one-line style: deb [options] URI suite components...
    uri="$(awk -v s="$suite" '
      $1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                    if ($(i + 1) == s) { print $i; exit } }' "$f")"
    [[ -n "$uri" ]] && { echo "$uri"; return 0; }
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    # deb822 style: paragraphs separated by blank lines; "Enabled: no" switches one off.
    uri="$(awk -v s="$suite" '
      function flush() {
        if (types ~ /(^| )deb( |$)/ && enabled != "no" && (suites " ") ~ (" " s " ") && uri != "") { print uri; found = 1; exit }
        types = ""; suites = ""; uri = ""; enabled = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      tolower($1) == "types:"   { $1 = ""; types = $0 }
      tolower($1) == "suites:"  { $1 = ""; suites = $0 }
      tolower($1) == "uris:"    { uri = $2 }
      tolower($1) == "enabled:" { enabled = tolower($2) }
      END { if (!found) flush() }' "$f")"
    [[ -n "$uri" ]] && { echo "$uri"; return 0; }
  done
  return 1
}

lab_mirror() {
  local uri
  if [[ -n "${LAB_MIRROR:-}" ]]; then echo "$LAB_MIRROR"; return 0; fi
  uri="$(lab_apt_uri_for_suite "$LAB_SUITE")" \
    || die "no apt source for '$LAB_SUITE' in /etc/apt/sources.list{,.d/*}; set LAB_MIRROR"
  echo "${uri%/}"
}

lab_security_mirror() {
  local uri
  if [[ -n "${LAB_SECURITY_MIRROR:-}" ]]; then echo "$LAB_SECURITY_MIRROR"; return 0; fi
  uri="$(lab_apt_uri_for_suite "$LAB_SUITE-security")" || return 0  # optional
  echo "${uri%/}"
}

# Host part of a URI, for the DNS check inside the hosts.
lab_uri_host() { local u="${1#*://}"; u="${u%%/*}"; u="${u##*@}"; echo "${u%%:*}"; }

# ---------------------------------------------------------------------------------------------
# Base root filesystem (cached between runs)
# ---------------------------------------------------------------------------------------------
lab_base_stamp_text() {
  printf 'suite=%s\ninclude=%s\nrecipe=%s\n' "$LAB_SUITE" "$LAB_BASE_INCLUDE" "$LAB_BASE_RECIPE"
}

lab_base_is_current() {
  [[ -d "$LAB_BASE" && -f "$LAB_BASE_STAMP" ]] && [[ "$(<"$LAB_BASE_STAMP")" == "$(lab_base_stamp_text)" ]]
}

# Things every host shares; per-host identity (hostname, machine-id, keys, addresses) is written
# into each host's overlay by lab_host_customise instead.
lab_base_customise() {
  local root="$1"
  # Per-host identity must not be inherited from the build.
  rm -f "$root"/etc/ssh/ssh_host_*
  : >"$root/etc/machine-id"
  rm -f "$root/etc/resolv.conf" "$root/etc/hostname"
  # Package caches and indexes from the build: a fresh server has neither, and stale indexes
  # would hide a missing "apt-get update" in the provider.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
  mkdir -p "$root/var/lib/apt/lists/partial"
  # Addresses come from systemd-networkd (config written per host).
  systemctl --root="$root" enable systemd-networkd.service >/dev/null 2>&1
  # nvmf-autoconnect (pulled in later by the provider's installs) fails in a container and would
  # leave the host "degraded": mask it now, before it exists.
  ln -sfn /dev/null "$root/etc/systemd/system/nvmf-autoconnect.service"
  # libvirt-guests (installed later by the provider) would hold a host's shutdown or reboot for
  # up to 300 s per running guest. Its SHUTDOWN_TIMEOUT lives in /etc/default/libvirt-guests,
  # a dpkg conffile of libvirt-daemon-system: creating that file before the package is installed
  # makes "apt-get install libvirt-daemon-system" stop at a conffile prompt (verified: it fails
  # with "end of file on stdin at conffile prompt"). A drop-in bounding the stop job instead
  # belongs to no package and is inert until the unit exists.
  mkdir -p "$root/etc/systemd/system/libvirt-guests.service.d"
  printf '# mvm lab: do not hold host shutdown for minutes on guests\n[Service]\nTimeoutStopSec=30\n' \
    >"$root/etc/systemd/system/libvirt-guests.service.d/50-mvm-lab.conf"
  # Users: "mvm" is the sudo user a real deployment starts from; "nosudo" has no sudo rights.
  chroot "$root" useradd -m -s /bin/bash -G sudo mvm
  chroot "$root" useradd -m -s /bin/bash nosudo
  printf 'mvm ALL=(ALL:ALL) NOPASSWD:ALL\n' >"$root/etc/sudoers.d/90-mvm-lab"
  chmod 0440 "$root/etc/sudoers.d/90-mvm-lab"
  # sshd: root by key only, password logins allowed for the other users.
  cat >"$root/etc/ssh/sshd_config.d/50-mvm-lab.conf" <<'EOF'
# mvm lab: keys for root, keys or password for the other users.
PermitRootLogin prohibit-password
PasswordAuthentication yes
KbdInteractiveAuthentication no
UseDNS no
EOF
}

lab_base_build() {
  local mirror tmp started=$SECONDS
  mirror="$(lab_mirror)"
  tmp="$LAB_BASE.building"
  log "building base rootfs ($LAB_SUITE, minbase) from $mirror into $LAB_BASE (cached for later runs)"
  rm -rf "$tmp"
  mkdir -p "$LAB_CACHE"
  if ! debootstrap --variant=minbase --include="$LAB_BASE_INCLUDE" "$LAB_SUITE" "$tmp" "$mirror" \
      >"$LAB_CACHE/debootstrap.log" 2>&1; then
    tail -n 20 "$LAB_CACHE/debootstrap.log" >&2
    die "debootstrap failed (full log: $LAB_CACHE/debootstrap.log)"
  fi
  lab_base_customise "$tmp"
  rm -rf "$LAB_BASE"
  mv "$tmp" "$LAB_BASE"
  lab_base_stamp_text >"$LAB_BASE_STAMP"
  log "base rootfs ready ($(du -sh "$LAB_BASE" | cut -f1), $((SECONDS - started)) s)"
}

lab_ensure_base() {
  if lab_base_is_current; then
    log "reusing cached base rootfs $LAB_BASE"
  else
    lab_base_build
  fi
}

# ---------------------------------------------------------------------------------------------
# Network on the machine side
# ---------------------------------------------------------------------------------------------
# The lab's subnets must not overlap anything this machine already routes.
lab_check_subnets_free() {
  local net
  for net in "$LAB_NET_MGMT.0/24" "$LAB_NET_STOR.0/24"; do
    if ip -4 route show to match "${net%/*}" | grep -v '^default' | grep -vq "dev mvmlab-"; then
      die "subnet $net is already routed on this machine: $(ip -4 route show to match "${net%/*}" | grep -v '^default')"
    fi
  done
}

lab_bridge_up() {
  local br="$1" addr="${2:-}"
  ip link show "$br" >/dev/null 2>&1 || ip link add "$br" type bridge
  # No STP delay: hosts come and go, and learning must not hold traffic for 30 s.
  ip link set "$br" type bridge stp_state 0 forward_delay 0
  if [[ -n "$addr" ]] && ! ip -4 addr show dev "$br" | grep -q " $addr "; then
    ip addr add "$addr" dev "$br"
  fi
  ip link set "$br" up
}

lab_network_up() {
  lab_check_subnets_free
  lab_bridge_up "$LAB_BR_MGMT" "$LAB_GW_MGMT/24"
  lab_bridge_up "$LAB_BR_STOR" "$LAB_GW_STOR/24"   # lets tests on the machine reach storage IPs
  lab_bridge_up "$LAB_BR_COMP"
  # Routing for apt inside the hosts: remember the old ip_forward so lab-down restores it.
  mkdir -p "$LAB_RUN"
  [[ -f "$LAB_RUN/ip_forward.orig" ]] || cat /proc/sys/net/ipv4/ip_forward >"$LAB_RUN/ip_forward.orig"
  echo 1 >/proc/sys/net/ipv4/ip_forward
  # Own chains, hooked in first, so lab-down can remove exactly what it added.
  iptables -t nat -N "$LAB_IPT_NAT" 2>/dev/null || iptables -t nat -F "$LAB_IPT_NAT"
  iptables -t nat -A "$LAB_IPT_NAT" -s "$LAB_NET_MGMT.0/24" ! -d "$LAB_NET_MGMT.0/24" -j MASQUERADE
  iptables -t nat -C POSTROUTING -j "$LAB_IPT_NAT" 2>/dev/null || iptables -t nat -I POSTROUTING 1 -j "$LAB_IPT_NAT"
  iptables -N "$LAB_IPT_FWD" 2>/dev/null || iptables -F "$LAB_IPT_FWD"
  iptables -A "$LAB_IPT_FWD" -i "$LAB_BR_MGMT" -j ACCEPT
  iptables -A "$LAB_IPT_FWD" -o "$LAB_BR_MGMT" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
  iptables -C FORWARD -j "$LAB_IPT_FWD" 2>/dev/null || iptables -I FORWARD 1 -j "$LAB_IPT_FWD"
}

lab_network_down() {
  while iptables -t nat -D POSTROUTING -j "$LAB_IPT_NAT" 2>/dev/null; do :; done
  iptables -t nat -F "$LAB_IPT_NAT" 2>/dev/null || true
  iptables -t nat -X "$LAB_IPT_NAT" 2>/dev/null || true
  while iptables -D FORWARD -j "$LAB_IPT_FWD" 2>/dev/null; do :; done
  iptables -F "$LAB_IPT_FWD" 2>/dev/null || true
  iptables -X "$LAB_IPT_FWD" 2>/dev/null || true
  local link
  # Veths die with their container's namespace; delete leftovers of a crash, then the bridges.
  for link in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep '^mvmlab-' || true); do
    ip link del "$link" 2>/dev/null || true
  done
  if [[ -f "$LAB_RUN/ip_forward.orig" ]]; then
    cat "$LAB_RUN/ip_forward.orig" >/proc/sys/net/ipv4/ip_forward
    rm -f "$LAB_RUN/ip_forward.orig"
  fi
}

# A resolver the hosts can reach: the machine's own, unless it only listens on loopback (which
# the hosts' namespaces cannot reach). LAB_DNS overrides.
lab_dns_server() {
  if [[ -n "${LAB_DNS:-}" ]]; then echo "$LAB_DNS"; return 0; fi
  awk '$1 == "nameserver" && $2 !~ /^127\./ && $2 != "::1" && $2 ~ /^[0-9.]+$/ { print $2; exit }' /etc/resolv.conf | grep . \
    || die "this machine's resolver in /etc/resolv.conf is loopback-only or IPv6; set LAB_DNS to an IPv4 resolver the hosts can reach"
}

# ---------------------------------------------------------------------------------------------
# Data disks: sparse files on loop devices, bound into the hosts
# ---------------------------------------------------------------------------------------------
lab_host_disks_up() {
  local host="$1" dir d img loopdev
  dir="$(lab_host_dir "$host")"
  : >"$dir/disks"
  for ((d = 0; d < LAB_DISKS; d++)); do
    img="$dir/disk-${LAB_DISK_NAMES[$d]}.img"
    [[ -f "$img" ]] || truncate -s "$LAB_DISK_SIZE" "$img"
    loopdev="$(losetup -j "$img" | cut -d: -f1 | head -n1)"
    [[ -n "$loopdev" ]] || loopdev="$(losetup --find --show "$img")" || die "$host: no free loop device for $img"
    # name inside the host, loop node, image, size in bytes
    printf '%s %s %s %s\n' "/dev/${LAB_DISK_NAMES[$d]}" "$loopdev" "$img" "$(stat -c %s "$img")" >>"$dir/disks"
  done
}

lab_detach_loops_under() {
  local dir="$1" img loopdev
  for img in "$dir"/hosts/*/disk-*.img; do
    [[ -f "$img" ]] || continue
    for loopdev in $(losetup -j "$img" | cut -d: -f1); do
      losetup -d "$loopdev" 2>/dev/null || log "could not detach $loopdev ($img)"
    done
  done
}

# ---------------------------------------------------------------------------------------------
# Per-host root filesystem (overlay over the cached base) and identity
# ---------------------------------------------------------------------------------------------
lab_host_mount_root() {
  local host="$1" dir root
  dir="$(lab_host_dir "$host")"
  root="$(lab_host_root "$host")"
  mkdir -p "$dir/upper" "$dir/work" "$root"
  mountpoint -q "$root" || mount -t overlay "overlay-$LAB_NAME-$host" \
    -o "lowerdir=$LAB_BASE,upperdir=$dir/upper,workdir=$dir/work" "$root"
}

lab_write_file() {  # path mode (content on stdin)
  local path="$1" mode="$2"
  mkdir -p "$(dirname "$path")"
  cat >"$path"
  chmod "$mode" "$path"
}

lab_host_write_network() {
  local host="$1" root="$2" dns="$3"
  lab_write_file "$root/etc/systemd/network/10-mvmlab-mgmt.network" 0644 <<EOF
# management network (SSH, apt through NAT on the machine)
[Match]
Name=$LAB_IF_MGMT

[Network]
Address=$(lab_host_mgmt_ip "$host")/24
Gateway=$LAB_GW_MGMT
DNS=$dns
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
  lab_write_file "$root/etc/systemd/network/20-mvmlab-storage.network" 0644 <<EOF
# storage network (Ceph public/cluster traffic)
[Match]
Name=$LAB_IF_STOR

[Network]
Address=$(lab_host_stor_ip "$host")/24
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
  lab_write_file "$root/etc/systemd/network/30-mvmlab-compute.network" 0644 <<EOF
# compute trunk: up, no addresses; the provider attaches it to an OVS bridge
[Match]
Name=$LAB_IF_COMP

[Link]
RequiredForOnline=no

[Network]
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
  printf 'nameserver %s\n' "$dns" | lab_write_file "$root/etc/resolv.conf" 0644
}

lab_host_write_apt_sources() {
  local root="$1" mirror security
  mirror="$(lab_mirror)"
  security="$(lab_security_mirror)"
  rm -f "$root/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$mirror" "$LAB_SUITE" "$LAB_SUITE"
    if [[ -n "$security" ]]; then
      printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        "$security" "$LAB_SUITE"
    fi
  } | lab_write_file "$root/etc/apt/sources.list.d/debian.sources" 0644
}

lab_host_write_hosts_file() {
  local root="$1" h
  {
    printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n\n# mvm lab hosts\n'
    for h in $(lab_host_names); do
      printf '%s\t%s\n' "$(lab_host_mgmt_ip "$h")" "$h"
    done
    for h in $(lab_host_names); do
      printf '%s\t%s-storage\n' "$(lab_host_stor_ip "$h")" "$h"
    done
  } | lab_write_file "$root/etc/hosts" 0644
}

lab_host_write_ssh() {
  local host="$1" root="$2" pub user home
  pub="$(<"$LAB_OUT/id_ed25519.pub")"
  mkdir -p "$root/etc/ssh"
  rm -f "$root"/etc/ssh/ssh_host_*
  ssh-keygen -q -A -f "$root" >/dev/null # fresh host keys, also recorded in known_hosts
  for user in root mvm nosudo; do
    if [[ "$user" == root ]]; then home="$root/root"; else home="$root/home/$user"; fi
    mkdir -p "$home/.ssh"
    printf '%s\n' "$pub" >"$home/.ssh/authorized_keys"
    chmod 0700 "$home/.ssh"
    chmod 0600 "$home/.ssh/authorized_keys"
    chroot "$root" chown -R "$user:" "${home#"$root"}/.ssh"
  done
  printf 'mvm:%s\nnosudo:%s\n' "$(<"$LAB_OUT/mvm-password")" "$(<"$LAB_OUT/mvm-password")" | chroot "$root" chpasswd
}

# Stable names for the data disks: the loop node keeps its kernel name (so lsblk, /sys and the
# path agree) and /dev/vdb, /dev/vdc point at it, like a real server's second and third disk.
lab_host_write_disk_links() {
  local host="$1" root="$2" name loopdev _img _size
  {
    echo "# mvm lab data disks: stable names for the loop devices bound into this host"
    while read -r name loopdev _img _size; do
      printf 'L %s - - - - %s\n' "$name" "$loopdev"
    done <"$(lab_host_dir "$host")/disks"
  } | lab_write_file "$root/etc/tmpfiles.d/mvm-lab-disks.conf" 0644
}

lab_host_customise() {
  local host="$1" dns="$2" root
  root="$(lab_host_root "$host")"
  echo "$host" | lab_write_file "$root/etc/hostname" 0644
  systemd-id128 new | lab_write_file "$root/etc/machine-id" 0444
  lab_host_write_hosts_file "$root"
  lab_host_write_network "$host" "$root" "$dns"
  lab_host_write_apt_sources "$root"
  lab_host_write_ssh "$host" "$root"
  lab_host_write_disk_links "$host" "$root"
}

# ---------------------------------------------------------------------------------------------
# Booting a host: a small supervisor per host runs systemd-nspawn and restarts it when the
# container reboots (nspawn exits 133 on "reboot"), re-attaching the NICs each time.
# ---------------------------------------------------------------------------------------------
# Moves the calling shell into the host's own cgroups. Without a systemd on the machine,
# nspawn --keep-unit stays in the caller's cgroup, so each host needs one of its own or all
# containers would share one cgroup tree.
lab_cgroup_enter() {
  local host="$1" base
  for base in "${LAB_CGROUP_ROOTS[@]}"; do
    [[ -d "$base" ]] || continue
    mkdir -p "$base/$LAB_NAME/$host"
    echo "$BASHPID" >"$base/$LAB_NAME/$host/cgroup.procs"
  done
}

lab_cgroups_remove() {
  local base
  for base in "${LAB_CGROUP_ROOTS[@]}"; do
    [[ -d "$base/$LAB_NAME" ]] || continue
    find "$base/$LAB_NAME" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    [[ -d "$base/$LAB_NAME" ]] && log "cgroup $base/$LAB_NAME still busy"
  done
  return 0
}

lab_nspawn_args() {
  local host="$1" name loopdev _img _size
  local args=(-q -b -D "$(lab_host_root "$host")" -M "$host" --register=no --keep-unit
    --resolv-conf=off --console=read-only
    # All three NICs as veth pairs with chosen names on both ends: eth0/1/2 inside, mvmlab-*
    # outside (attached to the bridges by the supervisor). Implies a private network namespace.
    "--network-veth-extra=$(lab_host_veth "$host" m):$LAB_IF_MGMT"
    "--network-veth-extra=$(lab_host_veth "$host" s):$LAB_IF_STOR"
    "--network-veth-extra=$(lab_host_veth "$host" c):$LAB_IF_COMP")
  while read -r name loopdev _img _size; do
    args+=("--bind=$loopdev:$loopdev")
  done <"$(lab_host_dir "$host")/disks"
  printf '%s\n' "${args[@]}"
}

# Waits for nspawn to create the machine-side veth ends, then plugs them into the bridges.
lab_host_attach_nics() {
  local host="$1" nspawn_pid="$2" kind br veth i
  for kind in m s c; do
    case "$kind" in m) br="$LAB_BR_MGMT" ;; s) br="$LAB_BR_STOR" ;; c) br="$LAB_BR_COMP" ;; esac
    veth="$(lab_host_veth "$host" "$kind")"
    for ((i = 0; i < 300; i++)); do
      ip link show "$veth" >/dev/null 2>&1 && break
      kill -0 "$nspawn_pid" 2>/dev/null || return 1
      sleep 0.1
    done
    ip link set "$veth" master "$br" up || return 1
  done
}

# Runs in the background (setsid) for the life of the host; lab-down stops it with SIGTERM.
lab_host_supervise() {
  local host="$1" dir nspawn_pid rc stopping=0
  dir="$(lab_host_dir "$host")"
  mapfile -t args < <(lab_nspawn_args "$host")
  echo "$BASHPID" >"$dir/supervisor.pid"
  trap 'stopping=1; [[ -n "${nspawn_pid:-}" ]] && kill -TERM "$nspawn_pid" 2>/dev/null' TERM INT
  while :; do
    # The subshell enters the host's cgroup and becomes nspawn, so only nspawn and the
    # container live there.
    (lab_cgroup_enter "$host" && exec systemd-nspawn "${args[@]}") </dev/null &
    nspawn_pid=$!
    echo "$nspawn_pid" >"$dir/nspawn.pid"
    lab_host_attach_nics "$host" "$nspawn_pid" || printf '\n[%s] %s: could not attach NICs\n' "$LAB_NAME" "$host" >&2
    rc=0
    while kill -0 "$nspawn_pid" 2>/dev/null; do
      wait "$nspawn_pid" && rc=0 || rc=$?  # a trapped signal interrupts wait: loop again
    done
    [[ "$stopping" == 0 && "$rc" == 133 ]] || break
    printf '\n[%s] %s: container rebooted, starting it again\n' "$LAB_NAME" "$host" >&2
  done
  rm -f "$dir/nspawn.pid"  # supervisor.pid stays: lab_host_wait_ready tells "exited" by it
  printf '\n[%s] %s: nspawn exited with %s\n' "$LAB_NAME" "$host" "$rc" >&2
}

lab_host_start() {
  local host="$1" dir
  dir="$(lab_host_dir "$host")"
  # setsid: own session, no controlling terminal; fd 9 (the lab lock) must not be inherited.
  # shellcheck disable=SC2016 # $1/$2 expand in the child bash
  setsid bash -c 'set -uo pipefail; source "$1"; lab_host_supervise "$2"' lab-host \
    "$LAB_DIR/lib.sh" "$host" </dev/null >>"$dir/console.log" 2>&1 9<&- &
  disown || true
}

lab_children() {  # pid: its direct children (the /proc "children" file needs CONFIG_PROC_CHILDREN)
  local pid="$1" p
  if [[ -r "/proc/$pid/task/$pid/children" ]]; then cat "/proc/$pid/task/$pid/children"; return 0; fi
  for p in /proc/[0-9]*; do
    awk -v want="$pid" '{ sub(/^.*\) /, ""); if ($2 == want) ok = 1 } END { exit !ok }' "$p/stat" 2>/dev/null && echo "${p#/proc/}"
  done
  return 0
}

# The container's PID 1 as seen from the machine: the child of nspawn that is PID 1 in its own
# PID namespace.
lab_host_leader() {
  local host="$1" nspawn_pid child
  nspawn_pid="$(lab_read_live_pid "$(lab_host_dir "$host")/nspawn.pid")" || return 1
  for child in $(lab_children "$nspawn_pid"); do
    if awk '$1 == "NSpid:" && $NF == 1 { ok = 1 } END { exit !ok }' "/proc/$child/status" 2>/dev/null; then
      echo "$child"
      return 0
    fi
  done
  return 1
}

lab_host_exec() {  # host argv... : run a command inside the host, as root, without SSH
  local host="$1" leader
  shift
  leader="$(lab_host_leader "$host")" || return 1
  nsenter -t "$leader" -a -- "$@"
}

lab_host_system_state() {
  lab_host_exec "$1" systemctl is-system-running 2>/dev/null || true
}

lab_ssh() {  # host argv...
  local host="$1"
  shift
  ssh -F "$LAB_OUT/ssh_config" -o BatchMode=yes -o ConnectTimeout=3 "$host" "$@"
}

lab_host_ssh_ok() { lab_ssh "$1" true </dev/null >/dev/null 2>&1; }

# Waits until systemd inside says running/degraded and sshd answers with the expected host key.
lab_host_wait_ready() {
  local host="$1" deadline state=""
  deadline=$((SECONDS + LAB_BOOT_TIMEOUT))
  while ((SECONDS < deadline)); do
    state="$(lab_host_system_state "$host")"
    if [[ "$state" == running || "$state" == degraded ]] && lab_host_ssh_ok "$host"; then
      if [[ "$state" == degraded ]]; then
        log "$host is up but degraded; failed units: $(lab_host_exec "$host" systemctl --failed --no-legend --plain | awk '{print $1}' | tr '\n' ' ')"
      fi
      return 0
    fi
    # supervisor.pid appears once the supervisor runs and stays after it exits.
    if [[ -f "$(lab_host_dir "$host")/supervisor.pid" ]] \
        && ! lab_read_live_pid "$(lab_host_dir "$host")/supervisor.pid" >/dev/null; then
      break
    fi
    sleep 0.5
  done
  if ((SECONDS >= deadline)); then
    log "$host did not come up within ${LAB_BOOT_TIMEOUT}s (systemd state: '${state:-none}'); last console lines:"
  else
    log "$host: systemd-nspawn exited during boot; last console lines:"
  fi
  tail -n 25 "$(lab_host_dir "$host")/console.log" >&2 || true
  return 1
}

lab_host_stop() {
  local host="$1" dir pid i
  dir="$(lab_host_dir "$host")"
  if pid="$(lab_read_live_pid "$dir/supervisor.pid")"; then kill -TERM "$pid" 2>/dev/null || true; fi
  if pid="$(lab_read_live_pid "$dir/nspawn.pid")"; then kill -TERM "$pid" 2>/dev/null || true; fi
}

# ---------------------------------------------------------------------------------------------
# Output dir: key, known_hosts, ssh_config, hosts.json, password
# ---------------------------------------------------------------------------------------------
lab_out_files=(id_ed25519 id_ed25519.pub known_hosts ssh_config hosts.json mvm-password)

lab_out_prepare() {
  mkdir -p "$LAB_OUT"
  chmod 0700 "$LAB_OUT"
  rm -f "$LAB_OUT/id_ed25519" "$LAB_OUT/id_ed25519.pub"
  ssh-keygen -q -t ed25519 -N '' -C "$LAB_NAME" -f "$LAB_OUT/id_ed25519"
  (umask 077 && head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20 >"$LAB_OUT/mvm-password")
  chmod 0600 "$LAB_OUT/id_ed25519" "$LAB_OUT/mvm-password"
}

lab_out_write_ssh_files() {
  local h root key
  : >"$LAB_OUT/known_hosts"
  for h in $(lab_host_names); do
    root="$(lab_host_root "$h")"
    for key in "$root"/etc/ssh/ssh_host_*_key.pub; do
      printf '%s,%s,%s,%s-storage %s\n' "$h" "$(lab_host_mgmt_ip "$h")" "$(lab_host_stor_ip "$h")" "$h" \
        "$(cut -d' ' -f1,2 "$key")" >>"$LAB_OUT/known_hosts"
    done
  done
  {
    echo "# mvm lab: ssh -F $LAB_OUT/ssh_config h1   (or mvm@h1, nosudo@h1)"
    for h in $(lab_host_names); do
      cat <<EOF

Host $h
  HostName $(lab_host_mgmt_ip "$h")
  Port 22
  User root
  IdentityFile $LAB_OUT/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $LAB_OUT/known_hosts
  StrictHostKeyChecking yes
  ConnectTimeout 5
EOF
    done
  } >"$LAB_OUT/ssh_config"
  chmod 0644 "$LAB_OUT/known_hosts" "$LAB_OUT/ssh_config"
}

lab_out_write_hosts_json() {
  local h first=1 d name loopdev img size sep
  {
    printf '{\n  "lab": "%s",\n' "$LAB_NAME"
    printf '  "sshConfig": "%s",\n  "sshPrivateKey": "%s",\n  "knownHosts": "%s",\n' \
      "$LAB_OUT/ssh_config" "$LAB_OUT/id_ed25519" "$LAB_OUT/known_hosts"
    printf '  "users": {\n    "root": {"auth": ["key"], "sudo": false},\n'
    printf '    "mvm": {"auth": ["key", "password"], "sudo": true, "passwordFile": "%s"},\n' "$LAB_OUT/mvm-password"
    printf '    "nosudo": {"auth": ["key", "password"], "sudo": false, "passwordFile": "%s"}\n  },\n' "$LAB_OUT/mvm-password"
    printf '  "networks": {\n'
    printf '    "management": {"cidr": "%s.0/24", "gateway": "%s", "bridge": "%s", "interface": "%s"},\n' \
      "$LAB_NET_MGMT" "$LAB_GW_MGMT" "$LAB_BR_MGMT" "$LAB_IF_MGMT"
    printf '    "storage": {"cidr": "%s.0/24", "gateway": null, "bridge": "%s", "interface": "%s"},\n' \
      "$LAB_NET_STOR" "$LAB_BR_STOR" "$LAB_IF_STOR"
    printf '    "compute": {"cidr": null, "gateway": null, "bridge": "%s", "interface": "%s"}\n  },\n' \
      "$LAB_BR_COMP" "$LAB_IF_COMP"
    printf '  "hosts": ['
    for h in $(lab_host_names); do
      [[ "$first" == 1 ]] && first=0 || printf ','
      printf '\n    {\n      "name": "%s",\n      "management": "%s",\n      "storage": "%s",\n' \
        "$h" "$(lab_host_mgmt_ip "$h")" "$(lab_host_stor_ip "$h")"
      printf '      "managementInterface": "%s",\n      "storageInterface": "%s",\n      "computeInterface": "%s",\n' \
        "$LAB_IF_MGMT" "$LAB_IF_STOR" "$LAB_IF_COMP"
      printf '      "sshPort": 22,\n      "dataDisks": ['
      sep=""
      while read -r name loopdev img size; do printf '%s"%s"' "$sep" "$name"; sep=", "; done <"$(lab_host_dir "$h")/disks"
      printf '],\n      "dataDiskDetails": ['
      sep=""
      while read -r name loopdev img size; do
        printf '%s\n        {"path": "%s", "kernelDevice": "%s", "sizeBytes": %s, "backingFile": "%s"}' \
          "$sep" "$name" "$loopdev" "$size" "$img"
        sep=","
      done <"$(lab_host_dir "$h")/disks"
      [[ -n "$sep" ]] && printf '\n      '
      printf ']\n    }'
    done
    printf '\n  ]\n}\n'
  } >"$LAB_OUT/hosts.json"
  chmod 0644 "$LAB_OUT/hosts.json"
}

# Removes only the files the lab wrote, so a LAB_OUT pointing at a shared dir stays safe.
lab_out_remove() {
  local f
  [[ -d "$LAB_OUT" ]] || return 0
  for f in "${lab_out_files[@]}"; do rm -f "${LAB_OUT:?}/$f"; done
  rmdir "$LAB_OUT" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
# Whole-lab state
# ---------------------------------------------------------------------------------------------
# What the running lab was started with; a different LAB_HOSTS/LAB_DISKS means "restart".
lab_config_text() { printf 'hosts=%s\ndisks=%s\ndisk_size=%s\nout=%s\n' "$LAB_HOSTS" "$LAB_DISKS" "$LAB_DISK_SIZE" "$LAB_OUT"; }

lab_state_matches_config() {
  [[ -f "$LAB_RUN/config" && "$(<"$LAB_RUN/config")" == "$(lab_config_text)" ]]
}

# Healthy = started with this configuration, every host's container runs, systemd inside is
# running/degraded and sshd answers with the recorded key.
lab_is_healthy() {
  local h state
  lab_state_matches_config || return 1
  lab_base_is_current || return 1  # include list or recipe changed since: rebuild
  [[ -f "$LAB_OUT/hosts.json" && -f "$LAB_OUT/ssh_config" ]] || return 1
  for h in $(lab_host_names); do
    # Without its supervisor a host would not come back from a reboot.
    lab_read_live_pid "$(lab_host_dir "$h")/supervisor.pid" >/dev/null || return 1
    state="$(lab_host_system_state "$h")"
    [[ "$state" == running || "$state" == degraded ]] || return 1
    lab_host_ssh_ok "$h" || return 1
  done
}

# Anything at all of a lab present (used to decide between "nothing to do" and "tear down")?
lab_anything_present() {
  [[ -d "$LAB_RUN/hosts" ]] && return 0
  ip link show "$LAB_BR_MGMT" >/dev/null 2>&1 && return 0
  iptables -t nat -S "$LAB_IPT_NAT" >/dev/null 2>&1 && return 0
  return 1
}

# nspawn processes running one of the lab's roots, found by their command line (covers pid files
# lost in a crash). Only processes whose -D points into $LAB_RUN/hosts are ever returned.
lab_find_nspawn_pids() {
  local p cmd
  for p in /proc/[0-9]*; do
    cmd="$({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)" || continue  # may exit meanwhile
    [[ "$cmd" == systemd-nspawn\ * && "$cmd" == *" -D $LAB_RUN/hosts/"* ]] && echo "${p#/proc/}"
  done
  return 0
}

# Every process in the lab's cgroups. The cgroups are the reliable record of what the lab
# started: a container whose nspawn died (SIGKILL, crash) keeps running as an orphan there.
lab_cgroup_pids() {
  local base
  for base in "${LAB_CGROUP_ROOTS[@]}"; do
    [[ -d "$base/$LAB_NAME" ]] || continue
    find "$base/$LAB_NAME" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -un
    return 0
  done
}

lab_kill_cgroup_leftovers() {
  local pids i
  for ((i = 0; i < 50; i++)); do
    pids="$(lab_cgroup_pids | tr '\n' ' ')"
    [[ -z "${pids// /}" ]] && return 0
    ((i == 0)) && log "killing processes left in the lab's cgroups (orphaned containers): $pids"
    # shellcheck disable=SC2086 # a list of pids
    kill -KILL $pids 2>/dev/null || true
    sleep 0.1
  done
  log "processes still in the lab's cgroups: $(lab_cgroup_pids | tr '\n' ' ')"
}

lab_stop_all_hosts() {
  local dir h pid i pids
  for dir in "$LAB_RUN"/hosts/*/; do
    [[ -d "$dir" ]] || continue
    lab_host_stop "$(basename "$dir")"
  done
  # nspawn turns SIGTERM into a clean poweroff of the container (~1-2 s); wait, then force.
  for ((i = 0; i < 150; i++)); do
    pids="$(lab_find_nspawn_pids)"
    [[ -z "$pids" ]] && break
    # Orphans of a crashed supervisor get their TERM here.
    ((i % 25 == 0)) && for pid in $pids; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 0.2
  done
  pids="$(lab_find_nspawn_pids)"
  if [[ -n "$pids" ]]; then
    log "forcing stop of nspawn pids: $pids"
    for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
    sleep 1
  fi
  lab_kill_cgroup_leftovers
  # Supervisors exit once their nspawn is gone.
  for dir in "$LAB_RUN"/hosts/*/; do
    [[ -d "$dir" ]] || continue
    for ((i = 0; i < 50; i++)); do
      lab_read_live_pid "$dir/supervisor.pid" >/dev/null || break
      sleep 0.1
    done
    if pid="$(lab_read_live_pid "$dir/supervisor.pid")"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
}

# Unmounts everything under the run dir, deepest first (nspawn may stack a second mount on a
# root, so repeat until nothing is left).
lab_unmount_all() {
  local mnt i
  for ((i = 0; i < 5; i++)); do
    mapfile -t mnts < <(awk -v r="$LAB_RUN/" 'index($2, r) == 1 { print $2 }' /proc/self/mounts | sort -r)
    ((${#mnts[@]} == 0)) && return 0
    for mnt in "${mnts[@]}"; do umount "$mnt" 2>/dev/null || true; done
  done
  for mnt in "${mnts[@]}"; do umount -l "$mnt" 2>/dev/null || log "could not unmount $mnt"; done
}

# nspawn leaves per-machine directories in /run/systemd/nspawn when there is no systemd to
# clean them up.
lab_nspawn_leftovers_remove() {
  local h
  for ((h = 1; h <= 5; h++)); do
    rm -rf "/run/systemd/nspawn/propagate/h$h" "/run/systemd/nspawn/unix-export/h$h"
  done
  # The empty parents too, unless something else uses them.
  rmdir /run/systemd/nspawn/propagate /run/systemd/nspawn/unix-export /run/systemd/nspawn/locks \
    /run/systemd/nspawn 2>/dev/null || true
  return 0
}

# Points LAB_OUT (and, with "hosts", LAB_HOSTS) at what the running lab was started with.
lab_use_running_config() {
  local what="${1:-}" v
  [[ -f "$LAB_RUN/config" ]] || return 1
  v="$(awk -F= '$1 == "out" { print substr($0, 5) }' "$LAB_RUN/config")"
  [[ -n "$v" ]] && LAB_OUT="$v"
  if [[ "$what" == hosts ]]; then
    v="$(awk -F= '$1 == "hosts" { print $2 }' "$LAB_RUN/config")"
    [[ -n "$v" ]] && LAB_HOSTS="$v"
  fi
  return 0
}

# nspawn locks each image as /run/systemd/nspawn/locks/inode-<dev>:<ino> of its root; a
# killed nspawn leaves that file behind. Prints those of the lab's (still mounted) roots.
lab_nspawn_lock_files() {
  local dir
  for dir in "$LAB_RUN"/hosts/*/root; do
    mountpoint -q "$dir" 2>/dev/null || continue
    echo "/run/systemd/nspawn/locks/inode-$(stat -c '%d:%i' "$dir")"
  done
  return 0
}

lab_down() {
  # Tear down what the running lab was started with, without changing this shell's settings
  # (lab-up goes on to start the lab it was asked for).
  local LAB_OUT="$LAB_OUT" LAB_HOSTS="$LAB_HOSTS"
  lab_use_running_config hosts || true
  lab_stop_all_hosts
  local locks
  locks="$(lab_nspawn_lock_files)"
  lab_unmount_all
  # shellcheck disable=SC2086 # a list of paths without spaces
  [[ -z "$locks" ]] || rm -f $locks
  lab_detach_loops_under "$LAB_RUN"
  lab_network_down
  lab_cgroups_remove
  lab_nspawn_leftovers_remove
  lab_out_remove
  # Never rm -rf through a mount that is still there.
  if awk -v r="$LAB_RUN/" 'index($2, r) == 1 { found = 1 } END { exit !found }' /proc/self/mounts; then
    die "still mounted under $LAB_RUN (see /proc/self/mounts); not removing it"
  fi
  rm -rf "${LAB_RUN:?}/hosts" "$LAB_RUN/config"
  rmdir "$LAB_RUN" 2>/dev/null || true
}

lab_print_status() {
  local h state ssh_state ok=0
  printf '%-4s %-12s %-12s %-10s %-10s %s\n' HOST MANAGEMENT STORAGE SYSTEMD SSH DISKS
  for h in $(lab_host_names); do
    state="$(lab_host_system_state "$h")"
    [[ -n "$state" ]] || state="down"
    if [[ -f "$LAB_OUT/ssh_config" ]] && lab_host_ssh_ok "$h"; then ssh_state="answers"; else ssh_state="no"; ok=1; fi
    [[ "$state" == running || "$state" == degraded ]] || ok=1
    printf '%-4s %-12s %-12s %-10s %-10s %s\n' "$h" "$(lab_host_mgmt_ip "$h")" "$(lab_host_stor_ip "$h")" \
      "$state" "$ssh_state" "$(awk '{printf "%s=%s ", $1, $2}' "$(lab_host_dir "$h")/disks" 2>/dev/null)"
  done
  return "$ok"
}
