#!/usr/bin/env bash
# Installs the Debian packages Tripline's tests use for real (never fakes): iputils-ping for the
# ping probe, iproute2 for network-namespace fault tests, prometheus-node-exporter (agreement test and
# bench:agent; never started as a service), monitoring-plugins-basic (real Nagios plugins), stress-ng
# (CPU hogs to check that the suite passes on a busy machine: `stress-ng --cpu 2` beside `npx vitest
# run`), and Request Tracker 5 for the desk tests (scripts/rt/install.sh: packages plus one
# site-config snippet); dpkg-dev (dpkg-deb, dpkg-shlibdeps) and binutils (strip) for `npm run
# package`, ansible-core for the Ansible role's test (packaging/ansible), tinyproxy, a real HTTP proxy
# for the agent's proxy test (run in the foreground by the test, never as a service), chromium
# for the web console's browser tests (driven headless by playwright-core), and
# prometheus-alertmanager, a real Alertmanager for the intake's end-to-end test (run by the test on
# loopback, never as a service), and postgresql, a real PostgreSQL for the store contract suite and the
# shared-store tests (each test makes a temporary cluster of its own with initdb on a loopback port, run
# as the postgres user; Debian's own cluster service is turned off).
# Idempotent: packages already present are not fetched again.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
here=$(cd "$(dirname "$0")" && pwd)
can_install() { [[ $(id -u) -eq 0 ]] || sudo -n true 2>/dev/null; }
wanted=(iputils-ping iproute2 prometheus-node-exporter monitoring-plugins-basic stress-ng dpkg-dev binutils ansible-core tinyproxy chromium prometheus-alertmanager postgresql)
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]} > 0)); then
  if ! can_install; then
    echo "warning: Debian packages missing (${missing[*]}); run this script as root. Tests that need them will fail." >&2
  else
    SUDO=()
    [[ $(id -u) -eq 0 ]] || SUDO=(sudo -n)
    "${SUDO[@]}" apt-get update -qq
    "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
    # Debian starts tinyproxy and alertmanager as services on install; the tests run their own, in the foreground.
    for service in tinyproxy prometheus-alertmanager postgresql; do
      if [[ " ${missing[*]} " == *" $service "* ]] && [[ -d /run/systemd/system ]]; then
        "${SUDO[@]}" systemctl disable --now "$service.service" >/dev/null 2>&1 || true
      fi
    done
  fi
fi
# Request Tracker 5 for the desk contract and end-to-end tests (about 3 minutes the first time).
if can_install; then
  bash "$here/rt/install.sh"
elif [[ ! -e /etc/request-tracker5/RT_SiteConfig.d/90-tripline.pm ]]; then
  echo "warning: Request Tracker 5 is not installed and this user cannot install it; its tests fail under CI and are skipped elsewhere." >&2
fi
