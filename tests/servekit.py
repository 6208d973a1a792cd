"""Helpers for tests (and tests/reload_timing.py) that run `build.py serve` as an editor does:
start it on a free port, talk to it like a browser's live-reload client, stop it by its PID."""
from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tornado.websocket import websocket_connect

REPO = Path(__file__).resolve().parent.parent
LIVERELOAD_HELLO = {"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}


class Server:
    """`build.py serve --port 0` in a child process; its output is collected line by line."""

    def __init__(self, content: Path, out: Path, *args: str, timeout: float = 300, root: Path = REPO):
        """`root`: the project whose build.py runs (another copy, with its own site.yaml)."""
        self.proc = subprocess.Popen([sys.executable, "-u", "build.py", "serve", "--port", "0", "--content",
                                      str(content), "--out", str(out), *args],
                                     cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        line = self.wait_for("Preview: http://", timeout)
        self.url = line.split()[1]                  # "http://127.0.0.1:PORT/"
        self.host, self.port = self.url[len("http://"):].rstrip("/").rsplit(":", 1)
        self.port = int(self.port)
        self.wait_for("Watching ", timeout)         # saves before this line would go unseen

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 30, after: int = 0) -> str:
        """The first output line (from line `after` on) that contains `text`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[after:]:
                if text in line:
                    return line
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.02)
        raise AssertionError(f"no {text!r} in the server's output:\n" + "\n".join(self.lines))

    def stop(self) -> int:
        """Stop the server by its PID (SIGTERM, as Ctrl+C or a process manager does); its exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=5)
        return code


def run_async(coro):
    """asyncio.run(coro) in a thread of its own: Playwright's sync API keeps an event loop
    running in the main thread once a browser test has started it."""
    outcome: dict = {}

    def target():
        try:
            outcome["value"] = asyncio.run(coro)
        except BaseException as exc:   # handed to the caller
            outcome["error"] = exc

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


class ReloadClient:
    """What livereload.js does in a browser: connect, say hello, send info, wait for 'reload'."""

    def __init__(self, conn):
        self.conn = conn

    @classmethod
    async def connect(cls, server: Server, origin: str | None = None, cookie: str | None = None) -> "ReloadClient":
        from tornado.httpclient import HTTPRequest
        headers = {"Origin": origin or f"http://{server.host}:{server.port}"}
        if cookie:
            headers["Cookie"] = cookie          # as a browser sends back what the page set
        conn = await websocket_connect(HTTPRequest(f"ws://{server.host}:{server.port}/livereload", headers=headers))
        client = cls(conn)
        await client.send(LIVERELOAD_HELLO)
        hello = json.loads(await conn.read_message())
        assert hello["command"] == "hello", hello
        await client.send({"command": "info", "plugins": {}, "url": server.url})
        return client

    async def send(self, message) -> None:
        await self.conn.write_message(message if isinstance(message, str) else json.dumps(message))

    async def next_message(self, timeout: float) -> dict | None:
        """The next message from the server, or None if none comes in `timeout` seconds."""
        try:
            raw = await asyncio.wait_for(self.conn.read_message(), timeout)
        except asyncio.TimeoutError:
            return None
        return None if raw is None else json.loads(raw)

    def close(self) -> None:
        self.conn.close()
