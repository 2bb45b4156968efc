#!/bin/sh
# A scan started from the bundle's window, as a person starts one: the app opened on a folder, F5 pressed, the
# result stored. Run under an X server (xvfb-run), with xdotool; packaging/smoke_test.sh calls it.
#
#   packaging/window_scan.sh BUNDLE_DIR HOME_DIR PHOTOS_DIR
#
# The window runs its scan in a process of its own, which a one-folder bundle must start from its own executable;
# the CLI's scan (smoke test step 3) never does. Exits 0 once the window stored a completed scan and closed.
set -eu

BUNDLE=$1
HOME_DIR=$2
PHOTOS=$3
STORE=$HOME_DIR/.local/share/dedup-gui/dedup-gui.sqlite3
PY=${PY:-python3}
LOG=$HOME_DIR/window.log
fail() { echo "window scan FAILED: $*" >&2; cat "$LOG" >&2 2>/dev/null || true; exit 1; }

env -i PATH=/usr/bin:/bin HOME="$HOME_DIR" DISPLAY="$DISPLAY" XAUTHORITY="${XAUTHORITY:-}" LANG=C.UTF-8 "$BUNDLE/dedup-gui" "$PHOTOS" >"$LOG" 2>&1 &
app=$!
trap 'kill "$app" 2>/dev/null || true' EXIT

window=$(timeout 20 xdotool search --sync --onlyvisible --name '^dedup-gui' | head -n 1) || fail "no window"
sleep 1  # the folder given on the command line is added once the window has shown
xdotool windowfocus --sync "$window" 2>/dev/null || true
xdotool key --window "$window" F5

# The scan process stores its result; the window then loads it. Poll the store from outside, read-only.
done_at=""
for _ in $(seq 1 120); do
    if [ -f "$STORE" ] && "$PY" -c '
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
sys.exit(0 if db.execute("select count(*) from scans where status = ?", ("completed",)).fetchone()[0] else 1)
' "$STORE" 2>/dev/null; then
        done_at=yes
        break
    fi
    kill -0 "$app" 2>/dev/null || fail "the app exited during the scan"
    sleep 0.5
done
[ -n "$done_at" ] || fail "no completed scan in $STORE after 60 s"
sleep 1
kill -TERM "$app"  # as a logout does: the window closes and saves
for _ in $(seq 1 20); do kill -0 "$app" 2>/dev/null || break; sleep 0.5; done
kill -0 "$app" 2>/dev/null && fail "the window did not close on SIGTERM"
leftover=$(pgrep -f "$BUNDLE/dedup-gui" || true)
[ -z "$leftover" ] || fail "processes left behind: $leftover"
trap - EXIT
echo "window scan: stored a completed scan from the bundle's window, closed cleanly"
