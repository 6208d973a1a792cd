"""`build.py serve`: a live preview for editors.

The site is built into a preview folder the build owns (default `.cache/preview/`), served on
127.0.0.1 and rebuilt through the same pipeline as `build` when a source changes, with earlier
results kept in memory (MemoryStore); only files whose bytes changed are written, each
atomically. Browsers reload through the livereload protocol (the `livereload` package's client
and websocket handler, not its Server, which serves links out of its folder and lets any page
reload every browser). Broken content writes nothing: every page then lists each problem.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import html
import json
import mimetypes
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from tornado import httpserver, netutil, web

from ..content import editorial, languages
from ..errors import BuildError, Problem
from ..speed.incremental import MemoryStore
from ..content.load import GLOSSARY_FILE
from ..pipeline import Project, gather, site_files
from ..publish.render import Renderer
from .watch import Watcher
from ..output.write import MARKER, Writer

QUIET_S = 0.05        # a save is often several writes: rebuild once they have stopped this long
MAX_WAIT_S = 1.0      # ... but never wait longer than this while files keep changing
RELOAD_SCRIPT = b'<script src="/livereload.js"></script>'
ERROR_PAGE = (Path(__file__).parent / "preview-error.html").read_text(encoding="utf-8")
# The error page's words (title, heading, message): when the whole preview stops, and when one condition does.
STOPPED = ("something in the content needs fixing", "The preview cannot be updated yet",
           "<p>Something in the content needs fixing. Fix each problem below in the file and line it names,\n"
           "then save. This page reloads by itself when the problems are fixed.</p>\n"
           "<p>Until then, the last version that worked is kept.</p>")
SET_ASIDE = ("this page needs fixing", "This page cannot be shown yet",
             "<p>Something in the condition <code>{folder}</code> needs fixing. Fix each problem below in the file and\n"
             "line it names, then save. This page reloads by itself when the problems are fixed.</p>\n"
             "<p>Every other page of the preview still works: <a href=\"/\">go to the Health A to Z</a>.</p>")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


@dataclass
class Outcome:
    changed: list[str] = field(default_factory=list)    # files written or removed
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    whole: bool = False                                 # the whole site was rebuilt
    seconds: float = 0.0
    reload: bool = False                                # browsers should reload
    broken: dict[str, list[Problem]] = field(default_factory=dict)   # conditions shown as error pages
    fixed: list[str] = field(default_factory=list)      # what had problems and is up to date again


class Preview:
    """The preview folder and what it was built from; `apply` brings it up to date."""

    def __init__(self, project: Project, out_dir: Path):
        self.project = project
        self.out_dir = Path(out_dir).absolute()
        self.files: dict[str, bytes] = {}       # what the folder holds: the last good build
        self.errors: list[Problem] = []         # why the latest sources could not be built
        self.broken: dict[str, list[Problem]] = {}   # condition -> why its pages could not be made
        self.store = MemoryStore()
        self.renderers: dict[str, Renderer] = {}    # each language's, from the last good build
        self.dirty: set[str] | None = None      # condition folders to reload; None: everything
        self.generation = 0                     # how many times browsers were told to reload

    def writer(self) -> Writer:
        return Writer(self.out_dir, sources=(self.project.content, self.project.templates, self.project.static),
                      project_root=self.project.root)

    def scope(self, paths) -> set[str] | None:
        """The condition folders that `paths` are in, or None if one of them concerns the whole site."""
        content = self.project.content
        folders = set()
        for path in paths:
            try:
                rel = Path(path).relative_to(content)
            except ValueError:
                return None                      # templates, static files, site.yaml
            if rel.parts and languages.is_language_folder(content / rel.parts[0]):
                rel = Path(*rel.parts[1:])       # a language folder: its files are laid out as content/'s
            if not rel.parts or rel.parts[0] in (GLOSSARY_FILE, editorial.FOLDER, languages.SITE_FILE) or (
                    len(rel.parts) == 1 and Path(path).is_file()):
                return None                      # the glossary, the editorial pages (or the whole folder) changed
            if not rel.parts[0].startswith((".", "_")):   # the build skips these folders
                folders.add(rel.parts[0])
        return folders

    def apply(self, paths) -> Outcome:
        scope = self.scope(paths)
        if scope is not None and not scope:
            return Outcome()
        self.dirty = None if scope is None or self.dirty is None else self.dirty | scope
        return self.rebuild()

    def rebuild(self) -> Outcome:
        started = time.perf_counter()
        whole = self.dirty is None or not self.renderers
        self.store.dirty, self.store.used = self.dirty, set()
        gathered = gather(self.project, self.store, current=self.files.get,
                          renderers=None if whole else self.renderers, set_aside=True)
        try:
            if gathered.problems.errors:
                raise BuildError(gathered.problems.items)
            writer = self.writer()          # update() and commit() check the folder is the preview's
            for path, data, _ in site_files(gathered):
                writer.add(path, data)
            changed = {k: v for k, v in writer.files.items() if self.files.get(k) != v}
            removed = self.files.keys() - writer.files.keys()
            if self.files and (self.out_dir / MARKER).is_file():
                writer.update(changed, removed)
            else:
                writer.commit()         # the first build of this session replaces the folder whole
        except BuildError as exc:
            errors = [p for p in exc.problems if p.is_error]
            outcome = Outcome(errors=errors, reload=errors != self.errors, whole=whole,
                              seconds=time.perf_counter() - started)
            self.errors = errors
            self.generation += outcome.reload
            return outcome
        set_aside = {where: found for g in gathered.languages for where, found in g.set_aside.items()}
        fixed = (["the preview"] if self.errors else []) + sorted(self.broken.keys() - set_aside.keys())
        reshown = set_aside != self.broken
        # Said again when its problems changed or its files were saved, not at every other save.
        said = {where: found for where, found in set_aside.items()
                if whole or found != self.broken.get(where) or where.rsplit("/", 1)[-1] in (self.dirty or ())}
        self.store.prune()
        self.renderers, self.files = gathered.renderers, writer.files
        self.dirty, self.errors, self.broken = set(), [], set_aside
        outcome = Outcome(changed=sorted(changed.keys() | removed), warnings=gathered.problems.sorted(),
                          whole=whole, seconds=time.perf_counter() - started,
                          reload=bool(changed or removed or fixed or reshown), broken=said, fixed=fixed)
        self.generation += outcome.reload
        return outcome

    # -- what the server answers

    def file_for(self, url_path: str) -> Path | str | None:
        """The file for a request path (already %-decoded), "/" if it names a folder without the
        final slash, or None: nothing outside the preview folder, no hidden files."""
        if "\0" in url_path or "\\" in url_path or url_path.startswith("/"):
            return None
        parts = url_path.split("/")
        if any(p in ("..", ".") or p.startswith(".") for p in parts):
            return None
        root = self.out_dir.resolve()
        target = (root / url_path).resolve()
        if not target.is_relative_to(root):
            return None                          # a symbolic link that points out
        if target.is_dir():
            if url_path and not url_path.endswith("/"):
                return "/"
            target = (target / "index.html").resolve()
            if not target.is_relative_to(root):
                return None
        return target if target.is_file() else None

    def broken_condition(self, url_path: str) -> str | None:
        """The condition ('gout', 'es/gout') whose address `url_path` is in, when its pages could not be made."""
        return next((where for where in self.broken if (url_path + "/").startswith(where + "/")), None)

    def error_page(self, slug: str | None = None) -> bytes:
        """Every problem that stops the preview, or (`slug`) that stops one condition's pages."""
        shown = self.errors if slug is None else sorted(self.broken[slug], key=lambda p: not p.is_error)
        items = "\n".join(f"<li><code>{html.escape(p.path, quote=False)}{f':{p.line}' if p.line else ''}</code>: "
                          f"{'warning: ' if not p.is_error else ''}{html.escape(p.message, quote=False)}</li>"
                          for p in shown)
        title, heading, message = STOPPED if slug is None else SET_ASIDE
        page = ERROR_PAGE.replace("{title}", title).replace("{heading}", heading).replace("{message}", message)
        return page.replace("{folder}", html.escape(slug or "")).replace("{problems}", items).encode("utf-8")


