#!/usr/bin/env bash
# VM-create benchmark (issue #5): wall time of one `up` that creates 5 VirtualMachines on a standing
# 3-host HCI cluster against a raw script doing the same (rbd clone + resize, seed ISO into RBD,
# virsh define + start) over ssh on the same hosts; then `refresh`; and how many ssh processes the
# provider starts for each. Needs the lab (tests/lab/lab-up.sh). Prints figures; asserts nothing.
#
#   bash tests/Bench/vm-create.sh [PLUGIN] [ENGINE]      (make bench-vm)
#   RUNS=3  BENCH_HOSTS=h1,h2,h3  KEEP=1 (leave the cluster standing; the next run reuses it)
#
# Fairness: the engine harness runs resources one at a time (tests/Engine/Deployment/UpdateRun.cs),
# so the raw script too does one VM after the other: one ssh per host, hosts in sequence. Both
# sides start the guests and do not wait for them to boot.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
here=$repo/tests/Bench/vm-create
plugin=$(realpath "${1:-provider/bin/plugin/pulumi-resource-mvm}")
engine=$(realpath "${2:-tests/Engine/bin/engine/mvm-engine}")
runs=${RUNS:-3}
IFS=, read -r -a hosts <<< "${BENCH_HOSTS:-h1,h2,h3}"
out=/var/lib/mvm-lab/out
work=${BENCH_DIR:-/var/tmp/mvm-bench-vm}
vms=5 pool=vms image=guest boot_gib=3 memory_mib=256

die() { echo "vm-create benchmark: $*" >&2; exit 1; }
[[ -x $plugin ]] || die "no plugin at $plugin: run make plugin"
[[ -x $engine ]] || die "no engine harness at $engine: run make engine"
[[ -f $out/hosts.json ]] || die "the lab is not up ($out/hosts.json missing): start it with make lab-up"
lab_ssh() { ssh -F "$out/ssh_config" -o ConnectTimeout=5 -o BatchMode=yes "$@"; }
for h in "${hosts[@]}"; do
  lab_ssh "$h" true 2>/dev/null || die "lab host $h does not answer over ssh: start the lab with make lab-up (LAB_HOSTS=${#hosts[@]} at least)"
done
mkdir -p "$work/bin" "$work/logs"
state=$work/.mvm-engine/bench.json
if [[ ! -f $state ]]; then
  rm -f "$work/guest-source"
  for h in "${hosts[@]}"; do
    lab_ssh "$h" 'test ! -e /etc/ceph/ceph.conf' || die "$h already carries a Ceph configuration: the benchmark needs bare hosts (tests/Lab/Provider/LabHostReset.cs resets them)"
  done
fi
# The image's source stays what the stack was made with: a rebuilt guest (another recipe) must not replace it.
[[ -f $work/guest-source ]] || bash tests/lab/guest/build-guest.sh | tail -1 > "$work/guest-source"
guest=$(cat "$work/guest-source")
cp "$here/ssh-count" "$work/bin/ssh"
address() { jq -r --arg h "$1" '.hosts[] | select(.name == $h) | .management' "$out/hosts.json"; }
vm_host() { echo "${hosts[$(( ($1 - 1) % ${#hosts[@]} ))]}"; }
user_data() { printf '#cloud-config\nwrite_files:\n  - path: /var/lib/mvm-marker\n    content: "marker of %s"\n' "$1"; }

# The program: cluster and image always, plus the first $1 VMs.
program() {
  cat <<EOF
name: mvm-bench-vm
runtime: yaml
plugins:
  providers:
    - name: mvm
      path: $(dirname "$plugin")
resources:
  cluster:
    type: mvm:index:MvmCluster
    properties:
      name: bench
      layout: hci
      domainType: qemu
      ovsDatapath: netdev
      minimumMemoryGiB: 1
      memoryPerOsdGiB: 1
      cephPublicNetwork: 10.20.1.0/24
      vmPool: $pool
      computeVlans: ["22"]
      cephConfig:
        mon_data_avail_warn: "5"
      hosts:
EOF
  for h in "${hosts[@]}"; do
    printf '        - name: %s\n          address: %s\n          dataDevices: [/dev/vdb]\n' "$h" "$(address "$h")"
    printf '          managementInterface: eth0\n          storageInterface: eth1\n          computeInterface: eth2\n'
  done
  printf '  %s:\n    type: mvm:index:VirtualImage\n    properties:\n      connectString: ${cluster.connectString}\n' "$image"
  printf '      name: %s\n      source: %s\n      format: qcow2\n' "$image" "$guest"
  for ((i = 1; i <= $1; i++)); do
    cat <<EOF
  bench-vm$i:
    type: mvm:index:VirtualMachine
    properties:
      connectString: \${cluster.connectString}
      name: bench-vm$i
      host: $(vm_host "$i")
      image: \${$image.name}
      vcpus: 1
      memoryMiB: $memory_mib
      disks:
        - name: boot
          sizeGiB: $boot_gib
      networkInterfaces:
        - name: lan
          vlan: "22"
      cloudInit:
        userData: |
$(user_data "bench-vm$i" | sed 's/^/          /')
EOF
  done
}

