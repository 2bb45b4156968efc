"""Decision colours readable on light and dark palettes (WCAG AA, 4.5:1 against the list's background)."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QStyleFactory

from dedup_gui.ui.style import contrast, decision_color, is_dark


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, color in ((QPalette.ColorRole.Base, "#1e1e1e"), (QPalette.ColorRole.AlternateBase, "#262626"),
                        (QPalette.ColorRole.Window, "#2b2b2b"), (QPalette.ColorRole.Button, "#353535")):  # fmt: skip
        palette.setColor(role, QColor(color))
    return palette


@pytest.mark.parametrize("palette_name", ["light", "dark"])
def test_decision_colours_read_on_the_palette(qapp, palette_name: str) -> None:
    palette = QStyleFactory.create("Fusion").standardPalette() if palette_name == "light" else dark_palette()
    assert is_dark(palette) == (palette_name == "dark")
    for decision in ("keep", "trash"):
        color = decision_color(decision, palette)
        for role in (QPalette.ColorRole.Base, QPalette.ColorRole.AlternateBase, QPalette.ColorRole.Button):
            assert contrast(color, palette.color(role)) >= 4.5, (decision, role)
    assert decision_color(None, palette) is None