def with_reload_script(page: bytes) -> bytes:
    for end in (b"</head>", b"</body>"):
        at = page.find(end)
        if at >= 0:
            return page[:at] + RELOAD_SCRIPT + page[at:]
    return page + RELOAD_SCRIPT


# ------------------------------------------------------------------ the web server


class _LocalOnly:
    """Refuse requests addressed to another host name: a web page cannot reach this server by
    pointing its own domain name at 127.0.0.1 (DNS rebinding)."""

    hosts: set[str] | None = None

    def prepare(self):
        if self.hosts is not None and self.request.host_name not in self.hosts:
            raise web.HTTPError(403)


class _Page(_LocalOnly, web.RequestHandler):
    def initialize(self, preview: Preview):
        self.preview = preview

    def head(self, path: str):
        self.get(path, body=False)

    def get(self, path: str, body: bool = True):
        self.set_header("Cache-Control", "no-store")
        target = self.preview.file_for(path)
        if target == "/":
            return self.redirect("/" + path + "/")
        kind = mimetypes.guess_type(target.name if target else path)[0] or "application/octet-stream"
        broken = self.preview.broken_condition(path)
        if (self.preview.errors or broken) and (kind == "text/html" or path == "" or path.endswith("/")):
            # Every page (even one not built yet, a new condition), or the broken condition's, says what to fix.
            self.set_status(503)
            kind, data = "text/html", with_reload_script(self.preview.error_page(None if self.preview.errors
                                                                                 else broken))
        elif target is None:
            self.set_status(404)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            return self.finish(b"Not found\n" if body else None)
        elif kind == "text/html":
            data = with_reload_script(target.read_bytes())
        else:
            data = target.read_bytes()
        if kind == "text/html":
            # Which build this page shows; its reload client hands it back (see _ReloadSocket).
            self.set_cookie(_generation_cookie(self.request), str(self.preview.generation), httponly=True,
                            samesite="Strict")
        self.set_header("Content-Type", f"{kind}; charset=utf-8" if kind.startswith("text/") else kind)
        self.set_header("Content-Length", str(len(data)))
        self.finish(data if body else None)


