"""`python -m dedup_gui`: the same entry point as the `dedup-gui` command."""

import sys

from dedup_gui.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
