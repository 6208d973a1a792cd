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
