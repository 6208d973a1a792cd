"""A static host for a built site on loopback, behaving like GitHub Pages and most static hosts:
`build.py view`'s own (healthlib/editor/view.py), run in a thread. Used by the publishing tests
and by `scripts/audit.py`."""
from healthlib.editor.view import serve

__all__ = ["serve"]
