"""The Qt review app: all PySide6 code lives under this package and nowhere else."""
