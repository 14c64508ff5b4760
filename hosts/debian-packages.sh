#!/usr/bin/env bash
# Installs Debian packages for commands that are missing, the one way the project's tools and tests get what they need
# from Debian: `debian-packages.sh COMMAND=PACKAGE ...` (e.g. `ethtool=ethtool ping=iputils-ping`). Commands already
# on PATH are left alone. Needs root only when something must be installed; exits 2 then if not root. Prints the
# commands' paths as one JSON line, e.g. {"ethtool":"/usr/sbin/ethtool","ping":"/usr/bin/ping"}.
set -euo pipefail

log() { echo "setup: $*" >&2; }

missing=()
for pair in "$@"; do
  command="${pair%%=*}"
  package="${pair#*=}"
  if [ -z "$command" ] || [ -z "$package" ] || [ "$command" = "$pair" ]; then
    echo "setup: expected COMMAND=PACKAGE, got \"$pair\"" >&2
    exit 2
  fi
  command -v "$command" >/dev/null || missing+=("$package")
done
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
json=""
for pair in "$@"; do
  command="${pair%%=*}"
  path="$(command -v "$command" || true)"
  if [ -z "$path" ]; then
    echo "setup: ${pair#*=} was installed but $command is not on PATH" >&2
    exit 1
  fi
  json="${json:+$json,}\"$command\":\"$path\""
done
printf '{%s}\n' "$json"