class _Editor(_LocalOnly, web.RequestHandler):
    """The editors' dashboard (dashboard.py) at /_editor/, made afresh on each request from the
    sources, never written to the preview folder or the site. Sheets' pages are not counted
    here (a PDF takes a second): `build.py check --format html` counts them."""

    def initialize(self, preview: Preview):
        self.preview = preview

    def get(self):
        from . import check, dashboard
        today = dt.date.today()
        page = dashboard.page(check.run(self.preview.project, today, pdfs=False), self.preview.project, today,
                                  pdfs=False)
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(with_reload_script(page.encode("utf-8")))


class _ReloadScript(_LocalOnly, LiveReloadJSHandler):
    """The livereload package's client script."""


def _generation_cookie(request) -> str:
    return f"healthlib-preview-{request.host.rpartition(':')[2]}"


class _ReloadSocket(_LocalOnly, LiveReloadHandler):
    """The livereload protocol, minus commands: a browser says hello, then only listens. A page
    served just before a rebuild is told to reload at once (its cookie says which build it shows)."""

    def initialize(self, preview: Preview):
        self.preview = preview

    def check_origin(self, origin: str) -> bool:
        return urlsplit(origin).netloc == self.request.host

    def on_message(self, message):
        try:
            data = json.loads(message)
        except (TypeError, ValueError):
            return
        command = data.get("command") if isinstance(data, dict) else None
        if command == "hello":
            self.send_message({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"],
                               "serverName": "healthlib-preview"})
        elif command == "info":
            LiveReloadHandler.waiters.add(self)
            shown = self.get_cookie(_generation_cookie(self.request), "")
            if shown.isdigit() and int(shown) < self.preview.generation:
                self.write_message(RELOAD_MESSAGE)
        # Anything else (a "reload" asked for, a path to serve) is ignored.


RELOAD_MESSAGE = json.dumps({"command": "reload", "path": "/", "liveCSS": False, "liveImg": False})


def reload_browsers() -> int:
    waiters = list(LiveReloadHandler.waiters)
    for waiter in waiters:
        try:
            waiter.write_message(RELOAD_MESSAGE)
        except Exception:          # a browser that went away; tornado has closed it
            LiveReloadHandler.waiters.discard(waiter)
    return len(waiters)


def make_app(preview: Preview, hosts: set[str] | None) -> web.Application:
    _LocalOnly.hosts = hosts
    return web.Application([
        (r"/livereload", _ReloadSocket, {"preview": preview}),
        (r"/livereload\.js", _ReloadScript),
        (r"/_editor/?", _Editor, {"preview": preview}),
        (r"/(.*)", _Page, {"preview": preview}),
    ], log_function=lambda handler: None, compress_response=False)


