#!/usr/bin/env bash
# What the lab report tests need from Debian: chromium, to open the report headless and take a screenshot of it.
# See hosts/debian-packages.sh for how and what it prints.
exec bash "$(dirname "$0")/../../hosts/debian-packages.sh" chromium=chromium
