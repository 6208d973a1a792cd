#!/usr/bin/env python3
"""Make a synthetic health library of N conditions from the calciphylaxis content.

Each condition gets its own made-up name (so slugs, titles and the A-Z index vary), the
name replaces "calciphylaxis" in its text, and its lists, key points, FAQ and paragraphs are
rotated by a different amount, so no two conditions have the same files.

Writes, under OUT:
    content/<slug>/...      our content format (one folder per condition) + glossary.yaml
    site.yaml               the library settings
    pages/titles.tsv        slug<TAB>title, one condition a line
    pages/<slug>.md         the same text as one plain Markdown page per condition, with no
                            front matter: what MkDocs, Pelican and Hugo build (bench/run.py
                            adds each tool's own front matter)

Usage: python bench/make_library.py N OUT
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from healthlib.content.model import SECTION_IDS  # noqa: E402  (the page order our build uses)
SOURCE = ROOT / "content" / "calciphylaxis"
SOURCE_NAME = "calciphylaxis"

# 26 x 20 x 12 = 6,240 distinct names; the first part cycles fastest, so every letter of the
# A-Z index is used from N = 26 on.
_FIRST = ["Abra", "Belo", "Cora", "Dema", "Elva", "Fira", "Galo", "Hema", "Ilo", "Jura", "Kelo",
          "Lumi", "Mira", "Nora", "Osti", "Pela", "Quira", "Rena", "Sela", "Tora", "Ulma", "Vera",
          "Wila", "Xena", "Yola", "Zera"]
_MIDDLE = ["ban", "cel", "dor", "fen", "gal", "hin", "kor", "lem", "mur", "nal", "pex", "ros", "sul",
           "tan", "ver", "wil", "xan", "yor", "zel", "quin"]
_LAST = ["itis", "osis", "emia", "algia", "opathy", "plasia", "trophy", "ectasia", "oma", "uria",
         "ism", "phylaxis"]
MAX_CONDITIONS = len(_FIRST) * len(_MIDDLE) * len(_LAST)


def condition_name(i: int) -> str:
    first = _FIRST[i % len(_FIRST)]
    middle = _MIDDLE[(i // len(_FIRST)) % len(_MIDDLE)]
    last = _LAST[i // (len(_FIRST) * len(_MIDDLE))]
    return first + middle + last


def _rotate(items: list, by: int) -> list:
    if not items:
        return items
    by %= len(items)
    return items[by:] + items[:by]


def _rename(value, name: str):
    """`value` (parsed YAML or text) with the source condition's name replaced by `name`."""
    if isinstance(value, str):
        return value.replace(SOURCE_NAME.capitalize(), name).replace(SOURCE_NAME, name.lower())
    if isinstance(value, list):
        return [_rename(v, name) for v in value]
    if isinstance(value, dict):
        return {k: _rename(v, name) for k, v in value.items()}
    return value


# libyaml when present: pure-Python YAML would make the 5,000-condition library take minutes.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump(data) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _split(text: str) -> tuple[dict, str]:
    """A section file -> (front matter, Markdown body)."""
    _, meta, body = text.split("---\n", 2)
    return yaml.load(meta, Loader=_Loader) or {}, body


def _read_source() -> tuple[dict, list, list[tuple[str, dict, str]]]:
    """The calciphylaxis condition, parsed once: (condition.yaml, faq.yaml, [(section id, meta, body)])."""
    condition = yaml.load((SOURCE / "condition.yaml").read_text(), Loader=_Loader)
    faq = yaml.load((SOURCE / "faq.yaml").read_text(), Loader=_Loader)
    sections = [(path.stem, *_split(path.read_text())) for path in sorted(SOURCE.glob("*.md"))]
    return condition, faq, sections


def _vary_section(meta: dict, body: str, i: int) -> tuple[dict, str]:
    for group in meta.get("lists", []) + meta.get("cards", []):
        group["items"] = _rotate(group["items"], i)
    paragraphs = [p for p in body.strip().split("\n\n") if p.strip()]
    return meta, "\n\n".join(_rotate(paragraphs, i)) + "\n"


