"""Opening the built site as a newcomer does: whatever the last line of `build` says to open,
every page can be clicked through in Chromium, never landing on a folder's file listing.
With `directory_urls: false` that is the site's index.html from the file system (file://);
with the default (links to folders, for a web host) it is `build.py view`'s address."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest

from contentkit import copy_content
from healthlib.publish.filelinks import to_files
from sitecopy import REPO_ROOT, copy_code
from servekit import Server  # noqa: F401 - the same process handling as the preview's tests

pytestmark = pytest.mark.browser
ALL_LINKS = "() => [...document.querySelectorAll('a[href], form[action]')].map(a => a.href || a.action)"


def project_copy(root: Path, directory_urls: bool) -> Path:
    copy_code(root)
    site_yaml = (REPO_ROOT / "site.yaml").read_text(encoding="utf-8")
    (root / "site.yaml").write_text(site_yaml + ("" if directory_urls else "directory_urls: false\n"), encoding="utf-8")
    copy_content(root)
    return root


def build(root: Path) -> str:
    """`build.py build` in `root`; the last line it prints."""
    done = subprocess.run([sys.executable, "build.py", "build", "--no-pdf"], cwd=root, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def click_through(browser, start: str) -> set[str]:
    """Every page reached by clicking each link of each page, from `start`; fails on a click that
    lands anywhere but the page its link names, or on a page that is a folder's file listing."""
    site = start.rsplit("/", 1)[0] + "/" if start.startswith("file:") else start
    seen, todo = set(), [start]
    page = browser.new_page()
    try:
        while todo:
            url = todo.pop()
            if url in seen:
                continue
            seen.add(url)
            page.goto(url)
            assert not page.title().startswith("Index of") and page.locator("main h1").count() == 1, url
            targets = dict.fromkeys(urldefrag(href)[0] for href in page.evaluate(ALL_LINKS))
            for target in (t for t in targets if t.startswith(site) and t != url):
                page.goto(url)
                index = [urldefrag(h)[0] for h in page.evaluate(ALL_LINKS)].index(target)
                with page.expect_navigation():       # the search box's form is sent as search-box.js does
                    page.evaluate("i => { const e = document.querySelectorAll('a[href], form[action]')[i]; "
                                  "e.href ? e.click() : (location.href = e.action); }", index)
                assert urldefrag(page.url)[0] == target, f"{url}: a link to {target} went to {page.url}"
                assert not page.title().startswith("Index of"), f"{url}: {target} is a folder listing"
                todo.append(target)
    finally:
        page.close()
    return seen


def test_with_directory_urls_false_every_page_is_clicked_through_from_the_file_system(browser, tmp_path):
    root = project_copy(tmp_path / "project", directory_urls=False)
    last = build(root)
    assert last == f"Open {root / 'site' / 'index.html'}"
    reached = click_through(browser, Path(last[len("Open "):]).as_uri())
    pages = {p.as_uri() for p in (root / "site").rglob("index.html")}
    assert reached == pages, sorted(pages - reached)


def test_by_default_the_build_says_to_run_view_whose_address_is_clicked_through(browser, tmp_path):
    root = project_copy(tmp_path / "project", directory_urls=True)
    last = build(root)
    command = re.search(r"run '([^']+)'", last).group(1)
    assert command == "make view"
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^view: .*\n\t\$\(PY\) build\.py view$", makefile, re.M), "make view runs build.py view"
    proc = subprocess.Popen([sys.executable, "build.py", "view", "--port", "0"], cwd=root, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        line = proc.stdout.readline()
        address = re.match(r"Site: (http://127\.0\.0\.1:\d+/) ", line)
        assert address, line
        reached = click_through(browser, address.group(1))
    finally:
        proc.terminate()
        assert proc.wait(timeout=20) == 0
    pages = {address.group(1) + p.parent.relative_to(root / "site").as_posix() + "/"
             for p in (root / "site").rglob("index.html")}
    assert {u.replace("/./", "/") for u in reached} == {u.replace("/./", "/") for u in pages}


@pytest.mark.parametrize("link, expected", [
    ("calciphylaxis/", "calciphylaxis/index.html"), ("../", "../index.html"), ("./", "./index.html"),
    ("..", "../index.html"), ("../kidney-stones/#causes", "../kidney-stones/index.html#causes"),
    ("../kidney-stones", "../kidney-stones/index.html"), ("../kidney-stones#causes", "../kidney-stones/index.html#causes"),
    ("search/?q=skin", "search/index.html?q=skin"), ("#symptoms", "#symptoms"), ("assets/site.1a2b.css",
    "assets/site.1a2b.css"), ("https://example.org/", "https://example.org/"), ("/health/", "/health/"),
    ("mailto:a@b.org", "mailto:a@b.org")])
def test_file_links_name_the_index_of_each_relative_folder_and_leave_the_rest(link, expected):
    assert to_files(f'<a href="{link}">x</a><form action="{link}">') == \
        f'<a href="{expected}">x</a><form action="{expected}">'
