#!/usr/bin/env bash
# Prints each lab host, its addresses, systemd's state inside and whether sshd answers.
# Exits non-zero when the lab is down or any host is not healthy.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

main() {
  lab_require_root
  # Report on the lab as it was started, whatever LAB_HOSTS says in this shell.
  lab_use_running_config hosts || { log "lab is down (no $LAB_RUN/config)"; return 1; }
  log "output dir: $LAB_OUT"
  if lab_print_status; then
    log "all $LAB_HOSTS host(s) healthy"
  else
    log "some hosts are not healthy"
    return 1
  fi
}

main "$@"