def other_name(i: int) -> str:
    """Condition i's other name, its own like its title (the A-Z lists it, search finds it)."""
    first, middle = _FIRST[i % len(_FIRST)], _MIDDLE[(i // len(_FIRST)) % len(_MIDDLE)]
    return f"{middle.capitalize()}{first.lower()} {_LAST[i // (len(_FIRST) * len(_MIDDLE))]} syndrome"


def make_condition(i: int, out: Path, source, n: int, related: bool = False
                   ) -> tuple[str, dict, list[tuple[str, dict, str]], list[dict]]:
    """Write condition number i (of n) under out/content; return (slug, condition, sections, faq).
    `related`: list two neighbours as related conditions."""
    name = condition_name(i)
    slug = name.lower()
    folder = out / "content" / slug
    folder.mkdir(parents=True)
    condition, faq, sections = _rename(source[0], name), _rename(source[1], name), []
    condition["key_points"] = _rotate(condition["key_points"], i)
    condition["other_names"] = [other_name(i)]
    if related:   # their titles are on this page too, so it is made once all are loaded
        condition["related"] = [condition_name(j).lower() for j in sorted({(i + 1) % n, (i + 2) % n} - {i})]
    (folder / "condition.yaml").write_text(_dump(condition))
    faq = _rotate(faq, i)
    (folder / "faq.yaml").write_text(_dump(faq))
    for section_id, meta, body in source[2]:
        meta, body = _vary_section(_rename(meta, name), _rename(body, name), i)
        (folder / f"{section_id}.md").write_text(f"---\n{_dump(meta)}---\n{body}")
        sections.append((section_id, meta, body))
    return slug, condition, sections, faq


def flat_markdown(condition: dict, sections: list[tuple[str, dict, str]], faq: list[dict]) -> str:
    """One condition as one plain Markdown page (no front matter): the same words, headings and
    lists our condition page shows, for the other generators."""
    order = {sid: n for n, sid in enumerate(SECTION_IDS)}
    out = [condition["summary"], "", "## Key points", ""]
    out += [f"- {p}" for p in condition["key_points"]]
    for _, meta, body in sorted(sections, key=lambda s: order.get(s[0], len(order))):
        out += ["", f"## {meta['title']}", "", body.strip()]
        for group in meta.get("lists", []) + meta.get("cards", []):
            out += ["", f"### {group['heading']}", ""] + [f"- {item}" for item in group["items"]]
        if meta.get("closing"):
            out += ["", meta["closing"]]
    out += ["", "## Questions people often ask"]
    for entry in faq:
        out += ["", f"### {entry['question']}", "", entry["answer"]]
    out += ["", "## Sources and review", ""]
    out += [f"- [{s['title']}]({s['url']}), {s['publisher']}" for s in condition["sources"]]
    return "\n".join(out) + "\n"


def make_library(n: int, out: Path, related: bool = False) -> list[tuple[str, str]]:
    """Write a library of n conditions into `out` (emptied first). Returns [(slug, title)].
    `related`: each condition lists two others as related (off for `make bench`: the other
    generators' pages have no such list)."""
    if not 1 <= n <= MAX_CONDITIONS:
        raise SystemExit(f"N must be between 1 and {MAX_CONDITIONS}.")
    if out.exists():
        shutil.rmtree(out)
    (out / "pages").mkdir(parents=True)
    made, source = [], _read_source()
    for i in range(n):
        slug, condition, sections, faq = make_condition(i, out, source, n, related)
        (out / "pages" / f"{slug}.md").write_text(flat_markdown(condition, sections, faq))
        made.append((slug, condition["title"]))
    (out / "pages" / "titles.tsv").write_text("".join(f"{slug}\t{title}\n" for slug, title in made))
    shutil.copy(ROOT / "content" / "glossary.yaml", out / "content" / "glossary.yaml")
    shutil.copy(ROOT / "site.yaml", out / "site.yaml")
    return made


def add_language(out: Path, code: str = "es") -> int:
    """A language folder content/<code>/ translating every condition of the library at `out` (the
    same text: what is timed is the build's work for a second language), each with its
    `translation:` block made from the current version. Returns how many conditions it has."""
    from healthlib.content.languages import source_version
    content = out / "content"
    folder = content / code
    folder.mkdir()
    (folder / "site.yaml").write_text(f"name: Library ({code})\ndisclaimer: A disclaimer ({code}).\n")
    shutil.copy(content / "glossary.yaml", folder / "glossary.yaml")
    slugs = sorted(p.name for p in content.iterdir() if p.is_dir() and p.name != code and not p.name.startswith("_"))
    for slug in slugs:
        shutil.copytree(content / slug, folder / slug)
        with open(folder / slug / "condition.yaml", "a") as meta:
            meta.write(f"translation:\n  source_version: {source_version(content / slug)}\n"
                       "  source_reviewed: 2026-11-26\n  translated_by: the benchmark\n"
                       "  clinical_check: pending\n  cultural_check: pending\n")
    return len(slugs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of conditions")
    ap.add_argument("out", type=Path, help="folder to write (replaced)")
    ap.add_argument("--related", action="store_true", help="each condition lists two others as related")
    args = ap.parse_args(argv)
    make_library(args.n, args.out, args.related)
    print(f"Wrote {args.n} conditions to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
