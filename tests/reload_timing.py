"""Edit-to-reload time of `build.py serve`: file saved -> browser told to reload -> new page served.

    .venv/bin/python tests/reload_timing.py                  # the bundled content
    .venv/bin/python tests/reload_timing.py --conditions 1000

Copies the content to a temporary folder (with --conditions N, the first condition is copied
N - 1 times under other names and titles), starts the real server, connects a live-reload
client the way a browser does, then edits one section of one condition several times. Each
figure runs from just before the file is written to the end of the response that carries the
edit. Prints each time and the median.
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from contentkit import add_condition, copy_content  # noqa: E402
from healthlib.content.load import condition_folders  # noqa: E402
from servekit import ReloadClient, Server, run_async  # noqa: E402


def fetch(server: Server, path: str) -> bytes:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
    conn.request("GET", path)
    body = conn.getresponse().read()
    conn.close()
    return body


async def measure(server: Server, section: Path, page: str, edits: int) -> list[float]:
    client = await ReloadClient.connect(server)
    original = section.read_text(encoding="utf-8")
    times = []
    try:
        for i in range(edits):
            marker = f"Timing edit number {i}."
            started = time.perf_counter()
            section.write_text(f"{original.rstrip()} {marker}\n", encoding="utf-8")
            message = await client.next_message(timeout=60)
            assert message and message["command"] == "reload", message
            body = fetch(server, page)
            times.append(time.perf_counter() - started)
            assert marker.encode() in body, f"the served page lacks {marker!r}"
            await asyncio.sleep(0.5)        # apart, so each edit is its own rebuild
    finally:
        section.write_text(original, encoding="utf-8")
        client.close()
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conditions", type=int, default=0, help="make the library this big (default: as it is)")
    ap.add_argument("--edits", type=int, default=9)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        content = copy_content(Path(tmp))
        first = condition_folders(content)[0]
        for i in range(1, args.conditions):
            add_condition(content, f"condition-{i:04d}", f"Condition {i:04d}", template=first.name)
        count = len(condition_folders(content))
        print(f"{count} condition(s); starting the server ...", flush=True)
        started = time.perf_counter()
        server = Server(content, Path(tmp) / "preview", timeout=1800)
        print(f"first build and start: {time.perf_counter() - started:.1f} s", flush=True)
        try:
            times = run_async(measure(server, first / "what-it-is.md", f"/{first.name}/", args.edits))
        finally:
            code = server.stop()
        print("edit-to-reload, ms:", " ".join(f"{t * 1000:.0f}" for t in times))
        print(f"median {statistics.median(times) * 1000:.0f} ms over {len(times)} edits "
              f"({count} condition(s)); server exit code {code}")
        rebuilds = [line for line in server.lines if line.startswith("Updated")]
        print("server:", rebuilds[-1] if rebuilds else "(no update lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
