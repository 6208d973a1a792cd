"""`build.py serve`: the live preview, its incremental rebuilds, and its safety.

The server tests start the real command as a child process on a free port (`--port 0`), talk
to it with raw HTTP requests (http.client and sockets do not tidy up `../` in a path) and a
live-reload websocket client, and stop it by its PID. The rebuild logic is also tested in
process, where the files it writes can be watched one by one.
"""
from __future__ import annotations

import asyncio
import http.client
import json
import shutil
import socket
import time
from pathlib import Path

import pytest

from contentkit import REPO, replace_in
from healthlib.errors import BuildError
from healthlib.pipeline import Project, build
from healthlib.editor.serve import Preview, Session, with_reload_script
from healthlib.editor.watch import Watcher
from healthlib.output.write import MARKER, Writer
from servekit import ReloadClient, Server, run_async
from sitecopy import run_cli

FIXTURE = Path(__file__).parent / "fixtures" / "tiny"
SLUG = "sample-condition"


@pytest.fixture
def library(tmp_path) -> Path:
    """Content with two conditions: the tiny fixture and a copy of it."""
    content = Path(shutil.copytree(FIXTURE / "content", tmp_path / "content"))
    shutil.copytree(content / SLUG, content / "other-condition")
    replace_in(content / "other-condition" / "condition.yaml", "title: Sample condition", "title: Other condition")
    return content


@pytest.fixture
def server(library, tmp_path):
    srv = Server(library, tmp_path / "preview")
    yield srv
    assert srv.stop() == 0


