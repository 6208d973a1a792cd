"""Helpers for the browser tests: opening pages in fresh contexts, and running axe-core.

axe-core comes from `node_modules/axe-core` (installed by `npm ci`, exact version in
package-lock.json). Its source is evaluated through Playwright's `page.evaluate`, which runs
over the DevTools protocol and so is not blocked by the page's Content-Security-Policy
(a `<script>` tag added to the page would be).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = REPO_ROOT / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"

# WCAG 2.0/2.1 A and AA, plus the AA rules added in WCAG 2.2.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Ten seconds per action is plenty for a static page on localhost; fail fast otherwise.
DEFAULT_TIMEOUT_MS = 10_000

_AXE_RUN = """async (tags) => {
    const results = await axe.run(document, {
        runOnly: {type: 'tag', values: tags},
        resultTypes: ['violations'],
    });
    return results.violations;
}"""


@functools.cache
def axe_source() -> str:
    if not AXE_JS.is_file():
        pytest.fail(
            f"{AXE_JS} is missing: run `make test` (or `npm ci --ignore-scripts`) "
            "to install axe-core from package-lock.json",
            pytrace=False,
        )
    return AXE_JS.read_text(encoding="utf-8")


def run_axe(page) -> list[dict]:
    """Run axe-core on the page's current document; returns its list of violations."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    return page.evaluate(_AXE_RUN, AXE_TAGS)


def format_violations(violations: list[dict], max_nodes: int = 8) -> str:
    """A readable report: one block per rule (id, impact, help, link), one line per element."""
    if not violations:
        return "no violations"
    lines = []
    for v in violations:
        nodes = v.get("nodes", [])
        lines.append(
            f"[{v.get('impact') or '?'}] {v['id']}: {v.get('help', '')} "
            f"({len(nodes)} element{'s' if len(nodes) != 1 else ''}) {v.get('helpUrl', '')}"
        )
        for node in nodes[:max_nodes]:
            target = " ".join(
                ">>".join(t) if isinstance(t, list) else str(t) for t in node.get("target", [])
            )
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").strip().splitlines()
            # The first line is "Fix any/all of the following:"; the next one says why.
            detail = [s.strip() for s in summary[1:3] if s.strip()]
            if detail:
                lines.append(f"       {' / '.join(detail)}")
            html = (node.get("html") or "").strip().replace("\n", " ")
            if html:
                lines.append(f"       {html[:160]}")
        if len(nodes) > max_nodes:
            lines.append(f"    ... and {len(nodes) - max_nodes} more")
    return "\n".join(lines)


@contextlib.contextmanager
def open_page(browser, url: str, *, wait_until: str = "load", **context_options) -> Iterator:
    """Open `url` in a new browser context (fresh state; options such as color_scheme,
    viewport or java_script_enabled apply to it); yields the page, closes the context after."""
    context = browser.new_context(**context_options)
    try:
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        page = context.new_page()
        response = page.goto(url, wait_until=wait_until)
        assert response is not None and response.ok, (
            f"GET {url} -> {response.status if response else 'no response'}"
        )
        yield page
    finally:
        context.close()
