"""Every HTML page of the built site is valid HTML, per the Nu HTML Checker (vnu.jar).

vnu.jar comes from the npm package vnu-jar (exact version in package-lock.json) and runs on
the system Java. One JVM checks the whole site in one call.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest


VNU_JAR = Path(__file__).resolve().parent.parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
VNU_TIMEOUT_S = 300


def run_vnu(target: Path) -> list[dict]:
    """Check every HTML file under `target` (a file or directory); returns vnu's messages
    (errors only: type "error", or "non-document-error" when a file could not be read)."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("`java` is not on PATH: run `make system-deps` (installs default-jre-headless)", pytrace=False)
    if not VNU_JAR.is_file():
        pytest.fail(
            f"{VNU_JAR} is missing: run `make test` (or `npm ci --ignore-scripts`) to install vnu-jar",
            pytrace=False,
        )
    cmd = [java, "-jar", str(VNU_JAR), "--errors-only", "--skip-non-html", "--format", "json", str(target)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=VNU_TIMEOUT_S)
    # vnu writes its report to stderr, exits 1 when it found errors and 0 when it found none.
    try:
        report = json.loads(proc.stderr)
    except json.JSONDecodeError:
        pytest.fail(
            f"vnu did not print a JSON report (exit {proc.returncode}):\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr[:5000]}",
            pytrace=False,
        )
    messages = report.get("messages", [])
    if proc.returncode != 0 and not messages:
        pytest.fail(f"vnu exited {proc.returncode} without messages:\n{proc.stderr[:5000]}", pytrace=False)
    return messages


def format_messages(messages: list[dict], root: Path) -> str:
    lines = []
    for m in messages:
        url = m.get("url", "")
        path = unquote(urlsplit(url).path) if url.startswith("file:") else url
        try:
            path = str(Path(path).relative_to(root))
        except ValueError:
            pass
        line = m.get("lastLine", m.get("firstLine", "?"))
        col = m.get("firstColumn", m.get("lastColumn", ""))
        where = f"{path}:{line}" + (f":{col}" if col != "" else "")
        lines.append(f"{where}: {m.get('type', '?')}: {m.get('message', '')}")
        extract = (m.get("extract") or "").replace("\n", " ").strip()
        if extract:
            lines.append(f"    {extract[:160]}")
    return "\n".join(lines)


def test_every_built_page_is_valid_html(built_site: Path, site_pages: list[str]):
    assert site_pages, f"the built site {built_site} holds no HTML page to check"
    messages = run_vnu(built_site)
    if messages:
        pytest.fail(
            f"the Nu HTML Checker found {len(messages)} error(s) in {len(site_pages)} pages "
            f"(file:line:column):\n" + format_messages(messages, built_site),
            pytrace=False,
        )


BROKEN_HTML = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"></head>
<body>
<p id="same">one</p>
<p id="same">two</p>
<div><span></div>
</body>
</html>
"""


def test_html_checker_reports_errors_in_a_broken_page(tmp_path: Path):
    """The harness can fail: vnu must flag a page with a duplicate id and no <title>."""
    (tmp_path / "broken.html").write_text(BROKEN_HTML, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not HTML, must be skipped", encoding="utf-8")
    messages = run_vnu(tmp_path)
    text = format_messages(messages, tmp_path)
    assert any(m.get("type") == "error" for m in messages), f"vnu reported no error:\n{text}"
    assert "Duplicate ID" in text, f"vnu missed the duplicate id:\n{text}"
    assert "title" in text, f"vnu missed the missing <title>:\n{text}"
    assert all("broken.html" in m.get("url", "") for m in messages), f"vnu checked a non-HTML file:\n{text}"
