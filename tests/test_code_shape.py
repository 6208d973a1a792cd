"""The shape issue 14 asked of the package: every function short enough to read on one screen."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "healthlib"
LONGEST = 50   # lines, from `def` to the function's last line


def functions(root: Path):
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield path.relative_to(root.parent), node


def test_no_function_in_the_package_is_longer_than_fifty_lines():
    long = [f"{path}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1} lines"
            for path, node in functions(PACKAGE) if node.end_lineno - node.lineno + 1 > LONGEST]
    assert not long, "split these functions:\n" + "\n".join(long)


def test_the_length_rule_finds_a_long_function(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "m.py").write_text("def f():\n" + "    x = 1\n" * LONGEST)
    found = [(node.name, node.end_lineno - node.lineno + 1) for _, node in functions(package)]
    assert found == [("f", LONGEST + 1)]
