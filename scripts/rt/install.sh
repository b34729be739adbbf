#!/usr/bin/env bash
# Install the real Request Tracker 5 from Debian (bookworm) for CI and tests.
#
# Idempotent and non-interactive (works under CI=true with no stdin). Needs root,
# or passwordless sudo, and access to the Debian apt mirrors.
#
# Besides the packages it writes one site-config snippet,
#   /etc/request-tracker5/RT_SiteConfig.d/90-tripline.pm
# which makes RT serve at the web root, log to STDERR instead of syslog and
# take its per-run settings from environment variables read when RT loads
# its config (the file is Perl, so it can read %ENV):
#   TRIPLINE_RT_PORT  port rt-server listens on (WebPort / WebBaseURL); default 8080
#   TRIPLINE_RT_HOST  host name in WebBaseURL; default 127.0.0.1
#   TRIPLINE_RT_DB    path of the SQLite database to use; default: Debian's
#                     /var/lib/dbconfig-common/sqlite3/request-tracker5/rtdb
#   TRIPLINE_RT_LOGLEVEL  RT's STDERR log level; default warning
#   TRIPLINE_RT_SEND_MAIL=1  really send RT's outgoing mail (default: dropped)
# test/support/requestTracker.ts sets them for bootstrap.pl and rt-server.
set -euo pipefail

RT_SERVER=/usr/share/request-tracker5/libexec/rt-server
SITE_DIR=/etc/request-tracker5/RT_SiteConfig.d
SNIPPET="$SITE_DIR/90-tripline.pm"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  SUDO=(sudo -n)
fi

if [ ! -x "$RT_SERVER" ]; then
  start=$(date +%s)
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    request-tracker5 rt5-db-sqlite rt5-standalone rt5-clients </dev/null
  echo "install.sh: apt install took $(( $(date +%s) - start ))s" >&2
else
  echo "install.sh: request-tracker5 already installed" >&2
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat >"$tmp" <<'PERL'
# Written by Tripline scripts/rt/install.sh -- do not edit by hand.
# Loaded after 50-debconf.pm / 51-dbconfig-common.pm, so these settings win.
my $tripline_port = $ENV{TRIPLINE_RT_PORT} || 8080;
my $tripline_host = $ENV{TRIPLINE_RT_HOST} || '127.0.0.1';
Set($WebPath, "");
Set($WebDomain, $tripline_host);
Set($WebPort, $tripline_port);
Set($WebBaseURL, "http://$tripline_host:$tripline_port");
Set($CanonicalizeRedirectURLs, 0);
Set($LogToSyslog, undef);
Set($LogToFile, undef);
Set($LogToSTDERR, $ENV{TRIPLINE_RT_LOGLEVEL} || 'warning');
Set($DatabaseName, $ENV{TRIPLINE_RT_DB}) if $ENV{TRIPLINE_RT_DB};
# Tests must never send real mail: drop outgoing mail unless TRIPLINE_RT_SEND_MAIL=1.
Set($MailCommand, sub { 1 }) unless $ENV{TRIPLINE_RT_SEND_MAIL};
1;
PERL
if ! cmp -s "$tmp" "$SNIPPET" 2>/dev/null; then
  "${SUDO[@]}" install -m 0644 -o root -g root "$tmp" "$SNIPPET"
  echo "install.sh: wrote $SNIPPET" >&2
fi
