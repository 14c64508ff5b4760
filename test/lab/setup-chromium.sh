#!/usr/bin/env bash
# Installs what the lab report test needs from Debian packages when it is missing: chromium, to open the report
# headless and take a screenshot of it. Skipped when it is already there.
# Needs root only when something must be installed; exits 2 then if not root. Prints the browser's path as one JSON line.
set -euo pipefail

log() { echo "setup: $*" >&2; }

find_browser() { command -v chromium || command -v chromium-browser || true; }

if [ -z "$(find_browser)" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: chromium missing and not root: cannot install it with apt-get" >&2
    exit 2
  fi
  log "apt-get update"
  apt-get update -qq >&2
  log "apt-get install chromium"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2
fi
browser="$(find_browser)"
if [ -z "$browser" ]; then
  echo "setup: chromium was installed but is not on PATH" >&2
  exit 1
fi
printf '{"chromium":"%s"}\n' "$browser"