write_program() {
  program "$1" > "$work/Pulumi.yaml"
  printf 'config:\n  mvm:sshUser: root\n  mvm:sshPrivateKeyFile: %s\n  mvm:knownHostsFile: %s\n' "$out/id_ed25519" "$out/known_hosts" > "$work/Pulumi.bench.yaml"
}

now() { date +%s.%N; }
# engine OP LABEL: runs the engine with the counting ssh first in PATH; $took is its wall seconds.
engine() {
  local op=$1 label=$2 t0
  : > "$work/logs/ssh-$label.log"
  t0=$(now)
  if ! PATH="$work/bin:$PATH" MVM_BENCH_SSH_LOG="$work/logs/ssh-$label.log" \
      "$engine" "$op" --yes --skip-preview --cwd "$work" --stack bench --plugin "$plugin" > "$work/logs/$label.out" 2>&1; then
    tail -30 "$work/logs/$label.out" >&2
    die "$op ($label) failed; the whole output is in $work/logs/$label.out"
  fi
  took=$(echo "$(now) - $t0" | bc)
}

# One ssh per host with the script on stdin, hosts in sequence, counted like the provider's.
raw() {
  local script=$1 label=$2 t0 h i names
  : > "$work/logs/ssh-$label.log"
  t0=$(now)
  for h in "${hosts[@]}"; do
    names=()
    for ((i = 1; i <= vms; i++)); do [[ $(vm_host "$i") == "$h" ]] && names+=("raw-vm$i"); done
    { declare -p POOL IMAGE SIZE_GIB USER_DATA DOMAIN_XML; cat "$here/$script"; } |
      MVM_BENCH_SSH_LOG="$work/logs/ssh-$label.log" "$work/bin/ssh" -F "$out/ssh_config" -o BatchMode=yes "$h" bash -s -- "${names[@]}" \
      || die "$script failed on $h"
  done
  took=$(echo "$(now) - $t0" | bc)
}

# The provider's own domain as the raw side's template: UUID, MACs and the provider's metadata
# left out (libvirt makes the first two), names made @NAME@.
capture_template() {
  lab_ssh "$(vm_host 1)" 'virsh dumpxml --inactive bench-vm1' |
    sed -e '/<uuid>/d' -e '/<mac address=/d' -e '/<metadata>/,/<\/metadata>/d' \
        -e 's/bench-vm1-seed-[0-9a-f]*/@NAME@-seed/g' -e 's/bench-vm1/@NAME@/g'
}

power_off_vms() {
  local i
  for ((i = 1; i <= vms; i++)); do lab_ssh "$(vm_host "$i")" "virsh -q destroy bench-vm$i >/dev/null 2>&1 || true"; done
}

stats() { sort -g | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "min %.2f  median %.2f  max %.2f  (n=%d)", v[1], m, v[NR], NR }'; }
median() { stats | sed 's/.*median \([0-9.]*\).*/\1/'; }
# The engine's row for each VM: "+  mvm:index:VirtualMachine bench-vm1 created (8.38s)".
vm_seconds() { sed -n 's/.*mvm:index:VirtualMachine bench-vm[0-9]* '"$2"' (\([0-9.]*\)s).*/\1/p' "$work/logs/$1.out"; }
count() { grep -c "^$1	" "$work/logs/ssh-$2.log" || true; }

