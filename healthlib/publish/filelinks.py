"""Links that a browser can follow from the file system (site.yaml `directory_urls: false`).

A page links to folders (`calciphylaxis/`, `../`), as web hosts serve them; opened from `file://`,
a browser shows such a folder's file listing instead of its page. With `directory_urls: false`
every relative link to a folder names the folder's `index.html`, as MkDocs' `use_directory_urls`
does, so the built site can be clicked through from the file system."""
from __future__ import annotations

import re

# href="..." and action="..." values, as the templates write them (always double-quoted).
_LINK = re.compile(r'\b(href|action)="([^"]*)"')
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _to_file(value: str) -> str:
    if not value or value.startswith(("#", "/", "?")) or _SCHEME.match(value):
        return value        # same page, from the host's root, or another site: left as it is
    cut = min((i for i in (value.find("#"), value.find("?")) if i >= 0), default=len(value))
    path, rest = value[:cut], value[cut:]
    if path.endswith("/"):
        path += "index.html"
    elif path.rsplit("/", 1)[-1] in (".", ".."):
        path += "/index.html"
    return path + rest


def to_files(html: str) -> str:
    """`html` with each relative link to a folder pointing at that folder's index.html."""
    return _LINK.sub(lambda m: f'{m.group(1)}="{_to_file(m.group(2))}"', html)
