#!/usr/bin/env bash
# What the lab (npm run lab, test/lab) needs from Debian: ethtool (offloads off on every veth end, so the switch
# processes read real frames of at most 1514 bytes with correct checksums) and ping (iputils-ping, the first thing a
# user tries through the switch). See hosts/debian-packages.sh for how and what it prints.
exec bash "$(dirname "$0")/../debian-packages.sh" ethtool=ethtool ping=iputils-ping
