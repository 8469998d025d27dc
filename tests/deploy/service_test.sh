#!/usr/bin/env bash
# Checks of the service files (tests/deploy/CMakeLists.txt registers one ctest
# test per check):
#   verify    systemd-analyze verify finds nothing wrong with the unit
#   security  systemd-analyze's offline exposure score is at most MAX_EXPOSURE
#   install   DESTDIR install puts every file in place, with safe modes, and
#             the installed config is the reference with absolute paths
# Usage: service_test.sh CHECK UNIT BUILD_DIR SOURCE_DIR
set -euo pipefail
check=$1 unit=$2 build=$3 src=$4
# 0 is a sandbox with nothing; 10 is an unprotected root service. 1.5 is what
# the shipped unit scores; a change that weakens it fails here, on purpose.
MAX_EXPOSURE=1.5

fail() { echo "FAIL: $*" >&2; exit 1; }

case $check in
verify)
  out=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $out"
  # verify exits 0 on some warnings; the unit must have none of its own.
  if grep -F "$(basename "$unit")" <<<"$out" | grep -v 'not executable\|Failed to create' ; then
    fail "systemd-analyze verify warned about the unit: $out"
  fi
  echo "verify: ok"
  ;;
security)
  out=$(systemd-analyze security --offline=yes "$unit" 2>&1) || true
  line=$(grep -E 'Overall exposure level' <<<"$out") || fail "no exposure score in: $out"
  score=$(sed -E 's/.*: ([0-9.]+).*/\1/' <<<"$line")
  echo "security: $line"
  awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s <= m) }' ||
    fail "exposure $score is above $MAX_EXPOSURE: $out"
  ;;
install)
  dest=$(mktemp -d)
  trap 'rm -rf "$dest"' EXIT
  DESTDIR=$dest cmake --install "$build" --prefix /usr >/dev/null
  for f in usr/bin/riskgate usr/bin/riskgatectl etc/riskgate/riskgate.toml \
    lib/systemd/system/riskgate.service usr/lib/sysusers.d/riskgate.conf \
    etc/logrotate.d/riskgate usr/share/doc/riskgate/README.md; do
    [[ -e $dest/$f ]] || fail "not installed: /$f"
  done
  [[ ! -e $dest/etc/riskgate/tokens.toml ]] || fail "demo tokens must never be installed"
  mode=$(stat -c %a "$dest/etc/riskgate/riskgate.toml")
  [[ $mode == 640 ]] || fail "/etc/riskgate/riskgate.toml has mode $mode, expected 640"
  installed_unit=$dest/lib/systemd/system/riskgate.service
  grep -qx 'ExecStart=/usr/bin/riskgate --config /etc/riskgate/riskgate.toml --instance %H' \
    "$installed_unit" || fail "installed unit does not start /usr/bin/riskgate: $(grep ExecStart "$installed_unit")"
  grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$installed_unit" || fail "no ExecReload"
  # The journal rings live in RuntimeDirectory: a crash must not remove them.
  grep -qx 'RuntimeDirectoryPreserve=yes' "$installed_unit" || fail "RuntimeDirectory not preserved"
  # The installed config differs from the reference only in its paths (and
  # the header), and every path it names is absolute.
  changed=$(diff <(grep -v -e '^#' -e '^$' "$src/config/riskgate.toml") \
    <(grep -v -e '^#' -e '^$' "$dest/etc/riskgate/riskgate.toml") | grep -c '^>' || true)
  # 7: the six paths, and FileLogPath, commented out in the reference (its
  # default follows StateDir) and set to /var/log/riskgate/msglog here.
  [[ $changed == 7 ]] || fail "expected 7 changed lines (the paths), got $changed"
  if grep -E '^(StateDir|AuditLog|AdminTokensFile|Manifest|KillFile|JournalRingDir|FileLogPath) = "[^/]' \
    "$dest/etc/riskgate/riskgate.toml"; then
    fail "a relative path is left in the installed config"
  fi
  grep -q '^u riskgate ' "$dest/usr/lib/sysusers.d/riskgate.conf" || fail "no riskgate user"
  echo "install: ok"
  ;;
*) fail "unknown check $check" ;;
esac
