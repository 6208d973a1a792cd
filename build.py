#!/usr/bin/env python3
"""Build, preview and check the health library. Run `python build.py --help`."""
import os
import sys

from healthlib.cli import main

if __name__ == "__main__":
    code = main()
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)   # a profiler or coverage tool writes its report as Python exits
    # Python's own exit frees every object the build made, one by one: 35 ms of a 0.7 s rebuild.
    # Nothing is left to finish (pools, files and the cache are closed), so the process ends
    # at once, once what it printed is out.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
