#!/usr/bin/env bash
# Brings up the mvm test lab: LAB_HOSTS (default 3, max 8) bare Debian 12 servers booted with
# real systemd in systemd-nspawn containers, reachable over SSH. Idempotent: a healthy lab with
# the same configuration is left alone; anything partial or different is torn down and rebuilt.
# See README.md beside this file.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

print_summary() {
  log "lab is up: $LAB_HOSTS host(s), output in $LAB_OUT"
  log "  ssh -F $LAB_OUT/ssh_config h1        (root; mvm@h1 and nosudo@h1 also work)"
  log "  hosts: $LAB_OUT/hosts.json"
}

# DNS, NAT and the mirror as the hosts see them: the provider's apt-get inside needs all three.
check_host_dns() {
  local mirror_host
  mirror_host="$(lab_uri_host "$(lab_mirror)")"
  lab_host_exec h1 getent ahostsv4 "$mirror_host" >/dev/null \
    || die "h1 cannot resolve $mirror_host through $(lab_dns_server): apt inside the hosts will fail (set LAB_DNS?)"
}

check_host_disks() {
  local h name _loop _img _size
  for h in $(lab_host_names); do
    while read -r name _loop _img _size; do
      lab_host_exec "$h" test -b "$name" || die "$h: data disk $name is not a block device inside the host"
    done <"$(lab_host_dir "$h")/disks"
  done
}

start_lab() {
  local h dns
  lab_ensure_base
  lab_network_up
  lab_out_prepare
  dns="$(lab_dns_server)"
  for h in $(lab_host_names); do
    mkdir -p "$(lab_host_dir "$h")"
    lab_host_disks_up "$h"
    lab_host_mount_root "$h"
    lab_host_customise "$h" "$dns"
  done
  lab_out_write_ssh_files
  lab_out_write_hosts_json
  lab_config_text >"$LAB_RUN/config"
  for h in $(lab_host_names); do lab_host_start "$h"; done
  for h in $(lab_host_names); do
    lab_host_wait_ready "$h" || die "$h failed to boot; inspect with tests/lab/lab-status.sh, clean up with tests/lab/lab-down.sh"
  done
  check_host_dns
  check_host_disks
}

main() {
  local started=$SECONDS
  lab_require_root
  lab_validate_config
  lab_install_prereqs
  lab_lock
  if lab_is_healthy; then
    log "lab already up and healthy ($LAB_HOSTS host(s)); nothing to do"
    print_summary
    log "lab-up took $((SECONDS - started)) s"
    return 0
  fi
  if lab_anything_present; then
    log "found a partial or differently configured lab: tearing it down first"
    lab_down
  fi
  start_lab
  print_summary
  log "lab-up took $((SECONDS - started)) s"
}

main "$@"
