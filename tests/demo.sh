#!/usr/bin/env bash
# `make demo`: start the lab, then preview and apply examples/cluster against it, and show the result.
# Uses the real Pulumi CLI when it is on PATH, the project's engine harness (mvm-engine) otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
example="${1:-examples/cluster}"
stack="${2:-dev}"
lab_out="${LAB_OUT:-/var/lib/mvm-lab/out}"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "starting the lab (3 Debian 12 hosts; needs root)"
bash tests/lab/lab-up.sh

run_harness() {
  tests/Engine/bin/engine/mvm-engine "$1" --cwd "$example" --stack "$stack" --plugin provider/bin/plugin/pulumi-resource-mvm "${@:2}"
}

run_pulumi() {
  # A local file backend and an empty passphrase keep the demo self-contained.
  export PULUMI_BACKEND_URL="file://$PWD/.demo-state" PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-}"
  mkdir -p .demo-state
  (cd "$example" && pulumi stack select demo --create >/dev/null &&
     pulumi config set mvm:sshPrivateKeyFile "$lab_out/id_ed25519" &&
     pulumi config set mvm:knownHostsFile "$lab_out/known_hosts" &&
     pulumi "$@")
}

if command -v pulumi >/dev/null; then
  say "engine: the Pulumi CLI ($(pulumi version))"
  make -s install
  engine=run_pulumi
else
  say "engine: mvm-engine test harness (the pulumi CLI is not on PATH)"
  engine=run_harness
fi

say "preview: the plan for $example"
$engine preview

say "up: apply $example"
set +e
up_output="$($engine up --yes 2>&1)"
up_status=$?
set -e
printf '%s\n' "$up_output"

if ((up_status != 0)); then
  say "up failed (see above)"
  exit "$up_status"
fi

first="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hosts"][0]["name"])' "$lab_out/hosts.json" 2>/dev/null || echo h1)"
on_first() { ssh -F "$lab_out/ssh_config" "$first" "$@"; }
say "the cluster, as its hosts see it (on $first)"
on_first 'ceph -s; echo; ceph osd tree; echo; ceph osd pool ls detail'
say "Open vSwitch bridge and libvirt networks, secret and RBD pool (on $first)"
on_first 'ovs-vsctl show; virsh net-list; virsh secret-list; virsh pool-list'
say "done: run this again and up changes nothing; tests/Engine/bin/engine/mvm-engine destroy --cwd $example --stack $stack --yes removes the cluster"
