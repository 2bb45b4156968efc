"""The scan engine: no Qt, no UI; shared by the CLI and the GUI through `pipeline.run_scan`."""
