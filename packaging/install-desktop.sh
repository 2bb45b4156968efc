#!/bin/sh
# Add dedup-gui to the desktop menu for the current user (no root): the .desktop file, the AppStream metainfo,
# the icons, and a `dedup-gui` command in ~/.local/bin.
#
#   install-desktop.sh              install (from an unpacked bundle, or from a source checkout with .venv)
#   install-desktop.sh --uninstall  remove exactly what install put there; your photos, store and settings stay
#
# Works from the bundle (dist/dedup-gui/install-desktop.sh, files under share/) and from the source tree
# (packaging/install-desktop.sh, files under packaging/linux and resources/icons).
set -eu

APP_ID=io.github.dedupgui.DedupGui
SIZES="16 32 48 64 128 256 512"
DATA=${XDG_DATA_HOME:-$HOME/.local/share}
BIN=${DEDUP_GUI_BIN_DIR:-$HOME/.local/bin}
HERE=$(cd "$(dirname "$0")" && pwd)

if [ -d "$HERE/share" ]; then            # inside the bundle
    DESKTOP_SRC=$HERE/share; ICON_SRC=$HERE/share/icons/hicolor; EXE=$HERE/dedup-gui
else                                     # source checkout: packaging/
    ROOT=$(dirname "$HERE")
    DESKTOP_SRC=$HERE/linux; ICON_SRC=$ROOT/resources/icons/hicolor; EXE=$ROOT/.venv/bin/dedup-gui
    if [ ! -x "$EXE" ]; then EXE=$(command -v dedup-gui || true); fi
fi

refresh() {
    # Menus pick the changes up on their own; these only speed it up and may be missing.
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$DATA/applications" || true
    # Only refresh an icon cache that exists: a new one would hide icons that other apps add later without one.
    if [ -f "$DATA/icons/hicolor/icon-theme.cache" ] && command -v gtk-update-icon-cache >/dev/null 2>&1; then
        gtk-update-icon-cache -q -t "$DATA/icons/hicolor" || true
    fi
}

uninstall() {
    rm -f "$DATA/applications/$APP_ID.desktop" "$DATA/metainfo/$APP_ID.metainfo.xml"
    rm -f "$DATA/icons/hicolor/scalable/apps/$APP_ID.svg"
    for n in $SIZES; do rm -f "$DATA/icons/hicolor/${n}x${n}/apps/$APP_ID.png"; done
    if [ -L "$BIN/dedup-gui" ]; then rm -f "$BIN/dedup-gui"; fi
    refresh
    echo "Removed the dedup-gui menu entry, icons, metainfo and $BIN/dedup-gui."
    echo "Your store, settings and cache are kept; the README's \"Removing dedup-gui\" says where they are."
}

install() {
    if [ -z "$EXE" ] || [ ! -x "$EXE" ]; then
        echo "install-desktop.sh: no dedup-gui executable found (build the bundle, or run 'make run' first)" >&2
        exit 1
    fi
    mkdir -p "$BIN" "$DATA/applications" "$DATA/metainfo" "$DATA/icons/hicolor/scalable/apps"
    ln -sf "$EXE" "$BIN/dedup-gui"
    # An absolute Exec/TryExec: the menu works even where ~/.local/bin is not on the session's PATH.
    sed -e "s|^Exec=dedup-gui |Exec=$BIN/dedup-gui |" -e "s|^TryExec=dedup-gui\$|TryExec=$BIN/dedup-gui|" \
        "$DESKTOP_SRC/$APP_ID.desktop" > "$DATA/applications/$APP_ID.desktop"
    cp "$DESKTOP_SRC/$APP_ID.metainfo.xml" "$DATA/metainfo/$APP_ID.metainfo.xml"
    cp "$ICON_SRC/scalable/apps/$APP_ID.svg" "$DATA/icons/hicolor/scalable/apps/$APP_ID.svg"
    for n in $SIZES; do
        mkdir -p "$DATA/icons/hicolor/${n}x${n}/apps"
        cp "$ICON_SRC/${n}x${n}/apps/$APP_ID.png" "$DATA/icons/hicolor/${n}x${n}/apps/$APP_ID.png"
    done
    refresh
    echo "Installed dedup-gui in the applications menu ($DATA/applications/$APP_ID.desktop)."
    echo "Command: $BIN/dedup-gui -> $EXE"
}

case "${1:-}" in
    "") install ;;
    --uninstall|-u) uninstall ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) echo "usage: $0 [--uninstall]" >&2; exit 2 ;;
esac