def get(server: Server, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    """A GET with the path sent exactly as given."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def raw_request(server: Server, request_line: str) -> bytes:
    with socket.create_connection((server.host, server.port), timeout=10) as sock:
        sock.sendall(f"{request_line}\r\nHost: {server.host}:{server.port}\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def project(content: Path) -> Project:
    return Project(content.parent, content, REPO / "templates", REPO / "static", FIXTURE / "site.yaml")


def stamps(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*")
            if p.is_file() and p.name != MARKER}       # the marker is the build's own list of files


# ------------------------------------------------------------------ the command


def test_serve_listens_on_loopback_prints_the_address_and_stops_cleanly(library, tmp_path):
    srv = Server(library, tmp_path / "preview")
    try:
        assert srv.url.startswith("http://127.0.0.1:") and srv.port > 0
        status, body = get(srv, f"/{SLUG}/")
        assert status == 200 and b"Sample condition" in body
        # Another address of this machine, if it has one, gets no answer.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.connect(("192.0.2.1", 9))      # no packet is sent; it picks the outgoing address
                own = probe.getsockname()[0]
            except OSError:
                own = "127.0.0.1"                    # no network at all
        if not own.startswith("127."):
            with pytest.raises(OSError):
                socket.create_connection((own, srv.port), timeout=2).close()
    finally:
        assert srv.stop() == 0
    assert srv.lines[-1] == "Stopped."
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", srv.port), timeout=2).close()


def test_reload_script_is_only_in_served_pages_never_in_files(server, library, tmp_path):
    status, served = get(server, f"/{SLUG}/")
    assert status == 200 and served.count(b'<script src="/livereload.js"></script>') == 1
    preview = tmp_path / "preview"
    assert (preview / SLUG / "index.html").is_file()
    assert not [p for p in preview.rglob("*") if p.is_file() and b"livereload" in p.read_bytes()]
    site = tmp_path / "site"
    assert run_cli("build", "--content", str(library), "--out", str(site), "--no-pdf").returncode == 0
    assert not [p for p in site.rglob("*") if p.is_file() and b"livereload" in p.read_bytes()]
    status, css = get(server, "/" + next((preview / "assets").glob("site.*.css")).relative_to(preview).as_posix())
    assert status == 200 and b"livereload" not in css


def test_serve_refuses_a_preview_folder_it_did_not_make(library, tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my own file")
    result = run_cli("serve", "--port", "0", "--content", str(library), "--out", str(out), timeout=60)
    assert result.returncode == 1 and "refusing to replace this folder" in result.stdout
    assert (out / "notes.txt").read_text() == "my own file"


# ------------------------------------------------------------------ safety


def test_only_files_inside_the_preview_folder_are_served(server, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-OUTSIDE")
    preview = tmp_path / "preview"
    (preview / "escape.txt").symlink_to(secret)
    (preview / "escape-dir").symlink_to(tmp_path, target_is_directory=True)
    attempts = ["/../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "/%2e%2e%2fsecret.txt",
                f"/{SLUG}/../../secret.txt", f"/{SLUG}/%2e%2e/%2e%2e/secret.txt", "/..%5csecret.txt",
                f"/{secret}", f"//{secret}", f"/%2f{str(secret)[1:]}", "/escape.txt", "/escape-dir/secret.txt",
                f"/{MARKER}", "/../../../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                "/%252e%252e/secret.txt", "/assets/%00"]
    for path in attempts:
        status, body = get(server, path)
        assert status == 404 and b"SECRET" not in body and b"root:" not in body, path
    for line in (f"GET ../secret.txt HTTP/1.1", f"GET {secret} HTTP/1.1",
                 f"GET http://{server.host}:{server.port}/../secret.txt HTTP/1.1"):
        answer = raw_request(server, line)
        assert answer.split()[1] in (b"400", b"404") and b"SECRET" not in answer, line


def test_requests_for_another_host_name_are_refused(server):
    assert get(server, "/", {"Host": f"attacker.example:{server.port}"})[0] == 403
    assert get(server, "/", {"Host": f"localhost:{server.port}"})[0] == 200


def test_live_reload_endpoint_accepts_no_commands(server, library):
    async def scenario():
        listener = await ReloadClient.connect(server)
        talker = await ReloadClient.connect(server)
        for command in ({"command": "reload", "path": "/"},
                        {"command": "reload", "path": "/etc/passwd", "liveCSS": True},
                        {"command": "serve", "path": "/etc/passwd"}, {"command": "info", "url": "file:///etc/passwd"},
                        "not json", "[1, 2]", json.dumps({"command": None})):
            await talker.send(command)
        got = await listener.next_message(timeout=1.5)
        listener.close()
        talker.close()
        return got

    assert run_async(scenario()) is None
    assert get(server, "/forcereload?path=/")[0] == 404
    assert get(server, f"/{SLUG}/")[0] == 200
    assert not any("Updated" in line or "Rebuilt" in line for line in server.lines[2:])


def test_live_reload_refuses_other_web_sites(server):
    async def connect():
        await ReloadClient.connect(server, origin="https://attacker.example")

    with pytest.raises(Exception) as refused:
        run_async(connect())
    assert "403" in str(refused.value)


# ------------------------------------------------------------------ rebuilding


def test_a_save_reloads_browsers_and_serves_the_new_page(server, library):
    async def scenario():
        client = await ReloadClient.connect(server)
        replace_in(library / SLUG / "causes.md", "Nobody knows the cause yet.", "Doctors are still finding out.")
        message = await client.next_message(timeout=10)
        client.close()
        return message

    assert run_async(scenario())["command"] == "reload"
    assert b"Doctors are still finding out." in get(server, f"/{SLUG}/")[1]
    assert b"Doctors are still finding out." not in get(server, "/other-condition/")[1]


def test_a_broken_condition_gets_its_own_error_page_others_keep_working_and_the_terminal_says_when_fixed(
        server, library):
    faq = library / SLUG / "faq.yaml"
    said = len(server.lines)
    replace_in(faq, "- question: Will it come back?", "- question: [Will it come back?")
    server.wait_for(f"Not shown: {SLUG} has 1 problem(s) to fix; its address /{SLUG}/ lists them.", after=said)
    status, body = get(server, f"/{SLUG}/")
    assert status == 503 and b"This page cannot be shown yet" in body and b"faq.yaml:3</code>: this text starts with" in body
    assert get(server, f"/{SLUG}/appointment-prep/")[0] == 503
    server.wait_for("Updated:", after=said)         # the broken condition's pages left the preview
    mark = len(server.lines)
    replace_in(library / "other-condition" / "causes.md", "Nobody knows the cause yet.", "Doctors are finding out.")
    server.wait_for("Updated: 1 file(s)", after=mark)
    status, body = get(server, "/other-condition/")
    assert status == 200 and b"Doctors are finding out." in body
    assert not any(line.startswith("Fixed:") for line in server.lines)
    replace_in(faq, "- question: [Will it come back?", "- question: Will it come back?")
    server.wait_for(f"Fixed: {SLUG} is up to date again.", after=said)
    assert get(server, f"/{SLUG}/")[0] == 200


def test_a_broken_shared_file_stops_every_page_and_the_terminal_says_when_the_preview_is_up_to_date_again(
        server, library):
    glossary = library / "glossary.yaml"
    said = len(server.lines)
    replace_in(glossary, "- term: rash", "- term: [rash")
    server.wait_for("Not updated: 1 problem(s) to fix", after=said)
    assert get(server, "/other-condition/")[0] == 503
    replace_in(glossary, "- term: [rash", "- term: rash")
    server.wait_for("Fixed: the preview is up to date again.", after=said)
    assert get(server, "/other-condition/")[0] == 200


def test_a_new_condition_from_the_scaffold_is_a_draft_with_its_own_error_page_and_the_rest_works(server, library):
    said = len(server.lines)
    proc = run_cli("new", "kidney-stones", "--content", str(library))
    assert proc.returncode == 0, proc.stderr
    server.wait_for("Not shown: kidney-stones has", after=said)
    status, body = get(server, "/kidney-stones/")
    assert status == 503 and b"content/kidney-stones/condition.yaml:" in body
    assert get(server, f"/{SLUG}/")[0] == 200 and get(server, "/")[0] == 200


def test_serve_shows_a_draft_with_a_visible_draft_banner(library, tmp_path):
    replace_in(library / SLUG / "condition.yaml", "title: Sample condition", "title: Sample condition\nstatus: draft")
    srv = Server(library, tmp_path / "preview")
    try:
        pages = [get(srv, f"/{SLUG}/"), get(srv, f"/{SLUG}/appointment-prep/")]
    finally:
        assert srv.stop() == 0
    for status, body in pages:      # the note comes before the page's heading, where it is seen first
        assert status == 200 and b"<strong>Draft.</strong>" in body
        assert body.index(b'<p class="draft-note"') < body.index(b"<h1")


def test_a_page_served_just_before_a_rebuild_is_told_to_reload_when_it_connects(server, library):
    def page_cookie() -> str:
        conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
        conn.request("GET", f"/{SLUG}/")
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.getheader("Set-Cookie").split(";")[0]

    stale = page_cookie()
    seen = len(server.lines)
    replace_in(library / SLUG / "causes.md", "Nobody knows the cause yet.", "The cause is not known yet.")
    server.wait_for("Updated:", after=seen)
    fresh = page_cookie()
    assert stale != fresh

    async def first_message(cookie: str):
        client = await ReloadClient.connect(server, cookie=cookie)
        message = await client.next_message(timeout=1.5)
        client.close()
        return message

    assert run_async(first_message(stale))["command"] == "reload"
    assert run_async(first_message(fresh)) is None


def test_an_edit_in_one_condition_rewrites_only_pages_that_changed(library, tmp_path):
    preview = Preview(project(library), tmp_path / "preview")
    assert preview.rebuild().whole
    before = stamps(tmp_path / "preview")
    path = library / SLUG / "what-it-is.md"
    replace_in(path, "It is a common skin problem.", "It is a skin problem many people have.")
    outcome = preview.apply({path})
    assert not outcome.whole and not outcome.errors and outcome.reload
    assert outcome.changed and all(p.startswith(f"{SLUG}/") for p in outcome.changed)
    after = stamps(tmp_path / "preview")
    assert {p for p in after if after[p] != before.get(p)} == set(outcome.changed)
    assert b"many people have" in (tmp_path / "preview" / SLUG / "index.html").read_bytes()

    summary = library / SLUG / "condition.yaml"
    replace_in(summary, "makes your skin sore.", "makes your skin feel sore.")
    outcome = preview.apply({summary})
    assert "index.html" in outcome.changed and not any(p.startswith("other-condition/") for p in outcome.changed)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MARKER}


@pytest.mark.parametrize("edit", [
    ("what-it-is.md", "It is a common skin problem.", "It is a skin problem many people have."),
    ("condition.yaml", "makes your skin sore.", "makes your skin feel sore."),        # A-Z summary
    ("condition.yaml", "title: Sample condition", "title: Zed condition"),            # A-Z order
    ("condition.yaml", "last_reviewed: 2026-01-10", "last_reviewed: 2026-02-11"),     # sitemap date
], ids=["body", "summary", "title", "review-date"])
def test_an_updated_preview_has_the_same_files_as_a_whole_build(edit, library, tmp_path):
    """The preview keeps the A-Z index, 404 page and sitemap between edits that leave what they
    show alone: after each edit its files are still exactly a fresh build's."""
    preview = Preview(project(library), tmp_path / "preview")
    preview.rebuild()
    name, old, new = edit
    second = ("other-condition", "what-it-is.md", "It is a common skin problem.", "It is a rare skin problem.")
    for i, (slug, name, old, new) in enumerate([(SLUG, *edit), second]):   # then an edit elsewhere
        replace_in(library / slug / name, old, new)
        assert not preview.apply({library / slug / name}).errors
        fresh = tmp_path / f"fresh-{i}"
        build(project(library), fresh, pdfs=False)
        assert _files(tmp_path / "preview") == {k: v for k, v in _files(fresh).items()
                                                 if k in _files(tmp_path / "preview")}
        assert {k for k in _files(fresh) if k.endswith(".html")} <= set(_files(tmp_path / "preview"))


def test_glossary_site_template_or_static_changes_rebuild_everything(library, tmp_path):
    preview = Preview(project(library), tmp_path / "preview")
    preview.rebuild()
    glossary = library / "glossary.yaml"
    replace_in(glossary, "a patch of red or itchy skin", "a red or itchy patch of skin")
    outcome = preview.apply({glossary})
    assert outcome.whole and {f"{SLUG}/index.html", "other-condition/index.html"} <= set(outcome.changed)
    for path in (REPO / "templates" / "base.html", REPO / "static" / "site.css", FIXTURE / "site.yaml"):
        assert preview.scope({path}) is None
    assert preview.scope({library / SLUG / "faq.yaml", library / "other-condition"}) == {SLUG, "other-condition"}
    assert preview.scope({library / ".new-thing-x1" / "faq.yaml"}) == set()


def test_added_and_removed_conditions_add_and_remove_their_pages(library, tmp_path):
    preview = Preview(project(library), tmp_path / "preview")
    preview.rebuild()
    shutil.copytree(library / SLUG, library / "third-one")
    replace_in(library / "third-one" / "condition.yaml", "title: Sample condition", "title: Third one")
    assert "third-one/index.html" in preview.apply({library / "third-one"}).changed
    shutil.rmtree(library / "other-condition")
    outcome = preview.apply({library / "other-condition" / "faq.yaml"})
    assert "other-condition/index.html" in outcome.changed
    assert not (tmp_path / "preview" / "other-condition").exists()
    assert b"Third one" in (tmp_path / "preview" / "index.html").read_bytes()


def test_broken_shared_content_keeps_the_last_good_build_and_lists_each_problem(library, tmp_path):
    preview = Preview(project(library), tmp_path / "preview")
    preview.rebuild()
    before = {p: p.read_bytes() for p in (tmp_path / "preview").rglob("*") if p.is_file()}
    glossary = library / "glossary.yaml"
    replace_in(glossary, "- term: rash", "- term: [rash")
    outcome = preview.apply({glossary})
    assert outcome.errors and outcome.reload and not outcome.changed
    assert {p: p.read_bytes() for p in (tmp_path / "preview").rglob("*") if p.is_file()} == before
    page = preview.error_page().decode()
    problem = outcome.errors[0]
    assert problem.path.endswith("glossary.yaml") and problem.line in (3, 4)
    assert f"<code>{problem.path}:{problem.line}</code>: {problem.message}" in page
    # An edit elsewhere while it is broken still shows the problem, and writes nothing.
    other = library / "other-condition" / "causes.md"
    replace_in(other, "yet.", "so far.")
    assert preview.apply({other}).errors == outcome.errors
    replace_in(glossary, "- term: [rash", "- term: rash")
    fixed = preview.apply({glossary})
    assert not fixed.errors and fixed.reload and "other-condition/index.html" in fixed.changed
    assert fixed.fixed == ["the preview"]


def test_a_condition_with_problems_is_set_aside_and_every_other_page_keeps_updating(library, tmp_path):
    preview = Preview(project(library), tmp_path / "preview")
    preview.rebuild()
    faq = library / SLUG / "faq.yaml"
    replace_in(faq, "- question: Will it come back?", "- question: [Will it come back?")
    outcome = preview.apply({faq})
    assert not outcome.errors and outcome.reload and list(outcome.broken) == [SLUG]
    [problem] = outcome.broken[SLUG]
    assert problem.path.endswith(f"{SLUG}/faq.yaml") and problem.line == 3
    assert f"<code>{problem.path}:3</code>: {problem.message}" in preview.error_page(SLUG).decode()
    assert preview.broken_condition(f"{SLUG}/appointment-prep/") == SLUG
    assert preview.broken_condition("other-condition/") is None
    assert not (tmp_path / "preview" / SLUG).exists()
    assert b"Sample condition" not in (tmp_path / "preview" / "index.html").read_bytes()
    other = library / "other-condition" / "causes.md"
    replace_in(other, "yet.", "so far.")
    edited = preview.apply({other})
    assert "other-condition/index.html" in edited.changed and not edited.broken   # said once, not at every save
    assert b"so far." in (tmp_path / "preview" / "other-condition" / "index.html").read_bytes()
    replace_in(faq, "- question: [Will it come back?", "- question: Will it come back?")
    fixed = preview.apply({faq})
    assert fixed.fixed == [SLUG] and fixed.reload and f"{SLUG}/index.html" in fixed.changed
    assert preview.broken_condition(f"{SLUG}/") is None


def test_several_saves_in_quick_succession_make_one_rebuild(library, tmp_path):
    calls = []

    class Counting(Preview):
        def apply(self, paths):
            calls.append(set(paths))
            return super().apply(paths)

    preview = Counting(project(library), tmp_path / "preview")
    preview.rebuild()
    session = Session(preview, say=lambda line: None)
    files = [library / SLUG / f"{name}.md" for name in ("causes", "diagnosis", "treatment")]

    async def saves():
        for path in files:
            path.write_text(path.read_text() + "\nOne more line.\n")
            session.changed({path})
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)

    run_async(saves())
    assert calls == [set(files)]


