"""`build.py new <slug>`: a condition folder with every file and setting in place, to fill in."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from healthlib.content.load import CONDITION_FILE, FAQ_FILE
from healthlib.pipeline import Project, gather
from healthlib.content.model import SECTION_IDS
from sitecopy import run_cli

FIXTURE = Path(__file__).parent / "fixtures" / "tiny"
REPO = Path(__file__).resolve().parent.parent
FILES = {CONDITION_FILE, FAQ_FILE, *(f"{s}.md" for s in SECTION_IDS)}

# What a test editor writes into each empty setting ({n} keeps headings apart).
SAMPLE = {"title": "Sample heading {n}", "summary": "A short plain summary.", "heading": "A heading {n}",
          "question": "Question {n}?", "answer": "A plain answer.", "publisher": "A publisher",
          "url": "https://example.net/{n}", "accessed": "2026-01-01", "last_reviewed": "2026-01-01",
          "next_review_due": "2027-01-01", "date": "2026-12-01", "id": "main", "closing": "A closing line."}


def content(tmp_path) -> Path:
    return Path(shutil.copytree(FIXTURE / "content", tmp_path / "content"))


def new(content: Path, slug: str):
    return run_cli("new", slug, "--content", str(content))


def fill(value, counter: list[int]):
    """The scaffold's data with every empty setting and list item written, nothing added."""
    if isinstance(value, dict):
        out = {}
        for key, v in value.items():
            counter[0] += 1
            out[key] = SAMPLE[key].format(n=counter[0]) if v is None and key in SAMPLE else fill(v, counter)
        return out
    if isinstance(value, list):
        counter[0] += 1
        return [f"Item {counter[0]}." if v is None else fill(v, counter) for v in value]
    return value


def fill_folder(folder: Path) -> None:
    counter = [0]
    for path in sorted(folder.iterdir()):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".yaml":
            path.write_text(yaml.safe_dump(fill(yaml.safe_load(text), counter), sort_keys=False))
        else:
            _, meta, _body = text.split("---\n", 2)
            path.write_text(f"---\n{yaml.safe_dump(fill(yaml.safe_load(meta), counter), sort_keys=False)}"
                            "---\nA few plain sentences. They say what the reader needs to know.\n")


def test_new_makes_every_file_with_every_setting_empty(tmp_path):
    folder = content(tmp_path) / "kidney-stones"
    result = new(folder.parent, "kidney-stones")
    assert result.returncode == 0, result.stderr
    assert {p.name for p in folder.iterdir()} == FILES
    assert str(folder) in result.stdout and "'make check'" in result.stdout
    meta = yaml.safe_load((folder / CONDITION_FILE).read_text())
    assert set(meta) == {"title", "other_names", "related", "summary", "key_points", "last_reviewed",
                         "next_review_due", "sources", "status", "changes"}
    assert meta["related"] is None   # optional: empty is allowed
    assert meta["status"] == "draft" and meta["changes"] == [{"date": None, "summary": None}]
    assert meta["title"] is None and meta["key_points"] == [None, None, None]
    assert set(meta["sources"][0]) == {"title", "publisher", "url", "accessed"}


def test_check_names_every_thing_still_to_write_with_its_line(tmp_path):
    folder = content(tmp_path) / "kidney-stones"
    new(folder.parent, "kidney-stones")
    result = run_cli("check", "--content", str(folder.parent))
    assert result.returncode == 1
    problems = [line for line in result.stderr.splitlines() if line.startswith(str(folder))]
    titles = [p for p in problems if p.endswith("'title' is empty. Write the section heading after 'title:'.")]
    assert len(titles) == len(SECTION_IDS)
    assert all(line.split(":")[1].isdigit() for line in problems), problems
    for setting in ("summary", "last_reviewed", "next_review_due", "question", "answer", "url"):
        assert any(f"'{setting}' is empty" in p for p in problems), setting
    assert not any(line.startswith(str(folder.parent / "sample-condition")) for line in result.stderr.splitlines())


def test_filled_scaffold_passes_the_schema_checks(tmp_path):
    folder = content(tmp_path) / "kidney-stones"
    new(folder.parent, "kidney-stones")
    fill_folder(folder)
    project = Project(tmp_path, folder.parent, REPO / "templates", REPO / "static", FIXTURE / "site.yaml")
    gathered = gather(project, render=False)
    library, problems = gathered.library, gathered.problems
    assert [str(p) for p in problems.items] == []
    assert "kidney-stones" in {c.slug for c in library.conditions}


def test_new_refuses_a_name_that_cannot_be_a_web_address(tmp_path):
    root = content(tmp_path)
    result = new(root, "Kidney Stones")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "error: The folder name 'Kidney Stones' cannot be a web address" in result.stderr
    assert "e.g. 'kidney-stones'" in result.stderr
    assert sorted(p.name for p in root.iterdir()) == ["glossary.yaml", "sample-condition"]


def test_new_refuses_a_folder_that_exists_and_leaves_it_alone(tmp_path):
    root = content(tmp_path)
    before = {p: p.read_bytes() for p in (root / "sample-condition").iterdir()}
    result = new(root, "sample-condition")
    assert result.returncode == 1
    assert f"error: {root / 'sample-condition'} already exists" in result.stderr
    assert {p: p.read_bytes() for p in (root / "sample-condition").iterdir()} == before


def test_scaffold_is_the_same_for_every_condition(tmp_path):
    root = content(tmp_path)
    new(root, "first-one")
    new(root, "second-one")
    assert all((root / "first-one" / name).read_bytes() == (root / "second-one" / name).read_bytes()
               for name in FILES)
