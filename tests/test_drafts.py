"""Drafts through the real command line: `build` never publishes a draft, even by accident (a
draft published by the build before, kept in the cache and the current site; a draft with
errors; a draft linked from a published page; with and without the cache, in one process or
several), and says how many it left out. A published condition with errors still stops the
build and the site stays as it was. (The preview's side is in test_serve.py.)"""
from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from contentkit import add_condition, copy_content, line_of, replace_in
from healthlib.speed.parallel import THRESHOLD
from sitecopy import build_cmd, run_cli, site_digest

DRAFT, TITLE = "zz-unfinished-condition", "Zzyzx unfinished condition"


def every_text(site: Path) -> str:
    """Every file of the site as text, the search index's compressed files opened."""
    out = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        out.append(f"== {path.relative_to(site)}\n" + data.decode("utf-8", "replace"))
    return "\n".join(out)


def make_draft(folder: Path) -> None:
    meta = folder / "condition.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "status: draft\n", encoding="utf-8")


@pytest.mark.parametrize("options, conditions", [((), 1), (("--no-cache",), 1), (("--jobs", "1"), 1),
                                                 (("--jobs", "2", "--no-cache"), THRESHOLD + 1)])   # made by workers
def test_a_draft_is_never_published_even_right_after_it_was_published_and_with_errors(tmp_path, options, conditions):
    content = copy_content(tmp_path)
    for i in range(1, conditions):
        add_condition(content, f"condition-{i:03d}", f"Condition {i:03d}")
    folder = add_condition(content, DRAFT, TITLE)
    out, cache = tmp_path / "site", tmp_path / "cache"
    first = run_cli(*build_cmd(content, out, "--cache", str(cache), *options))
    assert first.returncode == 0, first.stderr
    assert (out / DRAFT / "index.html").is_file() and TITLE in every_text(out)   # published: in every listing

    make_draft(folder)
    second = run_cli(*build_cmd(content, out, "--cache", str(cache), *options))
    assert second.returncode == 0, second.stderr
    assert f"Left out 1 draft condition(s) (status: draft): {DRAFT}." in second.stdout
    assert f"Built {conditions} condition(s)" in second.stdout
    text = every_text(out)
    assert DRAFT not in text and TITLE not in text      # no page, A-Z, sitemap, search index, 404 or related list

    replace_in(folder / "condition.yaml", f"title: {TITLE}", "title:")   # a half-written draft
    third = run_cli(*build_cmd(content, out, "--cache", str(cache), *options))
    assert third.returncode == 0, third.stderr
    assert f"Left out 1 draft condition(s) (status: draft): {DRAFT}." in third.stdout
    assert DRAFT not in every_text(out)


def test_a_published_page_linking_to_a_draft_builds_with_a_warning_at_the_line_and_the_draft_stays_out(tmp_path):
    content = copy_content(tmp_path)
    make_draft(add_condition(content, DRAFT, TITLE))
    causes = next(content.glob("calciphylaxis/causes.md"))
    causes.write_text(causes.read_text(encoding="utf-8") + f"\nSee also [this page](../{DRAFT}/).\n",
                      encoding="utf-8")
    out = tmp_path / "site"
    proc = run_cli(*build_cmd(content, out))
    assert proc.returncode == 0, proc.stderr
    line = line_of(causes, f"../{DRAFT}/")
    assert (f"calciphylaxis/causes.md:{line}: warning: this links to '{DRAFT}', which is a draft: the published "
            "site will not have it. Remove the link, or publish that page first.") in proc.stderr
    assert not (out / DRAFT).exists() and TITLE not in every_text(out)


def test_a_published_condition_with_errors_stops_the_build_and_the_site_stays(tmp_path):
    content = copy_content(tmp_path)
    folder = add_condition(content, DRAFT, TITLE)
    out = tmp_path / "site"
    assert run_cli(*build_cmd(content, out)).returncode == 0
    before = site_digest(out)
    replace_in(folder / "condition.yaml", f"title: {TITLE}", "title:")
    proc = run_cli(*build_cmd(content, out))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert f"{DRAFT}/condition.yaml:" in proc.stderr and "'title' is empty" in proc.stderr
    assert "Build failed" in proc.stderr and site_digest(out) == before


def test_a_draft_whose_condition_yaml_does_not_parse_is_left_out_and_a_published_one_stops_the_build(tmp_path):
    content = copy_content(tmp_path)
    folder = add_condition(content, DRAFT, TITLE)
    make_draft(folder)
    replace_in(folder / "condition.yaml", f"title: {TITLE}", f"title: [{TITLE}")   # YAML that cannot be read
    out = tmp_path / "site"
    proc = run_cli(*build_cmd(content, out))
    assert proc.returncode == 0, proc.stderr
    assert f"Left out 1 draft condition(s) (status: draft): {DRAFT}." in proc.stdout and not (out / DRAFT).exists()
    replace_in(folder / "condition.yaml", "status: draft", "status: published")
    failed = run_cli(*build_cmd(content, out))
    assert failed.returncode == 1 and f"{DRAFT}/condition.yaml:" in failed.stderr and "Traceback" not in failed.stderr