def test_writer_update_writes_changed_files_in_place_and_removes_old_ones(tmp_path):
    out = tmp_path / "out"
    writer = Writer(out)
    writer.add_all([("index.html", b"old"), ("a/index.html", b"a"), ("b/c/index.html", b"c")])
    writer.commit()
    Writer(out).update({"index.html": b"new", "d/index.html": b"d"}, {"b/c/index.html"})
    assert (out / "index.html").read_bytes() == b"new" and (out / "d" / "index.html").read_bytes() == b"d"
    assert not (out / "b").exists() and (out / "a" / "index.html").read_bytes() == b"a"
    assert sorted(p.name for p in out.iterdir()) == sorted([MARKER, "a", "d", "index.html"])
    with pytest.raises(BuildError):
        Writer(out).update({"../escape.html": b"x"})
    (tmp_path / "plain").mkdir()
    with pytest.raises(BuildError, match="no complete site"):
        Writer(tmp_path / "plain").update({"index.html": b"x"})


def test_reload_script_goes_before_the_end_of_head():
    assert with_reload_script(b"<html><head><title>x</title></head><body></body></html>") == \
        b'<html><head><title>x</title><script src="/livereload.js"></script></head><body></body></html>'


# ------------------------------------------------------------------ watching files


def test_the_watcher_sees_edits_new_folders_removals_and_site_yaml_only(tmp_path):
    content = tmp_path / "content"
    (content / "one").mkdir(parents=True)
    (content / "one" / "a.md").write_text("a")
    settings = tmp_path / "site.yaml"
    settings.write_text("name: x\n")
    seen: set[Path] = set()

    async def scenario():
        watcher = Watcher([content], [settings])
        watcher.start(seen.update)

        async def changes(expected: set[Path]) -> None:
            deadline = time.monotonic() + 5
            while not expected <= seen and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            assert expected <= seen, (expected, seen)
            seen.clear()
        await asyncio.sleep(0.2)                   # the watches are in place
        (content / "one" / "a.md").write_text("a, edited")
        await changes({content / "one" / "a.md"})
        shutil.copytree(content / "one", content / "two")
        await changes({content / "two" / "a.md"})
        (content / "two" / "a.md").write_text("in the new folder")
        await changes({content / "two" / "a.md"})
        (content / "two" / ".a.md.swp").write_text("an editor's swap file")
        (tmp_path / "unwatched.txt").write_text("x")
        settings.write_text("name: y\n")
        await changes({settings})
        (content / "one" / "a.md").unlink()
        await changes({content / "one" / "a.md"})
        await asyncio.sleep(0.1)
        assert not any(p.name in ("unwatched.txt", ".a.md.swp") for p in seen), seen
        watcher.stop()
    run_async(scenario())   # Playwright keeps an event loop running in this thread once a browser test ran


