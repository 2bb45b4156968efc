"""The command-line front end: the same engine as the window, for scripting, servers and benchmarks."""
