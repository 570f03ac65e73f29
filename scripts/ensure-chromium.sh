#!/bin/sh
# Installs Debian's chromium when it is missing: the web tests drive it through Playwright
# (executable_path=/usr/bin/chromium). Playwright's own browser download is never used.
set -e
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" != "0" ]; then
    echo "Chromium is not installed (the web tests need it). Install it as root: apt-get install chromium" >&2
    exit 1
fi
echo "Installing: chromium (apt-get)..." >&2
apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
