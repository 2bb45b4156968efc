"""The Qt review app: all PySide6 code lives under this package and nowhere else.

Importing the package first guards against PySide6 6.12's reference-count bug (see `signals`).
"""

from dedup_gui.ui import signals as _signals  # noqa: F401  (the guard runs on import)
