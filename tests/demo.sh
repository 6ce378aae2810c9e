#!/usr/bin/env bash
# `make demo`: start the lab, apply examples/cluster (a 3-host HCI cluster), then examples/vm (a guest
# image and two VMs on it), and show the result as the hosts and the guests see it.
# Uses the real Pulumi CLI when it is on PATH, the project's engine harness (mvm-engine) otherwise.
# EXAMPLE=examples/cluster alone skips the VMs (DEMO_VMS=0 does too).
set -euo pipefail
cd "$(dirname "$0")/.."
example="${1:-examples/cluster}"
stack="${2:-dev}"
vm_stack="${VM_STACK:-lab}"
lab_out="${LAB_OUT:-/var/lib/mvm-lab/out}"
with_vms="${DEMO_VMS:-1}"
[[ "$example" == examples/cluster ]] || with_vms=0

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "starting the lab (3 Debian 12 hosts; needs root)"
bash tests/lab/lab-up.sh

harness=tests/Engine/bin/engine/mvm-engine
run_harness() { # DIR STACK COMMAND ARGS...
  "$harness" "$3" --cwd "$1" --stack "$2" --plugin provider/bin/plugin/pulumi-resource-mvm "${@:4}"
}

run_pulumi() { # DIR STACK COMMAND ARGS...
  # A local file backend and an empty passphrase keep the demo self-contained.
  export PULUMI_BACKEND_URL="file://$PWD/.demo-state" PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-}"
  mkdir -p .demo-state
  (cd "$1" && pulumi stack select "demo-$2" --create >/dev/null &&
     pulumi config set mvm:sshPrivateKeyFile "$lab_out/id_ed25519" &&
     pulumi config set mvm:knownHostsFile "$lab_out/known_hosts" &&
     pulumi "${@:3}")
}

if command -v pulumi >/dev/null; then
  say "engine: the Pulumi CLI ($(pulumi version))"
  make -s install
  engine=run_pulumi
else
  say "engine: mvm-engine test harness (the pulumi CLI is not on PATH)"
  engine=run_harness
fi

apply() { # DIR STACK
  say "preview: the plan for $1"
  $engine "$1" "$2" preview
  say "up: apply $1"
  if ! $engine "$1" "$2" up --yes; then
    say "up of $1 failed (see above)"
    exit 1
  fi
}

output_of() { # DIR STACK NAME
  if [[ $engine == run_pulumi ]]; then $engine "$1" "$2" stack output "$3" --show-secrets
  else "$harness" output "$3" --show-secrets --cwd "$1" --stack "$2"; fi
}

host_name() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hosts"][int(sys.argv[2])]["name"])' "$lab_out/hosts.json" "$1" 2>/dev/null || echo "h$(($1 + 1))"; }
on() { local h="$1"; shift; ssh -F "$lab_out/ssh_config" "$h" "$@"; }

apply "$example" "$stack"
first="$(host_name 0)"
say "the cluster, as its hosts see it (on $first)"
on "$first" 'ceph -s; echo; ceph osd tree; echo; ceph osd pool ls detail'
say "Open vSwitch bridge and libvirt networks, secret and RBD pool (on $first)"
on "$first" 'ovs-vsctl show; virsh net-list; virsh secret-list; virsh pool-list'

if ((with_vms)); then
  say "the lab's guest image (Debian 12 with cloud-init and the guest agent; built once, then cached)"
  guest="$(bash tests/lab/guest/build-guest.sh | tail -n 1)"
  # The cluster's connect string goes from one stack to the other through a pipe, encrypted at rest: it is
  # never on a command line and never in a file in plaintext.
  if [[ $engine == run_pulumi ]]; then
    (cd examples/vm && pulumi stack select "demo-$vm_stack" --create >/dev/null && pulumi config set guestImage "$guest")
    output_of "$example" "$stack" connectString | tr -d '\n' | (cd examples/vm && pulumi config set --secret connectString)
  else
    cat >"examples/vm/Pulumi.$vm_stack.yaml" <<YAML
# Written by tests/demo.sh: the lab's cluster (examples/cluster, stack $stack) and guest image.
config:
  mvm:sshUser: root
  mvm:sshPrivateKeyFile: $lab_out/id_ed25519
  mvm:knownHostsFile: $lab_out/known_hosts
  mvm-vm:guestImage: $guest
  mvm-vm:web1Host: $(host_name 0)
  mvm-vm:web2Host: $(host_name 1)
YAML
    # As `pulumi config set --secret`: stored as `secure: v1:...`, encrypted with the vm stack's key.
    output_of "$example" "$stack" connectString | "$harness" config set --secret connectString --cwd examples/vm --stack "$vm_stack"
  fi
  apply examples/vm "$vm_stack"
  say "the VMs, as their hosts see them"
  for i in 1 2; do
    h="$(output_of examples/vm "$vm_stack" "web${i}Host")"
    on "$h" bash -s "web$i" <<'SH'
virsh list --all; virsh domiflist "$1"; virsh domblklist "$1"
port="$(virsh domiflist "$1" | awk '/vnet/ {print $1; exit}')"
echo "OVS port $port of $1 carries VLAN tag $(ovs-vsctl get port "$port" tag) (network mvm-vlan22, port group $(virsh net-dumpxml mvm-vlan22 | sed -n "s/.*<portgroup name='\([^']*\)'.*/\1/p"))"
SH
  done
  say "inside the guests: the marker cloud-init wrote (waits for the guests to boot; TCG is slow)"
  for i in 1 2; do
    h="$(output_of examples/vm "$vm_stack" "web${i}Host")"
    on "$h" bash -s "web$i" <<'SH'
vm="$1"
agent() { virsh qemu-agent-command "$vm" "$1" 2>/dev/null; }
# One field of the agent's JSON answer; nothing (and a failure) while the agent is not up yet.
field() { python3 -c '
import json, sys, base64
try: r = json.load(sys.stdin)["return"]
except Exception: sys.exit(1)
v = r.get(sys.argv[1])
print(base64.b64decode(v).decode() if sys.argv[1] == "out-data" and v else ("" if v is None else v))' "$1"; }
for _ in $(seq 120); do
  if pid="$(agent '{"execute":"guest-exec","arguments":{"path":"/bin/cat","arg":["/var/lib/mvm-marker"],"capture-output":true}}' | field pid)" && [[ -n $pid ]]; then
    sleep 1
    status="$(agent "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}")"
    if [[ "$(field exitcode <<<"$status")" == 0 ]]; then
      echo "$vm: /var/lib/mvm-marker says: $(field out-data <<<"$status")"
      exit 0
    fi
  fi
  sleep 3
done
echo "$vm: no marker within 6 minutes (is the guest booting? virsh console $vm on its host)" >&2
exit 1
SH
  done
fi

say "done: run this again and up changes nothing."
destroy_hint() { # DIR STACK
  if [[ $engine == run_pulumi ]]; then echo "  (cd $1 && pulumi destroy --stack demo-$2 --yes)"
  else echo "  $harness destroy --cwd $1 --stack $2 --yes"; fi
}
((with_vms)) && { echo "Remove the VMs first, then the cluster:"; destroy_hint examples/vm "$vm_stack"; }
destroy_hint "$example" "$stack"