# Round trips of one run: masters, commands, controls; then the commands by tool and subcommand.
ssh_summary() {
  local label=$1
  printf '  %-22s master %3d  command %4d  control %3d  probe %2d  plain %2d\n' "$label" \
    "$(count master "$label")" "$(count command "$label")" "$(count control "$label")" "$(count probe "$label")" "$(count plain "$label")"
}
ssh_breakdown() {
  awk -F'\t' '$1 == "command" {
      c = $3; sub(/.*; exec /, "", c); sub(/^timeout -k [^ ]+ [^ ]+ /, "", c); sub(/^env .LC_ALL=C. /, "", c)
      gsub(/ (--connect-timeout|--client-mount-timeout) [0-9]+| -c qemu:\/\/\/system/, "", c); split(c, w, " ")
      what = w[1] " " w[2]; if (w[1] == "ceph" && w[2] == "config-key") what = what " " w[3]
      n[what]++ } END { for (k in n) printf "    %4d  %s\n", n[k], k }' "$work/logs/ssh-$1.log" | sort -rn | head -"${2:-25}"
}

echo "== setup: cluster and image on ${hosts[*]} (reused when $work holds the stack)"
write_program 0
engine up setup; echo "setup up: $took s"
engine up up0; echo "baseline up (nothing to do): $took s"
engine refresh refresh0; echo "baseline refresh (cluster and image): $took s"

POOL=$pool IMAGE=$image SIZE_GIB=$boot_gib USER_DATA=$(user_data @NAME@) DOMAIN_XML=
up_times=() refresh_times=() raw_times=() ratios=() vm_creates=() vm_refreshes=()
for ((r = 1; r <= runs; r++)); do
  write_program $vms
  engine up up$r; up_times+=("$took")
  engine refresh refresh$r; refresh_times+=("$took")
  vm_creates+=($(vm_seconds up$r created)) vm_refreshes+=($(vm_seconds refresh$r refreshed))
  [[ -n $DOMAIN_XML ]] || { DOMAIN_XML=$(capture_template); echo "$DOMAIN_XML" > "$work/logs/raw-domain-template.xml"; }
  power_off_vms # the delete would otherwise wait up to a minute per booting guest for a clean shutdown
  write_program 0
  engine up down$r; remove=$took
  raw raw-create.sh raw$r; raw_times+=("$took")
  raw raw-remove.sh rawdown$r
  ratios+=("$(echo "scale=4; ${up_times[-1]} / ${raw_times[-1]}" | bc)")
  printf 'run %d: provider up %.1f s, refresh %.1f s, remove %.1f s; raw %.1f s; ratio %.2f   [%s]\n' "$r" \
    "${up_times[-1]}" "${refresh_times[-1]}" "$remove" "${raw_times[-1]}" "${ratios[-1]}" "$(uptime | sed 's/.*load/load/')"
done

echo
echo "== $vms VMs on ${hosts[*]}: wall seconds over $runs runs"
echo "provider up (create $vms VMs): $(printf '%s\n' "${up_times[@]}" | stats)"
echo "raw script (same objects):     $(printf '%s\n' "${raw_times[@]}" | stats)"
echo "ratio provider/raw, per run:   $(printf '%s\n' "${ratios[@]}" | stats)"
echo "provider refresh ($vms VMs):     $(printf '%s\n' "${refresh_times[@]}" | stats)"
echo "one VM's create (engine row):   $(printf '%s\n' "${vm_creates[@]}" | stats)"
echo "one VM's refresh (engine row):  $(printf '%s\n' "${vm_refreshes[@]}" | stats)"
echo
echo "== ssh processes (master = connection set up; command = one multiplexed round trip; control = local socket)"
ssh_summary up0; ssh_summary up1; ssh_summary refresh0; ssh_summary refresh1; ssh_summary raw1
per() { echo "scale=1; ($(count command "$1") - $(count command "$2")) / $vms" | bc; }
echo "per VM create: $(per up1 up0) commands ($(count command up1) in the up less $(count command up0) of an up with nothing to do), $(count master up1) masters for the whole up"
echo "per VM refresh: $(per refresh1 refresh0) commands ($(count command refresh1) less $(count command refresh0) for cluster and image)"
echo "raw: $(count plain raw1) ssh for $vms VMs (one connection per host)"
echo "commands of the 5-VM up by tool:"; ssh_breakdown up1
echo "commands of the 5-VM refresh by tool:"; ssh_breakdown refresh1
echo "machine: $(nproc) cores, $(uptime | sed 's/.*load/load/')"

if [[ ${KEEP:-0} != 1 ]]; then
  echo "== destroy (KEEP=1 keeps the cluster for the next run)"
  engine destroy destroy && rm -rf "$work"
fi
