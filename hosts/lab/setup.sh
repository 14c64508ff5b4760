#!/usr/bin/env bash
# Installs what the lab (npm run lab, test/lab) needs from Debian packages when it is missing: ethtool (offloads off
# on every veth end, so the switch processes read real frames of at most 1514 bytes with correct checksums) and ping
# (iputils-ping, the first thing a user tries through the switch). Skipped for what is already there. Needs root only
# when something must be installed; exits 2 then if not root. Prints the tools' paths as one JSON line.
set -euo pipefail

log() { echo "setup: $*" >&2; }

missing=()
command -v ethtool >/dev/null || missing+=(ethtool)
command -v ping >/dev/null || missing+=(iputils-ping)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: ${missing[*]} missing and not root: cannot install them with apt-get" >&2
    exit 2
  fi
  log "apt-get update"
  apt-get update -qq >&2
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
printf '{"ethtool":"%s","ping":"%s"}\n' "$(command -v ethtool)" "$(command -v ping)"
