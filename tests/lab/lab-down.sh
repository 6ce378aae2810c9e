#!/usr/bin/env bash
# Tears the mvm test lab down: stops the hosts, unmounts their overlays, detaches the loop
# devices, removes bridges, veths, iptables chains, cgroups, the run dir and the output files.
# Keeps the cached base rootfs (/var/cache/mvm-lab). Idempotent: safe when nothing is up.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  local started=$SECONDS
  lab_require_root
  if ! command -v iptables >/dev/null 2>&1; then
    iptables() { return 1; }  # never installed, so no lab rules to remove
  fi
  lab_lock
  lab_down
  log "lab is down (base rootfs kept in $LAB_BASE); lab-down took $((SECONDS - started)) s"
}

main "$@"
