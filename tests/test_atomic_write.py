"""Nothing lost: a build killed at any moment leaves the old complete site or the new complete
site, never a mix; and the build refuses output folders that are not its own.

Two large libraries (300 conditions each, no URL in common) are built by the real command
line. Then builds that flip the site from one to the other are killed with SIGKILL at random
points, and after each kill the site must be byte-for-byte one of the two known builds.

- The real `build.py build` is killed at random points of the whole run, and just after its
  temporary folder appears (the only time anything is written).
- The writer alone (the same `Writer`, fed the pages of a known build) is killed many more
  times, since a whole build spends most of its time rendering in memory.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contentkit import add_condition, copy_content
from healthlib.output import write
from healthlib.errors import BuildError
from healthlib.pipeline import Project, build
from healthlib.output.write import MARKER, Writer, _key
from sitecopy import REPO_ROOT, build_cmd, first_condition, site_digest

CONDITIONS = 300
CLI_KILLS_PER_STREAM = 3       # each costs a whole build
WRITER_KILLS_PER_STREAM = 40
STREAMS = 2                    # one per core, each flipping its own site folder

# The writer on its own: the pages of a built site, added and committed like a build does.
WRITE_AGAIN = """
import sys
from pathlib import Path
from healthlib.output.write import MARKER, Writer
source, out = map(Path, sys.argv[1:])
writer = Writer(out)
for f in sorted(source.rglob("*")):
    if f.is_file() and f.name != MARKER:
        writer.add(f.relative_to(source).as_posix(), f.read_bytes())
