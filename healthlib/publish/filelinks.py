"""Links that a browser can follow from the file system (site.yaml `directory_urls: false`).

A page links to folders (`calciphylaxis/`, `../`), as web hosts serve them; opened from `file://`,
a browser shows such a folder's file listing instead of its page. With `directory_urls: false`
every relative link to a folder names the folder's `index.html`, as MkDocs' `use_directory_urls`
does, so the built site can be clicked through from the file system."""
from __future__ import annotations

import re

# The path of each relative href="..." and action="..." (the templates always double-quote them):
# not another site (a scheme), the host's root, or a place on the same page.
_RELATIVE = re.compile(r'(\s(?:href|action)=")(?![A-Za-z][A-Za-z0-9+.-]*:|[#/?"])([^"#?]*)')


def _to_file(m: re.Match) -> str:
    path = m.group(2)
    last = path.rsplit("/", 1)[-1]
    if path.endswith("/"):
        path += "index.html"
    elif last in (".", "..") or "." not in last:      # a folder written without its '/'
        path += "/index.html"
    return m.group(1) + path


def to_files(html: str) -> str:
    """`html` with each relative link to a folder pointing at that folder's index.html."""
    return _RELATIVE.sub(_to_file, html)
