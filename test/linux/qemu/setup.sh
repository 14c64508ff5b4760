#!/usr/bin/env bash
# Prepares everything the QEMU team-driver test needs, from Debian packages only, and prints one JSON line
# naming the kernel, the initramfs and the kernel release:
#   qemu-system-x86 and busybox-static are installed with apt-get (skipped when already there);
#   the kernel package that linux-image-amd64 depends on is fetched with `apt-get download` and unpacked with
#   `dpkg-deb -x` into build/qemu/ (never installed), once;
#   an initramfs is built from busybox, the kernel modules the test needs (decompressed) and init.sh.
# Idempotent: a second run downloads nothing and only rebuilds the initramfs if its inputs changed.
# Needs root (apt-get). Everything it writes lives under the repository's ignored build/ folder.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
cache="$repo/build/qemu"
mkdir -p "$cache"

log() { echo "setup: $*" >&2; }

if [ "$(id -u)" != 0 ]; then
  echo "setup: must run as root (it installs Debian packages with apt-get)" >&2
  exit 2
fi

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    apt-get update -qq >&2
    apt_updated=1
  fi
}

missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx insmod || missing+=(busybox-static)
command -v cpio >/dev/null || missing+=(cpio)
command -v xz >/dev/null || missing+=(xz-utils)
command -v zstd >/dev/null || missing+=(zstd)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_update_once
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
# busybox-static puts a static busybox at /bin/busybox (the VM has no libraries of its own until 9p is up).
[ -x /bin/busybox ] || { echo "setup: /bin/busybox is missing after installing busybox-static" >&2; exit 3; }

# The kernel: whatever linux-image-amd64 points at, unpacked once. A kernel already unpacked is reused so
# that later runs need no network.
kernel_dir=""
for candidate in "$cache"/linux-image-*/; do
  [ -f "$candidate/.unpacked" ] && kernel_dir="${candidate%/}" && break
done
if [ -z "$kernel_dir" ]; then
  package="$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')"
  if [ -z "$package" ]; then
    apt_update_once
    package="$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')"
  fi
  [ -n "$package" ] || { echo "setup: cannot resolve the kernel package behind linux-image-amd64" >&2; exit 4; }
  kernel_dir="$cache/$package"
  download="$(mktemp -d "$cache/download.XXXXXX")"
  log "apt-get download $package"
  (cd "$download" && apt-get download -qq "$package" >&2) || {
    apt_update_once
    (cd "$download" && apt-get download -qq "$package" >&2)
  }
  rm -rf "$kernel_dir"
  mkdir -p "$kernel_dir"
  log "dpkg-deb -x $(basename "$download"/*.deb)"
  dpkg-deb -x "$download"/*.deb "$kernel_dir"
  rm -rf "$download"
  touch "$kernel_dir/.unpacked"
fi

vmlinuz="$(ls "$kernel_dir"/boot/vmlinuz-* | head -n 1)"
release="${vmlinuz##*/vmlinuz-}"
moddir="$kernel_dir/lib/modules/$release"
[ -d "$moddir" ] || { echo "setup: $moddir is missing in the unpacked kernel package" >&2; exit 5; }

# Modules the VM needs, with their dependencies, in load order (dependencies first). The package ships no
# modules.dep (depmod runs at install time, and we do not install), so dependencies are read from each module's
# own .modinfo section ("depends=a,b").
wanted=(virtio_pci 9p 9pnet_virtio team team_mode_loadbalance veth bonding af_packet)
declare -A path_of=()
declare -A done_module=()
order=()
while IFS= read -r file; do
  base="${file##*/}"; base="${base%%.ko*}"; base="${base//-/_}"
  path_of["$base"]="${file#"$moddir"/}"
done < <(find "$moddir/kernel" -name '*.ko*')
module_depends() {
  case "$1" in
    *.xz) xz -dc "$1" ;;
    *.zst) zstd -qdc "$1" ;;
    *.gz) gzip -dc "$1" ;;
    *) cat "$1" ;;
  esac | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' '
}
add_module() {
  local name="${1//-/_}"
  [ -n "${done_module[$name]:-}" ] && return 0
  done_module["$name"]=1
  local file="${path_of[$name]:-}"
  if [ -z "$file" ]; then
    grep -q "/$name.ko" "$moddir/modules.builtin" || grep -q "/${1}.ko" "$moddir/modules.builtin" || {
      echo "setup: module $1 is neither a module nor built into the kernel" >&2; exit 6; }
    return 0
  fi
  local dep
  for dep in $(module_depends "$moddir/$file"); do add_module "$dep"; done
  order+=("$file")
}
for module in "${wanted[@]}"; do add_module "$module"; done

initramfs="$cache/initramfs-$release.cpio.gz"
stamp_input="$(cat "$here/init.sh"; printf '%s\n' "${order[@]}"; command -v node; echo "$repo"; ls -l /bin/busybox)"
stamp="$(printf '%s' "$stamp_input" | sha256sum | cut -c1-16)"
if [ ! -f "$initramfs" ] || [ "$(cat "$initramfs.stamp" 2>/dev/null)" != "$stamp" ]; then
  root="$(mktemp -d "$cache/initramfs.XXXXXX")"
  mkdir -p "$root"/{bin,dev,proc,sys,host,modules}
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
  done
  : > "$root/modules/order"
  for file in "${order[@]}"; do
    name="${file##*/}"
    case "$name" in
      *.ko.xz) xz -dc "$moddir/$file" > "$root/modules/${name%.xz}"; name="${name%.xz}" ;;
      *.ko.zst) zstd -qdc "$moddir/$file" > "$root/modules/${name%.zst}"; name="${name%.zst}" ;;
      *.ko.gz) gzip -dc "$moddir/$file" > "$root/modules/${name%.gz}"; name="${name%.gz}" ;;
      *) cp "$moddir/$file" "$root/modules/$name" ;;
    esac
    echo "$name" >> "$root/modules/order"
  done
  cp "$here/init.sh" "$root/init"
  chmod +x "$root/init"
  {
    echo "ONEMAC_NODE='$(command -v node)'"
    echo "ONEMAC_REPO='$repo'"
  } > "$root/onemac.env"
  (cd "$root" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) > "$initramfs.tmp"
  mv "$initramfs.tmp" "$initramfs"
  echo "$stamp" > "$initramfs.stamp"
  rm -rf "$root"
  log "built $(basename "$initramfs") with ${#order[@]} modules"
fi

printf '{"kernel":"%s","initramfs":"%s","release":"%s","qemu":"%s"}\n' \
  "$vmlinuz" "$initramfs" "$release" "$(command -v qemu-system-x86_64)"
