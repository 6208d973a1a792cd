"""A static host for a built site on loopback, behaving like GitHub Pages and most static hosts.

Clean URLs (`/calciphylaxis/` serves `calciphylaxis/index.html`; `/calciphylaxis` redirects to
it), the site's own `404.html` with status 404 for a missing address, and optionally a sub-path
(`/health/...`) so publishing below a folder can be tried locally. Used by the publishing tests
and by `scripts/audit.py`; not a production server.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit


class _Handler(http.server.SimpleHTTPRequestHandler):
    server: "_Server"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's name
        pass

    def send_head(self):
        path = urlsplit(self.path).path
        prefix = self.server.prefix
        if not (path + "/").startswith(prefix):
            return self._not_found()
        local = Path(self.translate_path("/" + path[len(prefix):]))
        if local.is_dir() and not path.endswith("/"):
            self.send_response(301)
            self.send_header("Location", path + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if not (local.is_file() or (local / "index.html").is_file()):
            return self._not_found()
        self.path = "/" + self.path[len(prefix):]
        return super().send_head()

    def _not_found(self):
        page = Path(self.directory) / "404.html"
        if not page.is_file():
            self.send_error(404)
            return None
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    prefix = "/"


@contextlib.contextmanager
def serve(site_dir: Path, prefix: str = "/") -> Iterator[str]:
    """Serve `site_dir` on 127.0.0.1 (a free port) under `prefix` (e.g. "/health/").

    Yields the site's base URL, ending in '/': http://127.0.0.1:PORT/health/."""
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    server = _Server(("127.0.0.1", 0), functools.partial(_Handler, directory=str(site_dir)))
    server.prefix = prefix
    thread = threading.Thread(target=server.serve_forever, name="statichost", daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host}:{port}{prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
