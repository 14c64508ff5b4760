#!/bin/busybox sh
# PID 1 of the test VM (see setup.sh). Loads the modules, mounts the host's root read-only over 9p, runs the
# in-VM test with the host's node inside a chroot of that root, prints its exit code and powers off.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
. /onemac.env
for module in $(cat /modules/order); do
  insmod "/modules/$module" || echo "ONEMAC-INIT insmod $module failed"
done
if ! mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /host; then
  echo "ONEMAC-INIT cannot mount the host root over 9p"
  echo "ONEMAC-EXIT 98"
  poweroff -f
fi
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t devtmpfs dev /host/dev
mount -t tmpfs tmp /host/tmp
mount -t tmpfs run /host/run 2>/dev/null
ip link set lo up
script="$(sed -n 's/.*onemac\.script=\([^ ]*\).*/\1/p' /proc/cmdline)"
[ -n "$script" ] || script="test/linux/qemu/in-vm.ts"
echo "ONEMAC-INIT running $script on $(uname -r)"
cd /host
chroot /host /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/tmp TMPDIR=/tmp \
  /bin/sh -c "cd '$ONEMAC_REPO' && exec '$ONEMAC_NODE' --import tsx '$script'"
echo "ONEMAC-EXIT $?"
poweroff -f
