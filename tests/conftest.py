"""Shared test fixtures: the built site, a local HTTP server for it, and headless Chromium.

The site is built once per test session with the real command (`build.py build --out DIR`).
Tests that take a `page_path` argument are parametrized over every HTML page of that build,
so the build runs at collection time, the first time such a test is collected.

Chromium is Debian's `/usr/bin/chromium` driven by Playwright (no browser download). When
it is missing, browser tests skip on a developer machine and fail under CI (`CI` set).
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import statichost

REPO_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
BUILD_TIMEOUT_S = 600


# ------------------------------------------------------------------ pages of a site


def html_pages(site_dir: Path) -> list[str]:
    """Every HTML page of a built site, sorted, as URL paths from the site root.

    `index.html` files are given as their directory URL (`/`, `/calciphylaxis/`), the way
    the site is published; other files keep their name (`/404.html`).
    """
    pages = []
    for path in sorted(site_dir.rglob("*.html")):
        rel = path.relative_to(site_dir).as_posix()
        if rel == "index.html":
            pages.append("/")
        elif rel.endswith("/index.html"):
            pages.append("/" + rel[: -len("index.html")])
        else:
            pages.append("/" + rel)
    return pages


def page_file(site_dir: Path, url_path: str) -> Path:
    """The file in `site_dir` that serves `url_path` (the inverse of `html_pages`)."""
    rel = url_path.lstrip("/")
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return site_dir / rel


# ------------------------------------------------------------------ the build


@dataclass
class SiteBuild:
    site: Path | None = None
    error: str | None = None
    pages: list[str] = field(default_factory=list)


_BUILD_KEY = pytest.StashKey[SiteBuild]()


def _build_site(config: pytest.Config) -> SiteBuild:
    """Run `build.py build --out <tmp>/site` once per session; remember the result or error."""
    if _BUILD_KEY in config.stash:
        return config.stash[_BUILD_KEY]
    result = SiteBuild()
    config.stash[_BUILD_KEY] = result
    # The same factory that the `tmp_path_factory` fixture returns; fixtures themselves
    # are not available at collection time, when the page list is needed.
    out = config._tmp_path_factory.mktemp("built") / "site"  # noqa: SLF001
    cmd = [sys.executable, "build.py", "build", "--out", str(out)]
    if not (REPO_ROOT / "build.py").exists():
        result.error = f"{REPO_ROOT / 'build.py'} does not exist: cannot build the site"
        return result
    try:
        proc = subprocess.run(
            cmd,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        result.error = f"`{' '.join(cmd)}` timed out after {BUILD_TIMEOUT_S}s\n{exc.stdout or ''}{exc.stderr or ''}"
        return result
    if proc.returncode != 0:
        result.error = (
            f"`{' '.join(cmd)}` exited with {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
        )
        return result
    if not out.is_dir():
        result.error = f"`{' '.join(cmd)}` exited 0 but did not create {out}"
        return result
    result.site = out
    result.pages = html_pages(out)
    if not result.pages:
        result.error = f"`{' '.join(cmd)}` exited 0 but {out} holds no HTML page"
    return result


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize `page_path` over every HTML page of the built site.

    If the build fails there is one `build-failed` case, which errors with the build's output
    (from the `built_site` fixture), instead of a silent empty parametrization.
    """
    if "page_path" not in metafunc.fixturenames:
        return
    build = _build_site(metafunc.config)
    if build.error is not None:
        metafunc.parametrize("page_path", ["<build failed>"], ids=["build-failed"])
    else:
        metafunc.parametrize("page_path", build.pages, ids=build.pages)


@pytest.fixture(scope="session")
def built_site(request: pytest.FixtureRequest) -> Path:
    """The directory of the site built by `build.py build --out DIR` (once per session)."""
    build = _build_site(request.config)
    if build.error is not None:
        pytest.fail(f"building the site failed:\n{build.error}", pytrace=False)
    assert build.site is not None
    return build.site


@pytest.fixture(scope="session")
def site_pages(built_site: Path) -> list[str]:
    """Every HTML page of the built site as URL paths (see `html_pages`)."""
    return html_pages(built_site)


@pytest.fixture(scope="session")
def site_file(built_site: Path):
    """A function from a page's URL path (as in `site_pages`) to its file in the built site."""
    return functools.partial(page_file, built_site)


# ------------------------------------------------------------------ HTTP server


@pytest.fixture(scope="session")
def site_server(built_site: Path):
    """Serve the built site on 127.0.0.1 (a free port), as a static host would (clean URLs,
    404.html for a missing address); yields the base URL without a slash."""
    with statichost.serve(built_site) as base:
        yield base.rstrip("/")


# ------------------------------------------------------------------ Chromium


def in_ci() -> bool:
    """True when the CI environment variable is set (CI sets CI=true)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def chromium_missing_reason() -> str | None:
    if CHROMIUM.exists():
        return None
    return f"{CHROMIUM} is missing (install it with `sudo make system-deps` or `apt-get install chromium`)"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "browser: needs headless Chromium at /usr/bin/chromium "
        "(skipped when it is missing, unless CI is set: then it fails)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = chromium_missing_reason()
    if reason is None or in_ci():
        return  # present, or CI: the `browser` fixture fails loudly instead
    skip = pytest.mark.skip(reason=f"{reason}; set CI=true to make this a failure")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, driven by Playwright's sync API, for the whole session."""
    reason = chromium_missing_reason()
    if reason is not None:
        pytest.fail(f"{reason}; CI is set, so browser tests may not skip", pytrace=False)
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        pw.stop()