# ------------------------------------------------------------------ in a browser


@pytest.mark.browser
def test_browser_reloads_on_save_shows_the_error_page_and_recovers(browser, server, library):
    page = browser.new_page()
    try:
        page.goto(server.url + f"{SLUG}/")
        connected = "() => !!(window.LiveReload && window.LiveReload.connector.protocol)"
        page.wait_for_function(connected, timeout=10_000)
        time.sleep(0.2)               # the client sends 'info' right after the handshake

        causes = library / SLUG / "causes.md"
        replace_in(causes, "Nobody knows the cause yet.", "Nobody knows the cause yet, but research goes on.")
        page.wait_for_selector("text=but research goes on", timeout=10_000)
        page.wait_for_function(connected, timeout=10_000)
        time.sleep(0.2)

        faq = library / SLUG / "faq.yaml"
        replace_in(faq, "- question: Will it come back?", "- question: [Will it come back?")
        page.wait_for_selector("text=This page cannot be shown yet", timeout=10_000)
        problems = page.locator("ol.problems li").all_inner_texts()
        assert len(problems) == 1 and problems[0].startswith(f"{faq}:3: this text starts with '['"), problems
        other = browser.new_page()
        try:
            assert other.goto(server.url + "other-condition/").status == 200
            assert other.locator("h1").inner_text() == "Other condition"
        finally:
            other.close()
        page.wait_for_function(connected, timeout=10_000)
        time.sleep(0.2)

        replace_in(faq, "- question: [Will it come back?", "- question: Will it come back?")
        page.wait_for_selector("h1:has-text('Sample condition')", timeout=10_000)
        assert "but research goes on" in page.content()
        server.wait_for("Fixed: sample-condition is up to date again.")
    finally:
        page.close()
