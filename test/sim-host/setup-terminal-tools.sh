#!/usr/bin/env bash
# Installs what the picocom test needs from Debian packages when it is missing: picocom (the terminal program a user
# would point at the console) and tmux (to type into it and read its screen). Skipped for what is already there.
# Needs root only when something must be installed; exits 2 then if not root. Prints the tools' paths as one JSON line.
set -euo pipefail

log() { echo "setup: $*" >&2; }

missing=()
command -v picocom >/dev/null || missing+=(picocom)
command -v tmux >/dev/null || missing+=(tmux)
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
printf '{"picocom":"%s","tmux":"%s"}\n' "$(command -v picocom)" "$(command -v tmux)"