writer.commit()
"""


@dataclass
class Libraries:
    content: dict[str, Path]
    site: dict[str, Path]
    digest: dict[str, dict[str, str]]
    seconds: dict[str, float]

    def which(self, site: Path) -> str:
        """'a' or 'b' when `site` is exactly that build, else a description of the damage."""
        found = site_digest(site)
        for name, digest in self.digest.items():
            if found == digest:
                return name
        return f"mixed: {len(found)} files, none of the known builds"


@pytest.fixture(scope="module")
def libraries(tmp_path_factory) -> Libraries:
    work = tmp_path_factory.mktemp("atomic")
    content = {}
    for name in ("a", "b"):
        content[name] = copy_content(work / name)
        source = first_condition(content[name])
        for i in range(CONDITIONS):
            add_condition(content[name], f"{name}-{i:04d}", f"Condition {name.upper()}{i}", template=source.name)
        shutil.rmtree(source)      # so the two libraries share no condition URL
    site = {name: work / f"site-{name}" for name in content}
    started = time.perf_counter()
    procs = {name: subprocess.Popen([sys.executable, "build.py", *build_cmd(content[name], site[name])],
                                    cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for name in content}
    seconds = {}
    for name, proc in procs.items():
        output = proc.communicate(timeout=600)[0]
        seconds[name] = time.perf_counter() - started
        assert proc.returncode == 0, output
    return Libraries(content, site, {name: site_digest(s) for name, s in site.items()}, seconds)


@dataclass
class Tally:
    """What each kill found. Every entry of `damaged` is a failure."""

    outcomes: Counter = field(default_factory=Counter)
    damaged: list[str] = field(default_factory=list)

    def add(self, other: "Tally") -> None:
        self.outcomes.update(other.outcomes)
        self.damaged.extend(other.damaged)


def _leftovers(site: Path) -> list[str]:
    """The temporary folders a build writes in (and a killed one leaves) beside the site. The
    site before, kept there as .site-old for the next build to update, is not one of them."""
    return sorted(p.name for p in site.parent.iterdir() if p != site and p.name != f".{site.name}-old")


def _run_and_kill(cmd: list[str], delay: float, started_writing=None) -> bool:
    """Start `cmd`; SIGKILL it `delay` seconds later (after `started_writing()` becomes true, if
    given). True if it was killed, False if it finished first."""
    proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if started_writing is not None:
        while proc.poll() is None and not started_writing():
            time.sleep(0.001)
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return True


def _flip_and_kill(libs: Libraries, site: Path, trials: list[tuple[str, float]], command) -> Tally:
    """Each trial builds the library the site is not, and kills it. `command(name, site)` gives the
    command line; a trial is ('any', delay) or ('writing', delay after the temporary folder appears)."""
    tally = Tally()
    for when, delay in trials:
        before = libs.which(site)
        target = "b" if before == "a" else "a"
        trigger = (lambda: bool(_leftovers(site))) if when == "writing" else None
        killed = _run_and_kill(command(target, site), delay, trigger)
        after = libs.which(site)
        if after not in libs.digest:
            tally.damaged.append(f"killed {when} +{delay:.3f}s building {target} over {before}: {after}")
            break
        if not killed:
            tally.outcomes["finished before the kill"] += 1
        elif after == target:
            tally.outcomes["killed after the swap: new site"] += 1
        elif _leftovers(site):
            tally.outcomes["killed while writing: old site"] += 1
        else:
            tally.outcomes["killed before writing: old site"] += 1
    return tally


def _streams(libs: Libraries, tmp_path: Path, trials_for, command) -> Tally:
    """Run STREAMS kill sequences in parallel, each on its own copy of site a."""
    sites = []
    for i in range(STREAMS):
        site = tmp_path / f"stream{i}" / "site"
        shutil.copytree(libs.site["a"], site.parent / "site")
        sites.append(site)
    with ThreadPoolExecutor(STREAMS) as pool:
        tallies = list(pool.map(lambda i: _flip_and_kill(libs, sites[i], trials_for(i), command), range(STREAMS)))
    total = Tally()
    for tally in tallies:
        total.add(tally)
    for site in sites:      # a write after the kills is complete, and clears what they left behind
        subprocess.run(_write_again(libs, "b" if libs.which(site) == "a" else "a", site), cwd=REPO_ROOT,
                       check=True, capture_output=True)
        assert libs.which(site) in libs.digest and not _leftovers(site), _leftovers(site)
        assert libs.which(site.with_name(".site-old")) in libs.digest   # the site before, whole
    return total


def _write_again(libs: Libraries, name: str, site: Path) -> list[str]:
    return [sys.executable, "-c", WRITE_AGAIN, str(libs.site[name]), str(site)]


def _report(what: str, tally: Tally) -> None:
    kills = sum(n for outcome, n in tally.outcomes.items() if outcome.startswith("killed"))
    print(f"\n{what}: {sum(tally.outcomes.values())} runs, {kills} killed, "
          f"{len(tally.damaged)} damaged sites; {dict(sorted(tally.outcomes.items()))}")


def test_killed_build_leaves_the_old_or_the_new_site(libraries: Libraries, tmp_path: Path, capsys):
    seconds = max(libraries.seconds.values())

    def trials(stream: int) -> list[tuple[str, float]]:
        rng = random.Random(f"cli-{stream}")
        return [("any", rng.uniform(0, seconds))] + [("writing", rng.uniform(0, 0.3))
                                                     for _ in range(CLI_KILLS_PER_STREAM - 1)]

    def command(name: str, site: Path) -> list[str]:
        return [sys.executable, "build.py", *build_cmd(libraries.content[name], site)]

    tally = _streams(libraries, tmp_path, trials, command)
    with capsys.disabled():
        _report(f"build.py build of {CONDITIONS} conditions", tally)
    assert not tally.damaged, tally.damaged


def test_killed_writer_leaves_the_old_or_the_new_site(libraries: Libraries, tmp_path: Path, capsys):
    def command(name: str, site: Path) -> list[str]:
        return _write_again(libraries, name, site)

    # How long the writer takes when nobody kills it: the kills are spread over that time.
    probe = tmp_path / "probe" / "site"
    shutil.copytree(libraries.site["a"], probe)
    started = time.perf_counter()
    subprocess.run(command("b", probe), cwd=REPO_ROOT, check=True)
    seconds = time.perf_counter() - started
    assert libraries.which(probe) == "b", "the writer alone does not reproduce the build"

    def trials(stream: int) -> list[tuple[str, float]]:
        rng = random.Random(f"writer-{stream}")
        return [("any", rng.uniform(0, seconds * 1.1)) for _ in range(WRITER_KILLS_PER_STREAM)]

    tally = _streams(libraries, tmp_path, trials, command)
    with capsys.disabled():
        _report(f"writer alone ({seconds:.2f} s unkilled)", tally)
    assert not tally.damaged, tally.damaged
    # The kills must have hit the write itself, or this test proves nothing.
    assert tally.outcomes["killed while writing: old site"] > 0, tally.outcomes


# ---------------------------------------------------------------- the output folder


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A whole project (content, templates, static, site.yaml) in a temporary folder."""
    root = tmp_path / "project"
    root.mkdir()
    copy_content(root)
    for name in ("templates", "static"):
        shutil.copytree(REPO_ROOT / name, root / name)
    shutil.copy(REPO_ROOT / "site.yaml", root / "site.yaml")
    return Project.at(root)


def _sources(project: Project) -> dict[str, str]:
    """Every file around the project but the build's own cache (.cache/, safe to delete)."""
    cache = (project.root / ".cache").relative_to(project.root.parent).as_posix() + "/"
    return {k: v for k, v in site_digest(project.root.parent).items() if not k.startswith(cache)}


