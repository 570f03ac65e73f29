#!/bin/sh
# Installs Mosquitto (required) and espeak-ng (voice clips; optional) from Debian's packages
# when they are missing. Tests and the demo start their own broker on a free port.
set -e
need=""
if ! command -v mosquitto >/dev/null 2>&1 && [ ! -x /usr/sbin/mosquitto ]; then
    need="mosquitto mosquitto-clients"
fi
if ! command -v espeak-ng >/dev/null 2>&1; then
    need="$need espeak-ng"
fi
[ -z "$need" ] && exit 0
if [ "$(id -u)" != "0" ]; then
    case "$need" in
        *mosquitto*)
            echo "Mosquitto is not installed. Install it as root: apt-get install$need" >&2
            exit 1 ;;
        *)
            echo "espeak-ng is missing: voice clips fall back to tones (apt-get install espeak-ng)" >&2
            exit 0 ;;
    esac
fi
echo "Installing:$need (apt-get)..." >&2
apt-get update -qq || true
# shellcheck disable=SC2086
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null; then
    # espeak-ng is optional; Mosquitto is not.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto mosquitto-clients >/dev/null
fi
# The Debian package enables a system broker; Antrian's tests and demo start their own.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now mosquitto >/dev/null 2>&1 || true; fi
