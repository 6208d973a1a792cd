"""Command-line entry: `build`, `serve`, `check`, `new`. Thin: the work is in the stage modules."""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from .errors import BuildError, Problems
from .content import address
from .content.load import as_base_url, base_url_problem
from .pipeline import Project, build

ROOT = Path(__file__).resolve().parent.parent


def _report(problems, stream=sys.stderr) -> None:
    for p in problems:
        print(p, file=stream)


def _project(args) -> Project:
    return Project.at(ROOT, Path(args.content) if args.content else None,
                      Path(args.templates) if getattr(args, "templates", None) else None)


def cmd_build(args) -> int:
    project = _project(args)
    started = time.perf_counter()
    try:
        result = build(project, Path(args.out), pdfs=args.pdf, base_url=args.base_url,
                       cache_dir=args.cache, use_cache=args.use_cache, jobs=args.jobs, search=args.search,
                       today=args.today)
    except BuildError as exc:
        _report(exc.problems)
        errors = sum(p.is_error for p in exc.problems)
        print(f"Build failed: {errors} problem(s). The site in '{args.out}' was not changed.", file=sys.stderr)
        return 1
    _report(result.problems.sorted())
    for note in result.notes:
        print(note)
    if result.library.site.demonstration and not result.library.site.public_url:
        print(address.DEMONSTRATION_NOTE.format(url=result.library.site.base_url))
    elapsed = time.perf_counter() - started
    print(f"Built {len(result.library.conditions)} condition(s), {result.files} files in {elapsed:.2f} s.")
    print(_how_to_open(Path(args.out).absolute(), result.library.site.directory_urls))
    return 0


def _how_to_open(out: Path, directory_urls: bool) -> str:
    """The one thing to do to look at the built site: its links to folders need a web server."""
    if not directory_urls:
        return f"Open {out / 'index.html'}"
    view = "make view" if out == ROOT / "site" else f"python3 build.py view --out {out}"
    return (f"To look at it, run '{view}' and open the address it prints (the site's links are web "
            "addresses like 'calciphylaxis/', for a web host; to open it from the files instead, see "
            "'directory_urls' in docs/publishing.md).")


def cmd_check(args) -> int:
    from .editor import check   # each command imports only what it uses: `build` starts faster
    from .content import governance
    from .editor import report as formats
    args.today = args.today or dt.date.today()
    report = check.run(_project(args), args.today, pdfs=args.pdf)
    if args.format in formats.FORMATS:
        if not formats.emit(report, _project(args), args, check.as_text(report, args.strict, False)[1].splitlines()[-1]):
            return 1
    elif args.format == "json":
        print(check.as_json(report, args.strict))
    else:
        table, problems = check.as_text(report, args.strict, args.verbose)
        print(table)
        print(problems, file=sys.stderr)
        if governance.demonstration_summary(report.library):
            print(governance.demonstration_summary(report.library), file=sys.stderr)
    return 1 if any(p.is_error for p in report.final(args.strict)) else 0


def cmd_new(args) -> int:
    from .editor import scaffold
    from .content.load import load_site
    from .errors import Problems
    project = _project(args)
    try:
        if args.language:
            main = load_site(project.site_file, Problems()).language
            folder = scaffold.translate(project.content, args.slug, args.language, main)
        else:
            folder = scaffold.create(project.content, args.slug, load_site(project.site_file, Problems()).care_levels)
    except scaffold.Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.language:
        print(f"Created {folder}: a draft copy of {project.content.name}/{args.slug}/ to translate, with its "
              "'translation:' block. Translate every file, fill in the block, then set 'status: published'.")
        print("Run 'python build.py check' (or 'make check') to see what is still to do (docs/translations.md).")
        return 0
    print(f"Created {folder} with {len(scaffold.files())} files, every setting in place and empty.")
    print("It is a draft (status: draft): 'make serve' shows it, the built site leaves it out until you publish it.")
    print("Fill in the files; 'make check' lists what is still to write, 'make serve' shows the page as you write.")
    return 0


def cmd_serve(args) -> int:
    from .editor import serve
    return serve.run(_project(args), Path(args.out), host=args.host, port=args.port)


