#!/usr/bin/env bash
# Smoke test of a running lab, from the outside, over real SSH only (what the provider will
# see): systemd state, addresses, data disks, users and sudo, host-to-host traffic on the
# management and storage networks, and apt inside a host (NAT + DNS + Debian mirror).
# Prints one line per check and "lab-check: N passed, N failed"; exits non-zero on a failure.
# LAB_CHECK_APT=0 skips the apt-get update (the only check that leaves the lab's networks).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

passed=0
failed=0

check() {  # description argv...
  local what="$1" out
  shift
  if out="$("$@" 2>&1)"; then
    passed=$((passed + 1))
    printf 'ok    %s\n' "$what"
  else
    failed=$((failed + 1))
    printf 'FAIL  %s\n%s\n' "$what" "$(printf '%s\n' "$out" | tail -n 5 | sed 's/^/      /')"
  fi
}

as() {  # user host argv... : ssh as that user with the lab key
  local user="$1" host="$2"
  shift 2
  ssh -F "$LAB_OUT/ssh_config" -o BatchMode=yes "$user@$host" "$@" </dev/null
}

check_host_basics() {
  local h="$1" mgmt stor
  mgmt="$(lab_host_mgmt_ip "$h")"
  stor="$(lab_host_stor_ip "$h")"
  # shellcheck disable=SC2016 # expands on the host
  check "$h: systemd running/degraded" as root "$h" \
    'state="$(systemctl is-system-running)"; echo "$state"; [ "$state" = running ] || [ "$state" = degraded ]'
  check "$h: hostname is $h" as root "$h" "test \"\$(hostname)\" = $h"
  check "$h: $LAB_IF_MGMT=$mgmt $LAB_IF_STOR=$stor $LAB_IF_COMP up" as root "$h" \
    "ip -br addr show $LAB_IF_MGMT | grep -q ' $mgmt/24' && ip -br addr show $LAB_IF_STOR | grep -q ' $stor/24' && ip -br link show $LAB_IF_COMP | grep -q ' UP '"
}

check_host_disks() {
  local h="$1" name _loop _img size
  while read -r name _loop _img size; do
    # Rewrites the (still zero) last 4 KiB block with zeros: proves read+write through the
    # device without leaving anything for ceph-volume to trip over.
    check "$h: data disk $name in lsblk, readable and writable" as root "$h" \
      "lsblk -J -b -o NAME,SIZE,TYPE $name | grep -q '\"size\": *$size' \
       && dd if=$name of=/dev/null bs=4096 count=1 iflag=direct status=none \
       && dd if=/dev/zero of=$name bs=4096 count=1 seek=$((size / 4096 - 1)) oflag=direct conv=notrunc,fsync status=none"
  done <"$(lab_host_dir "$h")/disks"
}

check_users() {
  local h="$1"
  check "$h: mvm by key, passwordless sudo" as mvm "$h" 'sudo -n true'
  check "$h: nosudo by key, no sudo" as nosudo "$h" '! sudo -n true 2>/dev/null'
  if command -v sshpass >/dev/null 2>&1; then
    check "$h: mvm by password" env SSHPASS="$(<"$LAB_OUT/mvm-password")" sshpass -e \
      ssh -F "$LAB_OUT/ssh_config" -o PubkeyAuthentication=no -o PreferredAuthentications=password \
      "mvm@$h" 'sudo -n true'
  else
    printf 'skip  %s: mvm by password (sshpass not installed)\n' "$h"
  fi
}

check_host_to_host() {
  local src="$1" dst
  for dst in $(lab_host_names); do
    [[ "$src" == "$dst" ]] && continue
    check "$src -> $dst ping on management and storage" as root "$src" \
      "ping -c1 -W2 $dst >/dev/null && ping -c1 -W2 $dst-storage >/dev/null"
  done
}

main() {
  local h
  lab_require_root
  lab_use_running_config hosts || die "lab is down: run tests/lab/lab-up.sh first"
  for h in $(lab_host_names); do
    check_host_basics "$h"
    check_host_disks "$h"
    check_users "$h"
  done
  check_host_to_host h1
  if [[ "${LAB_CHECK_APT:-1}" != 0 ]]; then
    check "h1: apt-get update (NAT, DNS and the Debian mirror)" as root h1 'apt-get update -qq'
  fi
  echo "lab-check: $passed passed, $failed failed"
  ((failed == 0))
}

main "$@"
