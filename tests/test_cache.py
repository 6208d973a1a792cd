"""The content cache makes rebuilds fast and never changes a byte of the site."""
from __future__ import annotations

import os
import sqlite3

import pytest

from healthlib.speed import cache as cache_module
from healthlib import pipeline
from healthlib.speed.cache import Store
from healthlib.content.model import Made
from healthlib.errors import BuildError
from projectkit import build_into, make_project
from make_library import add_language
from sitecopy import run_cli, site_digest
from contentkit import replace_in


@pytest.fixture
def project(tmp_path):
    return make_project(tmp_path / "project", 6)


def fresh(project, tmp_path, name="nocache"):
    """The site as a build with no cache at all makes it."""
    out = tmp_path / name
    build_into(project, out, use_cache=False, jobs=1)
    return site_digest(out)


def test_a_warm_rebuild_takes_everything_from_the_cache_and_writes_the_same_site(project, tmp_path):
    out = tmp_path / "site"
    cold = build_into(project, out)
    assert cold.cache.hits == 0 and cold.cache.misses > 0
    first = site_digest(out)
    warm = build_into(project, out)
    assert warm.cache.misses == 0 and warm.cache.hits == cold.cache.misses
    assert site_digest(out) == first == fresh(project, tmp_path)


def test_no_cache_neither_reads_nor_writes_the_cache(project, tmp_path):
    result = build_into(project, tmp_path / "site", use_cache=False)
    assert result.cache.hits == result.cache.misses == 0
    assert not (project.root / ".cache" / "build").exists()


def _entries(cache_dir) -> dict[str, int]:
    """How many entries of each kind the cache database holds."""
    with sqlite3.connect(cache_dir / cache_module.DB_FILE) as db:
        return dict(db.execute("SELECT kind, count(*) FROM entry GROUP BY kind"))


def test_the_cache_lives_in_the_folder_given_and_is_safe_to_delete(project, tmp_path):
    cache_dir = tmp_path / "elsewhere"
    build_into(project, tmp_path / "site", cache_dir=cache_dir)
    assert sorted(p.name for p in (cache_dir / "build").iterdir()) == ["cache.sqlite", "templates"]
    assert not (project.root / ".cache").exists()
    with sqlite3.connect(cache_dir / "build" / cache_module.DB_FILE) as db:
        db.execute("UPDATE entry SET value = substr(value, 1, 10) WHERE key IN "
                   "(SELECT key FROM entry WHERE kind = 'made' LIMIT 2)")   # damaged
        db.execute("DELETE FROM entry WHERE key IN (SELECT key FROM entry WHERE kind = 'made' LIMIT 3 OFFSET 2)")
    result = build_into(project, tmp_path / "site", cache_dir=cache_dir)
    assert result.cache.misses == 2 + 3
    assert site_digest(tmp_path / "site") == fresh(project, tmp_path)


