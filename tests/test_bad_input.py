"""Bad content gets a clear error: every case runs the real command line on a broken copy of
the content and must exit non-zero, print `path:line: message` naming the right file and line
with a how-to-fix, print no traceback, and leave the previous site byte-for-byte as it was.

Each case breaks the copy and returns where the error must point, computed from the edit
itself (never a hard-coded line number), so the cases keep working as the content changes."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from contentkit import copy_content
from sitecopy import COMMANDS, REPO_ROOT, add_lines, build_cmd, edit_line, first_condition, run_cli, site_digest

Where = tuple[Path, "int | None"]


@dataclass(frozen=True)
class Case:
    id: str
    spoil: Callable[[Path], Where]   # breaks the content copy, returns where the error must point
    says: str                        # the words of the message that tell the editor what to do


def _condition_file(name: str) -> Callable[[Path], Path]:
    return lambda content: first_condition(content) / name


META, FAQ, SYMPTOMS, CARDS = (_condition_file(n) for n in
                              ("condition.yaml", "faq.yaml", "symptoms.md", "when-to-get-help.md"))


def _edit(file: Callable[[Path], Path], starts: str, change, nth: int = 1) -> Callable[[Path], Where]:
    def spoil(content: Path) -> Where:
        path = file(content)
        return path, edit_line(path, starts, change, nth)
    return spoil


def _append(file: Callable[[Path], Path], text: str) -> Callable[[Path], Where]:
    def spoil(content: Path) -> Where:
        path = file(content)
        return path, add_lines(path, text)
    return spoil


def _replace_file(file: Callable[[Path], Path], data: bytes, line: int | None = 1) -> Callable[[Path], Where]:
    def spoil(content: Path) -> Where:
        path = file(content)
        path.write_bytes(data)
        return path, line
    return spoil


def _repeat(file: Callable[[Path], Path], starts: str) -> Callable[[Path], Where]:
    """Make the second line starting with `starts` a copy of the first (an id or question twice)."""
    def spoil(content: Path) -> Where:
        path = file(content)
        first = next(line for line in path.read_text(encoding="utf-8").split("\n") if line.startswith(starts))
        return path, edit_line(path, starts, lambda _: first, nth=2)
    return spoil


def _rename_condition(name: str) -> Callable[[Path], Where]:
    def spoil(content: Path) -> Where:
        return first_condition(content).rename(content / name), None
    return spoil


def _not_utf8(content: Path) -> Where:
    path = SYMPTOMS(content)
    line = edit_line(path, "      - ", lambda s: s + " CAFE_LATIN1")
    path.write_bytes(path.read_bytes().replace(b"CAFE_LATIN1", "café".encode("latin-1")))
    return path, line


def _python_object(content: Path) -> Where:
    canary = content.parent / "pwned"
    return _edit(META, "title:", lambda _: f'title: !!python/object/apply:os.system ["touch {canary}"]')(content)


def _billion_laughs(content: Path) -> Where:
    lines = ['lol0: &lol0 "lol"'] + [f"lol{i}: &lol{i} [{', '.join([f'*lol{i - 1}'] * 10)}]" for i in range(1, 10)]
    return _append(META, "\n".join(lines) + "\n")(content)


def _too_big(content: Path) -> Where:
    path = first_condition(content) / "treatment.md"
    with path.open("a", encoding="utf-8") as f:
        f.write(("Pasted text. " * 80 + "\n") * (20_000_000 // 1041))
    assert path.stat().st_size > 20_000_000 - 2_000
    return path, None


def _missing_file(content: Path) -> Where:
    path = first_condition(content) / "causes.md"
    path.unlink()
    return path, None


def _deep(content: Path) -> Where:
    return _edit(FAQ, "  answer:", lambda _: "  answer: " + "[" * 3000 + "]" * 3000, nth=2)(content)


def _outside(content: Path) -> Path:
    outside = content.parent / "outside"
    outside.mkdir(exist_ok=True)
    return outside


def _symlinked_file(content: Path) -> Where:
    path = SYMPTOMS(content)
    target = _outside(content) / path.name
    shutil.move(path, target)
    path.symlink_to(target)
    return path, None


def _symlinked_folder(content: Path) -> Where:
    folder = first_condition(content)
    target = _outside(content) / folder.name
    shutil.copytree(folder, target)
    link = content / "linked-condition"
    link.symlink_to(target, target_is_directory=True)
    return link, None


def _fifo(content: Path) -> Where:
    path = SYMPTOMS(content)
    path.unlink()
    os.mkfifo(path)        # reading it would never end
    return path, None


CONTENT_CASES = [
    Case("yaml-syntax-error", _edit(META, "title:", lambda s: s + ": a rare disease"), "Put the whole text in double quotes"),
    Case("yaml-tab-indent", _edit(META, "  - ", lambda s: "\t" + s[2:]), "Use spaces, not tabs"),
    Case("yaml-duplicate-key", _append(META, "title: Another title\n"), "Keep one and delete the other"),
    Case("yaml-list-where-text-expected", _edit(META, "title:", lambda s: "title:\n  - " + s[6:].strip()),
         "must be the condition's name, not a list"),
    Case("yaml-python-object-tag", _python_object, "Remove it and write plain text"),
    Case("yaml-billion-laughs", _billion_laughs, "Write the text out in full"),
    Case("yaml-nested-too-deeply", _deep, "nested too deeply"),
    Case("yaml-bad-date", _edit(META, "next_review_due:", lambda _: "next_review_due: next year"),
         "must be a date like"),
    Case("yaml-empty-file", _replace_file(META, b""), "must be 'name: value' lines"),
    Case("front-matter-missing", _edit(SYMPTOMS, "---", lambda _: None), "Start the file with a line '---'"),
    Case("front-matter-unclosed", lambda c: (_edit(SYMPTOMS, "---", lambda _: None, nth=2)(c)[0], 1),
         "add a '---' line after the settings"),
    Case("front-matter-broken-yaml", _edit(SYMPTOMS, "title:", lambda s: s + ": now"), "Put the whole text in double quotes"),
    Case("markdown-empty-file", _replace_file(_condition_file("what-it-is.md"), b""), "this file is empty"),
    Case("not-utf8", _not_utf8, "Save it as UTF-8"),
    Case("invisible-control-character", _edit(SYMPTOMS, "title:", lambda s: s + "\x00"), "invisible control character"),
    Case("file-of-20-mb", _too_big, "the limit is 1,000,000"),
    Case("not-a-plain-file", _fifo, "Replace it with a text file"),
    Case("section-file-missing", _missing_file, "every condition needs it"),
    Case("field-missing", lambda c: (_edit(META, "last_reviewed:", lambda _: None)(c)[0], 1),
         "'last_reviewed' is missing. Add 'last_reviewed:'"),
    Case("list-defined-twice", _repeat(SYMPTOMS, "  - id:"), "is used twice"),
    Case("care-card-defined-twice", _repeat(CARDS, "  - urgency:"), "Put all their items in one card"),
    Case("faq-question-twice", _repeat(FAQ, "- question:"), "Remove one"),
    Case("glossary-term-twice", _repeat(lambda c: c / "glossary.yaml", "- term:"), "Keep one entry"),
    Case("template-text-in-content", _append(_condition_file("what-it-is.md"), "Dear {{ patient_name }},\n"),
         "Replace it with the real text"),
    Case("folder-name-with-space", _rename_condition("Bad Name"), "e.g. 'bad-name'"),
    Case("folder-name-not-ascii", _rename_condition("über"), "e.g. 'uber'"),
    # Folder names are unique and the slug rule refuses upper case and accents, so no two
    # conditions can share a URL; the one clash content can cause is with the site's own folders.
    Case("folder-name-taken-by-site", _rename_condition("assets"), "Rename the folder"),
    Case("symlinked-file-outside-content", _symlinked_file, "Copy the file into the content folder"),
    Case("symlinked-folder-outside-content", _symlinked_folder, "Copy it into the content folder"),
]


def _templates_copy(content: Path) -> Path:
    templates = content.parent / "templates"
    if not templates.exists():
        shutil.copytree(REPO_ROOT / "templates", templates)
    return templates


def _template_edit(name: str, after: str, insert: str) -> Callable[[Path], Where]:
    """Insert a line into a copy of template `name`, after the first line starting with `after`."""
    def spoil(content: Path) -> Where:
        path = _templates_copy(content) / name
        return path, edit_line(path, after, lambda s: f"{s}\n{insert}") + 1
    return spoil


TEMPLATE_CASES = [
    Case("template-syntax-error", _template_edit("condition.html", "<h1", "{% if %}"),
         "template syntax error"),
    Case("template-undefined-variable", _template_edit("condition.html", "<h1", "{{ no_such_value }}"),
         "Pass this value to the template"),
    Case("template-undefined-in-parent", _template_edit("base.html", "<main", "{{ no_such_value }}"),
         "Pass this value to the template"),
    Case("template-undefined-in-macro", _template_edit("components.html", "{% macro", "{{ no_such_value }}"),
         "Pass this value to the template"),
]


def _command(name: str, content: Path, out: Path, templates: Path | None) -> list[str]:
    if name == "check":
        return ["check", "--content", str(content)]
    return build_cmd(content, out, *(["--templates", str(templates)] if templates else []))


@pytest.fixture(scope="module")
def old_site(tmp_path_factory) -> Path:
    """A site built from the good content: the 'previous site' every failed build must leave alone."""
    work = tmp_path_factory.mktemp("old")
    content = copy_content(work)
    out = work / "site"
    result = run_cli(*build_cmd(content, out))
    assert result.returncode == 0, result.stderr
    return out


def _location(path: Path, line: int | None) -> str:
    shown = path.relative_to(path.parent.parent).as_posix() if path.parent.name == "templates" else path.as_posix()
    return f"{shown}:{line}: " if line is not None else f"{shown}: "


def _run_case(case: Case, command: str, tmp_path: Path, old_site: Path, templates: bool) -> None:
    content = copy_content(tmp_path)
    site = tmp_path / "site"
    shutil.copytree(old_site, site)
    path, line = case.spoil(content)
    before, around = site_digest(site), sorted(os.listdir(tmp_path))

    result = run_cli(*_command(command, content, site, tmp_path / "templates" if templates else None), timeout=60)

    output = result.stdout + result.stderr
    assert result.returncode != 0, f"exit code 0 for bad input:\n{output}"
    assert "Traceback" not in output, output
    where = _location(path, line)
    located = [s for s in result.stderr.splitlines() if s.startswith(where)]
    assert located, f"no problem reported at {where!r}:\n{result.stderr}"
    assert any(case.says in s for s in located), f"{where!r} does not say {case.says!r}:\n{result.stderr}"
    assert site_digest(site) == before, "the previous site was changed"
    assert sorted(os.listdir(tmp_path)) == around, "the build left files beside the site"
    assert not (tmp_path / "pwned").exists(), "content ran a command"


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", CONTENT_CASES, ids=[c.id for c in CONTENT_CASES])
def test_bad_content_is_refused_with_its_location(case: Case, command: str, tmp_path: Path, old_site: Path):
    _run_case(case, command, tmp_path, old_site, templates=False)


@pytest.mark.parametrize("case", TEMPLATE_CASES, ids=[c.id for c in TEMPLATE_CASES])
def test_broken_template_is_refused_with_template_and_line(case: Case, tmp_path: Path, old_site: Path):
    _run_case(case, "build", tmp_path, old_site, templates=True)


def _crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _bom(data: bytes) -> bytes:
    return b"\xef\xbb\xbf" + data


def _cr(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")


@pytest.mark.parametrize("convert", [_crlf, _cr, _bom, lambda d: _bom(_crlf(d))],
                         ids=["crlf", "old-mac-cr", "bom", "bom-and-crlf"])
def test_other_line_endings_and_byte_order_mark_build_the_same_site(convert, tmp_path: Path, old_site: Path):
    content = copy_content(tmp_path)
    for path in sorted(content.rglob("*")):
        if path.is_file():
            path.write_bytes(convert(path.read_bytes()))
    out = tmp_path / "site"
    result = run_cli(*build_cmd(content, out))
    assert result.returncode == 0, result.stderr
    assert site_digest(out) == site_digest(old_site)


@pytest.mark.parametrize("command", ["build", "check"])
def test_a_missing_templates_folder_is_an_error_naming_it_without_a_traceback(command, tmp_path):
    content = copy_content(tmp_path)
    missing = tmp_path / "no-templates"
    extra = ["--out", str(tmp_path / "site")] if command == "build" else []
    result = run_cli(command, "--content", str(content), "--templates", str(missing), *extra, timeout=120)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output, output
    assert f"{missing}: 'condition.html' not found" in output, output