# ------------------------------------------------------------------ the command


class Session:
    """Gathers changed paths until the files are quiet, then rebuilds once and reloads browsers."""

    def __init__(self, preview: Preview, say=print):
        self.preview, self.say = preview, say
        self.pending: set[Path] = set()
        self.first: float | None = None
        self.timer: asyncio.TimerHandle | None = None

    def changed(self, paths: set[Path]) -> None:
        loop = asyncio.get_running_loop()
        self.pending |= paths
        self.first = self.first or loop.time()
        if self.timer:
            self.timer.cancel()
        wait = min(QUIET_S, max(0.0, self.first + MAX_WAIT_S - loop.time()))
        self.timer = loop.call_later(wait, self.flush)

    def flush(self) -> None:
        paths, self.pending, self.first, self.timer = self.pending, set(), None, None
        try:
            outcome = self.preview.apply(paths)
        except OSError as exc:         # e.g. the preview folder was deleted or made read-only
            self.say(f"error: the preview could not be written ({exc}). Restart 'build.py serve'.")
            return
        self.report(outcome)

    def report(self, outcome: Outcome) -> None:
        ms = f"{outcome.seconds * 1000:.0f} ms"
        for problem in outcome.warnings:
            self.say(str(problem))
        if outcome.errors:
            for problem in outcome.errors:
                self.say(str(problem))
            self.say(f"Not updated: {len(outcome.errors)} problem(s) to fix (the browser shows them too). "
                     "The last good preview is kept.")
            return self.reload(outcome)
        for slug, problems in outcome.broken.items():
            for problem in problems:
                self.say(str(problem))
            self.say(f"Not shown: {slug} has {sum(p.is_error for p in problems)} problem(s) to fix; its "
                     f"address /{slug}/ lists them. Every other page is up to date.")
        if outcome.changed:
            what = "Rebuilt everything" if outcome.whole else "Updated"
            self.say(f"{what}: {len(outcome.changed)} file(s) changed in {ms}.")
        if outcome.fixed:
            self.say(f"Fixed: {' and '.join(outcome.fixed)} {'is' if len(outcome.fixed) == 1 else 'are'} "
                     "up to date again.")
        self.reload(outcome)

    @staticmethod
    def reload(outcome: Outcome) -> None:
        if outcome.reload:
            reload_browsers()


async def _serve(project: Project, out_dir: Path, host: str, port: int, say) -> int:
    preview = Preview(project, out_dir)
    try:
        preview.writer().check_destination()
    except BuildError as exc:
        for problem in exc.problems:
            say(f"error: {problem}")
        return 1
    say(f"Building the preview in {preview.out_dir} ...")
    session = Session(preview, say)
    session.report(preview.rebuild())
    try:
        sockets = netutil.bind_sockets(port, address=host)
    except OSError as exc:
        say(f"error: cannot listen on {host}:{port} ({exc.strerror}). Is another preview running? "
            "Stop it, or choose another port with --port.")
        return 1
    server = httpserver.HTTPServer(make_app(preview, LOOPBACK if host in LOOPBACK else None))
    server.add_sockets(sockets)
    bound = sockets[0].getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    say(f"Preview: http://{shown}:{bound}/   (press Ctrl+C to stop)")
    if host not in LOOPBACK:
        say(f"warning: listening on {host}: other computers on the network can open the preview.")
    watched = (project.content, project.templates, project.static, project.catalogs)
    watcher = Watcher([p for p in watched if p.is_dir()], [project.site_file])
    watcher.start(session.changed)
    await asyncio.sleep(0)    # each watch task registers its folders with the OS before the editor is told to save
    say(f"Watching {', '.join(p.name + '/' for p in watched)} and {project.site_file.name} for changes.")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    watcher.stop()
    server.stop()
    say("Stopped.")
    return 0


def run(project: Project, out_dir: Path, host: str = "127.0.0.1", port: int = 8000, say=None) -> int:
    say = say or (lambda line: print(line, flush=True))
    mimetypes.add_type("image/svg+xml", ".svg")
    try:
        return asyncio.run(_serve(project, out_dir, host, port, say))
    except KeyboardInterrupt:
        return 0
