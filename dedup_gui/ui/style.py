"""Colours and marks for decisions that read on light and dark palettes alike, never by colour alone."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor, QGuiApplication, QPalette

# (light palette, dark palette): 4.5:1 or more against the palette's base colour (WCAG AA for text); checked by
# tests/ui/test_style.py on Fusion's light palette and a dark one.
KEEP_COLORS = ("#1b6e3a", "#7ee2a0")
TRASH_COLORS = ("#b3261e", "#ff9b93")
KEEP_MARK, TRASH_MARK = "✓", "✗"  # the non-colour cue, before the word
REASON_BACKGROUND = "rgba(46, 160, 67, 0.22)"  # the fact that made the keeper win; text keeps the palette colour


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Base).lightnessF() < 0.5


def decision_color(decision: str | None, palette: QPalette | None = None) -> QColor | None:
    if decision not in ("keep", "trash"):
        return None
    pair = KEEP_COLORS if decision == "keep" else TRASH_COLORS
    return QColor(pair[1] if is_dark(palette) else pair[0])


def decision_text(decision: str | None) -> str:
    """The decision in words with its mark: "✓ keep", "✗ trash", or "" when undecided."""
    if decision == "keep":
        return f"{KEEP_MARK} {QCoreApplication.translate('decision', 'keep')}"
    if decision == "trash":
        return f"{TRASH_MARK} {QCoreApplication.translate('decision', 'trash')}"
    return ""


def _luminance(color: QColor) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio, 1 (none) to 21 (black on white)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