def cmd_view(args) -> int:
    from .editor import view
    from .errors import Problems
    from .content.load import load_site
    site = load_site(_project(args).site_file, Problems())
    return view.run(Path(args.out).absolute(), site.base_url, args.port,
                    say=lambda line: print(line, flush=True, file=sys.stderr if line.startswith("error:") else None))


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date like 2027-01-31") from None


def _jobs(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a number of processes (1 or more)")
    return int(value)


def _base_url(value: str) -> str:
    problem = base_url_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return as_base_url(value)


def _source_folders(command: argparse.ArgumentParser, templates: bool = True) -> None:
    command.add_argument("--content", default=None, help="content folder (default: content/)")
    if templates:
        command.add_argument("--templates", default=None, help="templates folder (default: templates/)")


def _check_formats(c: argparse.ArgumentParser) -> None:
    c.add_argument("--format", choices=("text", "json", "github", "html"), default="text",
                   help="text for people, json for tools, github for GitHub Actions annotations, "
                        "html for the editors' dashboard (with --output FILE)")
    c.add_argument("--output", default=None, metavar="FILE", help="write the html dashboard to FILE")
    c.add_argument("--no-pdf", dest="pdf", action="store_false",
                   help="do not make the sheets' PDFs to count their pages (faster; a long sheet is not found)")


def _build_options(b: argparse.ArgumentParser) -> None:
    """The options of `build`."""
    b.add_argument("--out", default=str(ROOT / "site"), help="output folder (default: site/)")
    _source_folders(b)
    b.add_argument("--no-pdf", dest="pdf", action="store_false",
                   help="make no PDFs of the appointment sheets (faster; the pages then link none)")
    b.add_argument("--no-search", dest="search", action="store_false",
                   help="make no search index (faster; the search page then says search is not available)")
    b.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                   help="processes to load and render with (default: one per core; 1: no parallelism)")
    b.add_argument("--cache", type=Path, default=None, metavar="DIR",
                   help="where the build keeps work to reuse between builds (default: .cache/; "
                        "safe to delete)")
    b.add_argument("--no-cache", dest="use_cache", action="store_false",
                   help="neither use nor update the content cache (the site comes out the same)")
    b.add_argument("--today", type=_date, default=None, metavar="YYYY-MM-DD",
                   help="the date to compare review dates with: a page past its review says so (default: today)")
    b.add_argument("--base-url", type=_base_url, default=None, metavar="URL",
                   help="the address the site is published at, e.g. https://example.org/health/ "
                        "(default: base_url in site.yaml); used for canonical links and sitemap.xml")


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="build.py", description="Build the health library website.")
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="build the site from content/ into site/")
    _build_options(b)
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("check", help="check the content for problems, without writing the site")
    _source_folders(c)
    c.add_argument("--strict", action="store_true", help="count warnings as errors (CI uses this)")
    _check_formats(c)
    c.add_argument("--verbose", action="store_true", help="also list the external links (they are not visited)")
    c.add_argument("--today", type=_date, default=None, metavar="YYYY-MM-DD",
                   help="the date to compare review dates with (default: today)")
    c.set_defaults(func=cmd_check)

    n = sub.add_parser("new", help="start a new condition: a folder with every file and setting to fill in")
    n.add_argument("slug", help="the folder name, which is also the web address, e.g. kidney-stones")
    n.add_argument("--language", metavar="CODE", help="translate the condition <slug> into this language "
                   "(es, pt-BR): content/CODE/<slug>/ (docs/translations.md)")
    _source_folders(n, templates=False)
    n.set_defaults(func=cmd_new)

    s = sub.add_parser("serve", help="preview the site while you edit: it rebuilds and reloads when you save")
    s.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000; 0: any free port)")
    s.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this computer only)")
    s.add_argument("--out", default=str(ROOT / ".cache" / "preview"),
                   help="preview folder, owned by the preview (default: .cache/preview/)")
    _source_folders(s)
    s.set_defaults(func=cmd_serve)

    v = sub.add_parser("view", help="look at the built site: serve site/ on this computer, as a web host does")
    v.add_argument("--out", default=str(ROOT / "site"), help="the built site's folder (default: site/)")
    v.add_argument("--port", type=int, default=8001, help="port to listen on (default: 8001; 0: any free port)")
    v.set_defaults(func=cmd_view, content=None)
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
