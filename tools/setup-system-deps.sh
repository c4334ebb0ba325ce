#!/usr/bin/env bash
# Installs the system packages that omstil's integration tests use, from Debian's archive:
#   mosquitto + mosquitto-clients  external broker interop, `mosquitto_sub` in acceptance checks
#   chromium                       UI tests through playwright-core (never a downloaded browser)
#   socat                          pseudo-terminal pairs for serial tests
#   radicale                       a real CalDAV server for calendar sync tests (started by the tests on loopback)
#   kamailio, kamailio-extra-modules  a real SIP server for PBX tests (evapi for call events is in the extra modules)
#   baresip                        real SIP user agents that place and answer the test calls (no sound card needed)
#   libusb-1.0-0, libudev1         shared libraries node-hid's prebuilt addon links against (USB HID peripherals)
#   postgresql-15                  the PostgreSQL store (--store postgres://) and two hubs on one database; tests run a throwaway cluster
#   openssl                        throwaway CA and server certificates for the TLS/WSS tests
# Needs root (apt-get). Safe to run again: packages already present are skipped.
# Tests that need a missing package say "skipped"; with REQUIRE_SYSTEM_DEPS=1 they fail instead.
set -euo pipefail

packages=(mosquitto mosquitto-clients chromium socat radicale kamailio kamailio-extra-modules baresip libusb-1.0-0 libudev1 openssl postgresql-15)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-system-deps: all present (${packages[*]})"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-system-deps: need root to install: ${missing[*]}" >&2
  exit 1
fi

echo "setup-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian mosquitto, radicale, kamailio and postgresql packages may start system services; tests start their own on free ports.
echo "setup-system-deps: done"
