# Shared by the maintainer scripts of tripline-agent and tripline-collector; packaging/buildDebianPackages.ts
# puts it in place of the "# @include tripline-common.sh" line of each script.
TRIPLINE_DATA=/var/lib/tripline

# The system user both services run as (Debian policy 9.2.2: a dynamically allocated system account).
tripline_add_user() {
  if ! getent passwd tripline >/dev/null; then
    adduser --quiet --system --group --home "$TRIPLINE_DATA" --no-create-home \
      --shell /usr/sbin/nologin --gecos "Tripline monitoring" tripline
  fi
  # The data directory: the services' state, spool and database; nobody else reads it.
  install -d -o tripline -g tripline -m 0700 "$TRIPLINE_DATA"
}

# Reloads systemd, then starts UNIT on a first install only when ENV_FILE (its secrets) exists, i.e. an
# administrator (or the Ansible role) has configured it; on an upgrade restarts it only if it runs.
tripline_configure_unit() {
  unit=$1 env_file=$2 previous_version=$3
  [ -d /run/systemd/system ] || return 0
  systemctl --system daemon-reload >/dev/null || true
  if [ -n "$previous_version" ]; then
    systemctl try-restart "$unit" >/dev/null || true
  elif [ -e "$env_file" ]; then
    systemctl enable --now "$unit" >/dev/null || true
  fi
}

# Stops and disables UNIT when the package is removed (not on upgrade), so no symlink outlives it.
tripline_remove_unit() {
  unit=$1
  if [ -d /run/systemd/system ]; then
    systemctl stop "$unit" >/dev/null 2>&1 || true
  fi
  if command -v systemctl >/dev/null; then
    systemctl disable "$unit" >/dev/null 2>&1 || true
  fi
}

# On purge: the directories both packages share go once they are empty. The tripline user stays (as
# with most Debian packages): files it owns elsewhere would otherwise pass to the next account given its uid.
tripline_purge_shared() {
  rmdir "$TRIPLINE_DATA" 2>/dev/null || true
  rmdir /etc/tripline 2>/dev/null || true
}
