"""The C library, for the few Linux calls Python does not wrap (renameat2, prctl, inotify)."""
from __future__ import annotations

import ctypes

# Already loaded into the process: CDLL(None) finds its functions without searching for the file.
libc = ctypes.CDLL(None, use_errno=True)
