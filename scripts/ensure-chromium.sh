#!/usr/bin/env bash
# Make Debian's chromium available for the browser tests.
# As root on Debian it is installed when missing; elsewhere we only report.
set -eu
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi emoji; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core fonts-noto-color-emoji fontconfig >/dev/null
  exit 0
fi
echo "No /usr/bin/chromium: browser tests will be skipped (failed under CI=true)." >&2