@pytest.mark.parametrize("damage", ["junk bytes", "cut short", "empty"])
def test_a_damaged_cache_database_is_made_again_and_the_site_is_the_same(project, tmp_path, damage):
    out, cache_dir = tmp_path / "site", project.root / ".cache" / "build"
    build_into(project, out)
    db = cache_dir / cache_module.DB_FILE
    data = db.read_bytes()
    db.write_bytes({"junk bytes": b"not a database " * 500, "cut short": data[:len(data) // 3],
                    "empty": b""}[damage])
    again = build_into(project, out)
    assert site_digest(out) == fresh(project, tmp_path)
    assert again.cache.hits == 0
    assert _entries(cache_dir) == {"made": 6 + 1, "folder": 6}   # each condition, and the library pages
    assert build_into(project, out).cache.misses == 0


def test_a_failed_build_keeps_the_work_it_did(project, tmp_path):
    """Entries wait in memory until the end of the build; a build that fails writes them too (the
    broken condition's problems as well: they are what building it again would find)."""
    broken = sorted(p for p in project.content.iterdir() if p.is_dir())[0]
    (broken / "condition.yaml").write_text("title: [unclosed\n")
    with pytest.raises(BuildError):
        build_into(project, tmp_path / "site")
    assert _entries(project.root / ".cache" / "build") == {"made": 6}


def test_entries_are_written_before_the_end_when_many_wait(project, tmp_path, monkeypatch):
    """Memory stays flat in a large library: past PENDING_BYTES the waiting entries are written."""
    monkeypatch.setattr(cache_module, "PENDING_BYTES", 1)
    store = Store(tmp_path / "cache")
    store.put("a" * 64, Made(None, [], [("x/index.html", b"page")]))
    assert _entries(tmp_path / "cache") == {"made": 1}
    found = Store(tmp_path / "cache").get("a" * 64, {"x/index.html": b"page"}.get)
    assert found.pages == [("x/index.html", b"page")] and found.reused


def _slugs(project):
    return sorted(p.name for p in project.content.iterdir() if p.is_dir())


def _slug(project):
    return _slugs(project)[2]


CHANGES = {
    "a section of one condition": lambda p: replace_in(
        p.content / _slug(p) / "treatment.md", "Treatment aims to stop", "Treatment tries to stop"),
    "a condition's title": lambda p: replace_in(
        p.content / _slug(p) / "condition.yaml", "title: ", "title: Renamed "),
    "a template": lambda p: replace_in(
        p.templates / "condition.html", "<h1>", "<h1 class=\"changed\">"),
    "a static file": lambda p: (p.static / "site.css").write_text(
        (p.static / "site.css").read_text() + "\n.changed { color: inherit; }\n"),
    "the glossary": lambda p: replace_in(
        p.content / "glossary.yaml", "means: a treatment that cleans your blood",
        "means: a treatment that filters your blood"),
    "site.yaml": lambda p: replace_in(p.site_file, "name: ", "name: Renamed "),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_to_any_input_is_built_as_if_there_were_no_cache(project, tmp_path, change):
    out = tmp_path / "site"
    build_into(project, out)
    before = site_digest(out)
    CHANGES[change](project)
    result = build_into(project, out)
    after = site_digest(out)
    assert after != before, f"changing {change} did not change the site"
    assert after == fresh(project, tmp_path), f"after changing {change} the cached build differs"
    assert result.cache.misses > 0


def test_an_edit_to_one_section_renders_only_that_condition_again(project, tmp_path):
    out = tmp_path / "site"
    cold = build_into(project, out)
    CHANGES["a section of one condition"](project)
    warm = build_into(project, out)
    assert warm.cache.misses == 1
    assert warm.cache.hits == cold.cache.misses - 1


def test_prune_keeps_only_what_the_last_build_used(project, tmp_path):
    out, cache_dir = tmp_path / "site", project.root / ".cache" / "build"
    build_into(project, out)
    CHANGES["a section of one condition"](project)
    build_into(project, out)
    assert _entries(cache_dir) == {"made": 6 + 1, "folder": 6}   # each condition, and the library pages


def test_a_disabled_cache_finds_and_keeps_nothing(tmp_path):
    store = Store(None)
    store.put("key", Made(None, [], [("a", b"b")]))
    assert store.get("key", {"a": b"b"}.get) is None
    assert not store.enabled


def test_a_rebuild_links_unchanged_files_from_the_current_site_and_writes_changed_ones(project, tmp_path):
    out = tmp_path / "site"
    build_into(project, out)
    slug = _slug(project)
    inodes = {p.relative_to(out).as_posix(): p.stat().st_ino for p in out.rglob("*") if p.is_file()}
    sites = [site_digest(out)]
    again = lambda p: replace_in(p.content / slug / "treatment.md", "Treatment tries to stop", "Treatment works to stop")  # noqa: E731
    for change in (CHANGES["a section of one condition"], again):
        change(project)
        build_into(project, out)
        after = {p.relative_to(out).as_posix(): p.stat().st_ino for p in out.rglob("*") if p.is_file()}
        changed = {k for k in after if after[k] != inodes.get(k)}
        assert f"{slug}/index.html" in changed and "index.html" not in changed
        # The search index is made from every condition page: a changed page changes some of its files.
        assert all(k.startswith((f"{slug}/", ".", "pagefind/")) or k.endswith(".xml") for k in changed), changed
        assert site_digest(out) == fresh(project, tmp_path, name=f"fresh-{len(sites)}")
        # The site before is kept beside it, whole, and nothing else: the next build updates it.
        sites.append(site_digest(out))
        assert site_digest(tmp_path / ".site-old") == sites[-2]
        assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".site")) == [".site-old"]
        inodes = after


def test_pages_come_from_the_current_site_only_when_their_bytes_are_the_ones_cached(project, tmp_path):
    out = tmp_path / "site"
    cold = build_into(project, out)
    expected = site_digest(out)
    page = out / _slug(project) / "index.html"
    page.write_bytes(page.read_bytes().replace(b"<h1", b"<h1 data-edited-by-hand"))   # not the build's bytes
    again = build_into(project, out)
    assert again.cache.misses == 1 and site_digest(out) == expected
    other = tmp_path / "elsewhere"              # a new output folder has no pages to reuse
    moved = build_into(project, other)
    assert moved.cache.misses == cold.cache.misses and site_digest(other) == expected


def test_listings_from_the_cache_equal_fresh_ones(project, tmp_path):
    out = tmp_path / "site"
    fresh_library = build_into(project, out, use_cache=False).library
    build_into(project, out)
    cached = build_into(project, out)
    assert cached.cache.misses == 0
    assert list(cached.library.conditions) == list(fresh_library.conditions)


def test_a_rebuild_loads_only_the_conditions_it_renders_again(project, tmp_path, monkeypatch):
    out = tmp_path / "site"
    build_into(project, out)
    loaded: list[str] = []
    real = pipeline.load_condition
    monkeypatch.setattr(pipeline, "load_condition", lambda folder, *a: loaded.append(folder.name) or real(folder, *a))
    for change, expected in (("a section of one condition", [_slug(project)]), ("a template", _slugs(project))):
        CHANGES[change](project)
        loaded.clear()
        build_into(project, out)
        assert loaded == expected, change
        assert site_digest(out) == fresh(project, tmp_path, name=f"fresh-{len(expected)}")