def _foreign(root: Path) -> Path:
    folder = root / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"not made by the build")
    return folder


def _a_file(root: Path) -> Path:
    path = root / "notes.txt"
    path.write_text("mine\n")
    return path


REFUSED_OUT = {
    "project-root": lambda root: root,
    "content": lambda root: root / "content",
    "inside-content": lambda root: root / "content" / "site",
    "templates": lambda root: root / "templates",
    "static": lambda root: root / "static",
    "folder-holding-the-project": lambda root: root.parent,
    "non-empty-folder-the-build-did-not-make": _foreign,
    "a-file": _a_file,
}


@pytest.mark.parametrize("where", REFUSED_OUT, ids=list(REFUSED_OUT))
def test_out_that_is_not_the_builds_own_is_refused(where: str, project: Project):
    out = REFUSED_OUT[where](project.root)
    before = _sources(project)
    with pytest.raises(BuildError) as refused:
        build(project, out)
    message = str(refused.value)
    assert "refusing" in message and "--out" in message, message
    assert _sources(project) == before


def _write(out: Path, files: dict[str, bytes]) -> None:
    writer = Writer(out)
    for path, data in files.items():
        writer.add(path, data)
    writer.commit()


@pytest.mark.parametrize("exists", [False, True], ids=["new-folder", "empty-folder"])
def test_new_or_empty_out_is_used_and_marked_as_the_builds_own(exists: bool, tmp_path: Path):
    out = tmp_path / "site"
    if exists:
        out.mkdir()
    _write(out, {"index.html": b"one"})
    assert (out / MARKER).is_file()
    _write(out, {"index.html": b"two"})        # the marker makes it ours to replace
    assert (out / "index.html").read_bytes() == b"two"
    assert sorted(os.listdir(tmp_path)) == [".site-old", "site"]     # the site before is kept
    assert (tmp_path / ".site-old" / "index.html").read_bytes() == b"one"


@pytest.fixture(params=["one thread", "threads"])
def write_threads(request, monkeypatch):
    """Commit the writer's way for a small site (one thread) and for a large one (threads)."""
    if request.param == "threads":
        monkeypatch.setattr(write, "THREADS_FROM", 1)
    return request.param


def test_the_site_before_is_updated_into_the_next_one_and_never_shows_in_it(tmp_path: Path, write_threads):
    """The kept site before is reused: what the next site lacks goes (files, folders, hidden
    files, links, a file where a folder must be and the reverse), unchanged files stay linked."""
    out, spare = tmp_path / "site", tmp_path / ".site-old"
    _write(out, {"a/index.html": b"a", "b/index.html": b"b", "c": b"c", "keep.css": b"k"})
    _write(out, {"a/index.html": b"a2", "b/x/index.html": b"bx", "c/index.html": b"c", "keep.css": b"k"})
    (spare / ".DS_Store").write_bytes(b"junk")
    (spare / "b" / "stray.html").write_bytes(b"stray")
    os.symlink("/etc/hostname", spare / "a" / "link.html")
    nothing_outside = tmp_path / "outside.txt"
    nothing_outside.write_bytes(b"mine")
    os.symlink(tmp_path, spare / "linked-folder")
    want = {"a/index.html": b"a3", "b": b"now a file", "c/index.html": b"c", "keep.css": b"k", "d/e/f.html": b"f"}
    _write(out, want)
    assert site_digest(out) == site_digest(_reference(tmp_path / "reference", want))
    assert (out / "keep.css").stat().st_nlink == 2           # linked from the site before
    assert nothing_outside.read_bytes() == b"mine"


def test_a_large_site_made_by_threads_is_exactly_the_pages_given(tmp_path: Path):
    """Past THREADS_FROM top-level folders, threads make the folders and files: every page is
    there with its bytes, and a rebuild that moves, changes and drops pages leaves nothing over."""
    out = tmp_path / "site"
    first = {f"c{i:03}/{sub}index.html": f"{i} {sub}".encode() for i in range(3 * write.THREADS_FROM)
             for sub in ("", "appointment-prep/", "a/b/")}
    first["index.html"] = b"home"
    _write(out, first)
    assert site_digest(out) == site_digest(_reference(tmp_path / "ref1", first))
    second = {key.replace("a/b/", "a/"): data + (b" changed" if key.startswith("c01") else b"")
              for key, data in first.items() if not key.startswith("c00")}
    _write(out, second)
    assert site_digest(out) == site_digest(_reference(tmp_path / "ref2", second))


