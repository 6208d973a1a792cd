#!/usr/bin/env python3
"""Build, preview and check the health library. Run `python3 build.py --help`.

Started by a Python without the generator's packages (the system's `python3`), it runs itself
again with the project's `.venv/` Python that `make build` sets up, or says to run `make build`."""
from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Set when this file runs itself again in the venv: a venv that lacks a package too says so, once.
AGAIN = "HEALTHLIB_IN_VENV"


def _venv_python() -> Path | None:
    for name in ("bin/python", "Scripts/python.exe"):
        if (HERE / ".venv" / name).is_file():
            return HERE / ".venv" / name
    return None


def _without_packages(missing: str) -> int:
    venv = _venv_python()
    if venv is not None and not os.environ.get(AGAIN):
        os.environ[AGAIN] = "1"
        os.execv(venv, [str(venv), str(HERE / "build.py"), *sys.argv[1:]])
    where = "in .venv/" if venv is not None else "(there is no .venv/ yet)"
    print(f"error: build.py needs the package '{missing}', which is not installed {where}.\n"
          f"       Run 'make build' once in {HERE}: it sets up .venv/ with every package and builds the site.\n"
          "       Then 'make check', 'make serve' and 'python3 build.py ...' work.", file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        from healthlib.cli import main
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] == "healthlib":
            raise
        sys.exit(_without_packages(exc.name or str(exc)))
    sys.exit(main())