def _conditions(project) -> int:
    return sum(1 for p in project.content.iterdir() if p.is_dir())


def test_a_rebuild_reads_no_unchanged_condition_folder(project, tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "RACY_NS", 0)   # the files are older than the first build
    out = tmp_path / "site"
    assert build_into(project, out).cache.folders_read == _conditions(project)
    assert build_into(project, out).cache.folders_read == 0
    assert site_digest(out) == fresh(project, tmp_path)


def test_a_file_changed_with_its_old_size_and_times_is_read_again(project, tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    out = tmp_path / "site"
    build_into(project, out)
    path = project.content / _slug(project) / "treatment.md"
    before = path.stat()
    replace_in(path, "Treatment aims to stop", "Treatment aims to halt")      # same length
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert build_into(project, out).cache.folders_read == 1                   # its change time moved
    assert b"aims to halt" in (out / _slug(project) / "index.html").read_bytes()
    assert site_digest(out) == fresh(project, tmp_path)


def test_folders_changed_just_before_the_build_that_read_them_are_read_again(project, tmp_path):
    """A change in the same clock tick as the build's look could leave every time unchanged: folders
    with a file changed less than RACY_NS before are not trusted (git's racy-index rule)."""
    out = tmp_path / "site"
    build_into(project, out)                     # the files were just written
    assert build_into(project, out).cache.folders_read == _conditions(project)


def test_a_folder_with_a_linked_file_is_always_read(project, tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    slug = _slug(project)
    target = project.content / slug / "treatment.md"
    moved = project.content / "_shared-treatment.md"
    target.rename(moved)
    target.symlink_to(moved)
    out = tmp_path / "site"
    build_into(project, out)
    assert build_into(project, out).cache.folders_read == 1
    replace_in(moved, "Treatment aims to stop", "Treatment aims to halt")    # the link itself is unchanged
    build_into(project, out)
    assert b"aims to halt" in (out / slug / "index.html").read_bytes()


def test_touched_but_unchanged_folders_are_read_and_still_come_from_the_cache(project, tmp_path, monkeypatch):
    monkeypatch.setattr(cache_module, "RACY_NS", 0)
    out = tmp_path / "site"
    cold = build_into(project, out)
    for path in project.content.rglob("*"):
        os.utime(path)                                   # as a checkout or a copy does
    warm = build_into(project, out)
    assert warm.cache.folders_read == _conditions(project)
    assert warm.cache.misses == 0 and warm.cache.hits == cold.cache.misses
    assert site_digest(out) == fresh(project, tmp_path)


@pytest.mark.parametrize("conditions", [1, 60])
def test_a_serial_build_without_the_cache_writes_the_same_site_as_the_default_build(tmp_path, conditions):
    """`build --no-cache --jobs 1` (no store, no workers) against the default build, cold and
    warm, through the real command line: the speed layer changes no byte."""
    project = make_project(tmp_path / "project", conditions)
    content = ["--content", str(project.content), "--no-pdf"]
    plain, default = tmp_path / "plain", tmp_path / "default"
    assert run_cli("build", *content, "--out", str(plain), "--no-cache", "--jobs", "1").returncode == 0
    for _ in ("cold", "warm"):
        done = run_cli("build", *content, "--out", str(default), "--cache", str(tmp_path / "cache"))
        assert done.returncode == 0, done.stderr
        assert site_digest(default) == site_digest(plain)


def test_the_bundled_site_with_its_pdfs_is_the_same_without_the_cache(tmp_path):
    plain, default = tmp_path / "plain", tmp_path / "default"
    assert run_cli("build", "--out", str(plain), "--no-cache", "--jobs", "1").returncode == 0
    assert run_cli("build", "--out", str(default), "--cache", str(tmp_path / "cache")).returncode == 0
    assert site_digest(default) == site_digest(plain)
    assert any(name.endswith(".pdf") for name in site_digest(plain))


@pytest.mark.parametrize("languages", [1, 2])
def test_the_cache_keys_are_the_same_in_every_process(project, tmp_path, languages):
    """Each `build` is a new process, with its own string hashing: a key made from a set's repr
    changed with it, and every warm build made every page again."""
    if languages == 2:
        add_language(project.root)
    cache = tmp_path / "cache"

    def build(seed: str) -> set[tuple[str, str]]:
        done = run_cli("build", "--content", str(project.content), "--templates", str(project.templates), "--out",
                       str(tmp_path / "site"), "--cache", str(cache), "--no-pdf", "--no-search",
                       env={**os.environ, "PYTHONHASHSEED": seed})
        assert done.returncode == 0, done.stderr
        with sqlite3.connect(cache / "build" / cache_module.DB_FILE) as db:
            return set(db.execute("SELECT kind, key FROM entry"))

    first = build("1")
    assert build("2") == first and any(kind == "made" for kind, _ in first)
