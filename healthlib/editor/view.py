"""`build.py view`: the built site on this computer, as a static web host serves it.

Clean addresses (`/calciphylaxis/` serves `calciphylaxis/index.html`; `/calciphylaxis`
redirects to it), the site's own `404.html` with status 404 for a missing address, and the
folder of `base_url` (`/health/...`) when the site is published in one. Only 127.0.0.1. Search
works here (a browser does not run it from a file). Also the tests' and `scripts/audit.py`'s host
(tests/statichost.py); not a production server.
"""
from __future__ import annotations

import contextlib
import functools
import http.server
import io
import signal
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


def _server(site_dir: Path, prefix: str, port: int) -> _Server:
    server = _Server(("127.0.0.1", port), functools.partial(_Handler, directory=str(site_dir)))
    server.prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    return server


@contextlib.contextmanager
def serve(site_dir: Path, prefix: str = "/") -> Iterator[str]:
    """Serve `site_dir` on 127.0.0.1 (a free port) under `prefix` (e.g. "/health/"), in a thread.

    Yields the site's base URL, ending in '/': http://127.0.0.1:PORT/health/."""
    server = _server(site_dir, prefix, 0)
    thread = threading.Thread(target=server.serve_forever, name="statichost", daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host}:{port}{server.prefix}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def run(site_dir: Path, base_url: str, port: int, say=print) -> int:
    """`build.py view`: serve the built site until Ctrl+C."""
    if not (site_dir / "index.html").is_file():
        say(f"error: there is no built site in {site_dir}. Run 'make build' first.")
        return 1
    try:
        server = _server(site_dir, urlsplit(base_url).path or "/", port)
    except OSError as exc:
        say(f"error: cannot listen on 127.0.0.1:{port} ({exc.strerror}). Is it already running? "
            "Stop it, or choose another port with --port.")
        return 1
    say(f"Site: http://127.0.0.1:{server.server_address[1]}{server.prefix}   (the built {site_dir}; "
        "press Ctrl+C to stop)")
    signal.signal(signal.SIGTERM, _interrupt)     # stopped by a process manager as by Ctrl+C
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
