#!/bin/busybox sh
# PID 1 of the test VM (see setup.sh). Loads the modules, mounts the host's root read-only over 9p, runs the
# in-VM test with the host's node inside a chroot of that root, prints its exit code and powers off.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
. /onemac.env
for module in $(cat /modules/order); do
  parameters=""
  [ "$module" = bonding.ko ] && parameters="max_bonds=0" # else loading bonding creates bond0
  insmod "/modules/$module" $parameters || echo "ONEMAC-INIT insmod $module failed"
done
# The virtio-9p device may still be probing: retry for up to 10 s.
tries=0
until mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /host 2>/dev/null; do
  tries=$((tries + 1))
  [ "$tries" -ge 100 ] && break
  sleep 0.1
done
if ! grep -q ' /host 9p ' /proc/mounts; then
  echo "ONEMAC-INIT cannot mount the host root over 9p"
  echo "ONEMAC-EXIT 98"
  poweroff -f
fi
mount -t proc proc /host/proc
mount -t sysfs sys /host/sys
mount -t devtmpfs dev /host/dev
# The VM gets a writable /tmp and /run of its own. The repository may itself live under one of them (CI clones
# wherever it likes): keep a view of it and put it back at the same path on top of the fresh tmpfs.
mkdir -p /repo
mount -o bind "/host$ONEMAC_REPO" /repo
mount -t tmpfs tmp /host/tmp
mount -t tmpfs run /host/run 2>/dev/null
if [ ! -e "/host$ONEMAC_REPO/package.json" ]; then
  mkdir -p "/host$ONEMAC_REPO"
  mount -o bind /repo "/host$ONEMAC_REPO"
fi
ip link set lo up
script="$(sed -n 's/.*onemac\.script=\([^ ]*\).*/\1/p' /proc/cmdline)"
[ -n "$script" ] || script="test/linux/qemu/in-vm.ts"
node_flags="$(sed -n 's/.*onemac\.nodeflags=\([^ ]*\).*/\1/p' /proc/cmdline | tr ',' ' ')"
echo "ONEMAC-INIT running $script on $(uname -r) at $(cut -d' ' -f1 /proc/uptime) s"
cd /host
chroot /host /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/tmp TMPDIR=/tmp \
  /bin/sh -c "cd '$ONEMAC_REPO' && exec '$ONEMAC_NODE' $node_flags --import tsx '$script'"
status=$?
echo "ONEMAC-EXIT $status at $(cut -d' ' -f1 /proc/uptime) s"
poweroff -f
