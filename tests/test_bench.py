"""The benchmark's own arithmetic (bench/run.py): which builds a target compares."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import run  # noqa: E402


def _gen(name: str, *cold: float) -> run.Generator:
    gen = run.Generator(name, "0", Path("."), [], Path("."), Path("."))
    gen.runs = {"cold": [run.Run(s, 1.0) for s in cold], "warm": [], "edit": [run.Run(0.5, 1.0)]}
    return gen


def test_growth_divides_by_the_smaller_library_built_in_turns_not_minutes_before():
    # The 1,000 of the earlier rows was built on a fast spell (3 s); the one built in turns with
    # the 5,000 shows the machine's speed at that time (3.6 s).
    twin = run.GROWTH_TWIN
    results = {1000: [_gen("healthlib", 3.0, 3.1, 2.9)],
               5000: [_gen("healthlib", 18.0, 18.5, 17.5), _gen(twin, 3.6, 3.5, 3.7)]}
    growth = next(line for line in run.targets(results) if line.startswith("- Growth"))
    assert "5.00×" in growth and "**met**" in growth, growth
    assert "6.00×" in growth, growth      # the other ratio is shown too


def test_growth_without_a_twin_uses_the_earlier_rows():
    results = {1000: [_gen("healthlib", 3.0)], 5000: [_gen("healthlib", 18.0)]}
    growth = next(line for line in run.targets(results) if line.startswith("- Growth"))
    assert "6.00×" in growth and "**not met**" in growth, growth


def _with_pdfs(cold: list[float], edit: list[float], digests: list[str]) -> run.Generator:
    gen = run.Generator(run.WITH_PDFS, "0", Path("."), [], Path("."), Path("."))
    gen.runs = {"cold": [run.Run(s, 1.0) for s in cold], "warm": [], "edit": [run.Run(s, 1.0) for s in edit]}
    gen.pdf_digests = digests
    return gen


def test_the_default_build_with_pdfs_is_judged_at_1000_conditions_cold_and_after_an_edit():
    met = run.pdf_targets({1000: [_with_pdfs([170.0], [1.2, 1.9, 1.5], ["a", "a"])]})
    assert len(met) == 3 and all("**met**" in line for line in met), met
    assert "170.00 s" in met[0] and "1.50 s" in met[1]
    slow = run.pdf_targets({1000: [_with_pdfs([181.0], [2.0], ["a"])]})
    assert "**not met**" in slow[0] and "**not met**" in slow[1]
    assert len(slow) == 2, "one cold build: nothing to compare its PDFs with"


def test_pdfs_that_differ_between_two_cold_builds_fail_the_identity_target():
    [line] = run.pdf_targets({100: [_with_pdfs([30.0, 31.0], [1.0], ["a", "b"])]})
    assert "2 at 100 conditions" in line and "**not met**" in line


def test_the_pdf_builds_edit_adds_an_item_to_a_list_the_sheet_prints(tmp_path):
    from make_library import make_library
    from healthlib.content.load import load_condition
    from healthlib.errors import Problems
    make_library(1, tmp_path / "lib")
    content = tmp_path / "lib" / "content"
    [folder] = [p for p in content.iterdir() if p.is_dir()]

    def symptoms():
        problems = Problems()
        condition = load_condition(folder, content, problems)
        assert not problems.errors, problems.items
        return condition.section("symptoms").all_items

    before = symptoms()
    run.add_symptom(folder / run.SHEET_SECTION, 0)
    after = symptoms()
    assert len(after) == len(before) + 1
    assert "edit number 1" in after[1].source


def _cold(name: str, runs: list[tuple[float, float, float]]) -> run.Generator:
    """(wall, CPU, of which user) seconds of each cold run."""
    gen = run.Generator(name, "0", Path("."), [], Path("."), Path("."))
    gen.runs = {"cold": [run.Run(s, 1.0, cpu, user) for s, cpu, user in runs], "warm": [],
                "edit": [run.Run(0.5, 1.0)]}
    return gen


def test_the_two_language_build_is_judged_against_the_one_language_build_taken_in_turns():
    results = {1000: [_cold("healthlib", [(3.0, 5.0, 4.0), (3.2, 5.2, 4.2), (2.8, 4.8, 3.8)]),
                      _cold(run.TWO_LANGUAGES, [(6.0, 10.0, 8.0), (6.4, 11.0, 8.8), (6.2, 10.4, 8.2)])]}
    [line] = run.two_language_target(results)
    assert "2.07×" in line and "CPU seconds: 2.08×" in line and "**met**" in line, line
    assert "user: 2.05×" in line and "the kernel's: 2.20×" in line, line
    results[1000][1] = _cold(run.TWO_LANGUAGES, [(7.0, 12.0, 9.0)])
    assert "**not met**" in run.two_language_target(results)[0]


def test_the_two_language_library_translates_every_condition_from_its_current_version(tmp_path):
    from make_library import add_language, make_library
    from healthlib.content.languages import source_version
    make_library(3, tmp_path / "lib")
    assert add_language(tmp_path / "lib", "es") == 3
    es = tmp_path / "lib" / "content" / "es"
    slugs = sorted(p.name for p in es.iterdir() if p.is_dir())
    assert len(slugs) == 3 and (es / "site.yaml").is_file()
    for slug in slugs:
        meta = (es / slug / "condition.yaml").read_text()
        assert f"source_version: {source_version(tmp_path / 'lib' / 'content' / slug)}" in meta


def test_the_build_with_the_search_index_is_judged_against_hugo_and_shown_beside_hugo_with_pagefind():
    colds = {"Hugo": 1.0, run.WITH_SEARCH: 6.5, run.HUGO_SEARCH: 2.9}
    [line] = run.search_target(lambda n, name: colds.get(name) if n == 1000 else None)
    assert "6.50× its time: **not met**" in line and "takes 2.90 s: ours is 2.24× that" in line, line
    colds[run.WITH_SEARCH] = 2.9
    assert "**met**" in run.search_target(lambda n, name: colds.get(name))[0]
    assert run.search_target(lambda n, name: None) == []
