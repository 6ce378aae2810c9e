# Removes what raw-create.sh made for each VM named in "$@" (not timed).
for vm in "$@"; do
  virsh -q destroy "$vm" >/dev/null 2>&1
  virsh -q undefine "$vm" >/dev/null 2>&1
  rbd rm --no-progress "$POOL/$vm-boot" 2>/dev/null
  rbd rm --no-progress "$POOL/$vm-seed" 2>/dev/null
done
exit 0
