"""dedup-gui: find duplicate and near-duplicate photos and review them safely."""

__version__ = "0.1.0"
