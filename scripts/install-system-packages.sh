#!/usr/bin/env bash
# Installs the Debian packages Tripline's tests use for real (never fakes): iputils-ping for the
# ping probe, iproute2 for network-namespace fault tests, prometheus-node-exporter (agreement test and
# bench:agent; never started as a service) and monitoring-plugins-basic (real Nagios plugins).
# Request Tracker for the desk tests is installed by scripts/rt/install.sh.
# Idempotent: packages already present are not fetched again.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
wanted=(iputils-ping iproute2 prometheus-node-exporter monitoring-plugins-basic)
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "warning: Debian packages missing (${missing[*]}); run this script as root. Tests that need them will fail." >&2
    exit 0
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
