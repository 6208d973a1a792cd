#!/usr/bin/env python3
"""Build, preview and check the health library. Run `python build.py --help`."""
import sys

from healthlib.cli import main

if __name__ == "__main__":
    sys.exit(main())
