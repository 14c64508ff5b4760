#!/usr/bin/env bash
# What the picocom test needs from Debian: picocom (the terminal program a user would point at the console) and tmux
# (to type into it and read its screen). See hosts/debian-packages.sh for how and what it prints.
exec bash "$(dirname "$0")/../../hosts/debian-packages.sh" picocom=picocom tmux=tmux