def test_an_error_in_a_writing_thread_stops_the_commit_and_the_site_stays(tmp_path: Path, monkeypatch):
    out = tmp_path / "site"
    _write(out, {"index.html": b"one"})
    before = site_digest(out)
    real_write = write._write_file

    def failing_write(path, data):
        if str(path).endswith("c017/index.html"):
            raise OSError(28, "No space left on device")
        return real_write(path, data)
    monkeypatch.setattr(write, "_write_file", failing_write)
    with pytest.raises(OSError, match="No space left"):
        _write(out, {f"c{i:03}/index.html": b"x" for i in range(3 * write.THREADS_FROM)})
    monkeypatch.undo()
    assert site_digest(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".site-new")] == []


def _reference(folder: Path, files: dict[str, bytes]) -> Path:
    _write(folder, files)
    return folder


def test_site_without_its_marker_is_no_longer_replaced(tmp_path: Path):
    out = tmp_path / "site"
    _write(out, {"index.html": b"one"})
    (out / MARKER).unlink()
    with pytest.raises(BuildError, match="did not make"):
        _write(out, {"index.html": b"two"})
    assert (out / "index.html").read_bytes() == b"one"


@pytest.mark.parametrize("mine", ["notes.txt", "calciphylaxis/my-photo.jpg"])
def test_file_the_build_did_not_make_stops_the_next_build_instead_of_being_deleted(mine: str, tmp_path: Path):
    out = tmp_path / "site"
    _write(out, {"index.html": b"one", "calciphylaxis/index.html": b"page"})
    (out / mine).write_bytes(b"someone's work")
    (out / ".DS_Store").write_bytes(b"the system's, not the editor's")
    before = site_digest(out)
    with pytest.raises(BuildError) as refused:
        _write(out, {"index.html": b"two"})
    assert [p.path for p in refused.value.problems] == [str(out / mine)]
    assert "Move it out of the site folder" in refused.value.problems[0].message
    assert site_digest(out) == before


def test_a_link_to_a_folder_put_in_the_site_stops_the_next_build(tmp_path: Path):
    out = tmp_path / "site"
    _write(out, {"index.html": b"one", "calciphylaxis/index.html": b"page"})
    (tmp_path / "photos").mkdir()
    (out / "calciphylaxis" / "photos").symlink_to(tmp_path / "photos")
    with pytest.raises(BuildError) as refused:
        _write(out, {"index.html": b"two"})
    assert [p.path for p in refused.value.problems] == [str(out / "calciphylaxis" / "photos")]
    assert (out / "calciphylaxis" / "photos").is_symlink() and (out / "index.html").read_bytes() == b"one"


def test_two_pages_for_one_address_are_refused():
    writer = Writer(Path("unused"))
    writer.add("calciphylaxis/index.html", b"one")
    with pytest.raises(BuildError, match="same address") as refused:
        writer.add("calciphylaxis/index.html", b"two")
    assert refused.value.problems[0].path == "calciphylaxis/index.html"


@pytest.mark.parametrize("path", ["../escape.html", "/etc/passwd", "", "a/../../b.html"])
def test_page_outside_the_site_folder_is_refused(path: str):
    with pytest.raises(BuildError, match="inside the site folder"):
        Writer(Path("unused")).add(path, b"x")


@given(st.lists(st.sampled_from(["a", "b.html", ".", "..", "...", ".a", "", " "]), max_size=5)
       .map("/".join) | st.text(alphabet="ab./ ", max_size=12))
def test_page_addresses_are_read_as_posix_paths_are(path: str):
    """write._key's shortcut for plain addresses gives what PurePosixPath gives, or refuses alike."""
    rel = PurePosixPath(path)
    expected = None if rel.is_absolute() or ".." in rel.parts or not rel.parts else rel.as_posix()
    try:
        got = _key(path)
    except BuildError:
        got = None
    assert got == expected


@pytest.mark.skipif(sys.platform != "linux", reason="renameat2 is Linux's")
def test_on_linux_the_new_site_takes_the_old_ones_place_in_one_exchange(tmp_path: Path, monkeypatch):
    """No moment without a site: the swap is renameat2(RENAME_EXCHANGE), not two renames."""
    out = tmp_path / "site"
    _write(out, {"index.html": b"one"})
    renames = []
    real_rename = os.rename
    monkeypatch.setattr(os, "rename", lambda a, b: renames.append((Path(a).name, Path(b).name)) or real_rename(a, b))
    _write(out, {"index.html": b"two"})
    assert (out / "index.html").read_bytes() == b"two"
    assert all("site" not in names for names in renames), renames   # the fallback renames "site" twice
