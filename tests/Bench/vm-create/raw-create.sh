# The raw floor of the VM benchmark: what a user's own script does on one host for each VM named
# in "$@", the same objects the provider makes: boot disk cloned from the image's @base snapshot
# and resized, a NoCloud seed ISO (xorriso, as the provider builds it) imported to RBD, the domain
# defined from the provider's own XML (names, UUID and MACs left to libvirt) and started.
# The caller prepends POOL, IMAGE, SIZE_GIB, USER_DATA and DOMAIN_XML (with @NAME@) as bash assignments.
set -euo pipefail
for vm in "$@"; do
  rbd clone "$POOL/$IMAGE@base" "$POOL/$vm-boot"
  rbd resize --no-progress --size "${SIZE_GIB}G" "$POOL/$vm-boot"
  dir=$(mktemp -d /var/tmp/raw-seed.XXXXXX)
  printf 'instance-id: %s\nlocal-hostname: %s\n' "$vm" "$vm" > "$dir/meta-data"
  printf '%s' "${USER_DATA//@NAME@/$vm}" > "$dir/user-data"
  xorriso -as mkisofs -quiet -output "$dir/seed.iso" -V cidata -J -r "$dir/meta-data" "$dir/user-data" 2>/dev/null
  rbd import --no-progress "$dir/seed.iso" "$POOL/$vm-seed"
  printf '%s\n' "${DOMAIN_XML//@NAME@/$vm}" > "$dir/domain.xml"
  virsh -q define "$dir/domain.xml" >/dev/null
  virsh -q start "$vm" >/dev/null
  rm -rf "$dir"
done
