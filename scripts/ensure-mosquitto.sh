#!/bin/sh
# Installs Mosquitto from Debian's packages when it is missing; tests and the demo start their own.
set -e
if command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; then
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "Mosquitto is not installed. Install it as root: apt-get install mosquitto mosquitto-clients" >&2
    exit 1
fi
echo "Installing Mosquitto (apt-get)..." >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto mosquitto-clients >/dev/null
# The Debian package enables a system broker; Antrian's tests and demo start their own on a free port.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now mosquitto >/dev/null 2>&1 || true; fi
