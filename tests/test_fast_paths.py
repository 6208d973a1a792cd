"""Shortcuts the build takes for speed must give exactly what the slow, general code gives:
plain text skips Python-Markdown, well-formed pages skip HTMLParser in the glossary pass, and
shallow YAML is read by libyaml, templates escape without markupsafe's Python wrapper."""
from __future__ import annotations

import os
import pickle
import re
from pathlib import Path

import markupsafe
import yaml
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from healthlib.text import markup
from healthlib.publish import render
from healthlib.content import sources
from healthlib.errors import Problems
from healthlib.content.model import GlossaryTerm, Text

CONTENT = Path(__file__).resolve().parent.parent / "content"

# Plain characters, and each character or pair that Markdown, SmartyPants or the sanitizer
# treats specially, so the generated texts sit on both sides of the line.
ALPHABET = st.sampled_from(list("abcXYZ019 ,.;:?!()%/-\n") + ["é", "²", "ß", "東", "_", "*", "'", '"', "&", "<",
                                                             ">", "#", "=", "+", "`", "[", "]", "\\", "\t",
                                                             "\xa0", "  \n", "\n\n", "1. ", "- ", "...", "--"])
texts = st.lists(ALPHABET, max_size=40).map("".join)

# Letters around apostrophes (SmartyPants curls them by what is on either side), digits and
# characters \w takes for letters or digits, in lines and paragraphs.
QUOTED = st.lists(st.sampled_from(list("as tS'9 .,-") + ["'s", "n't", "é", "²", "٣", "\n", "\n\n", "  "]),
                  max_size=20).map("".join)


def markdown_html(source: str) -> str:
    return markup._markdown_html(source)[0]


@settings(max_examples=3000, deadline=None)
@given(st.one_of(texts, QUOTED))
def test_plain_text_shortcut_gives_the_same_html_as_markdown(source):
    plain = markup._plain_html(source)
    if plain is not None:
        assert plain == markdown_html(source)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["Painful skin", "that hurts", "a lot", "1 in 10", "(rarely)",
                                 "on dialysis", "Yes.", "What now?"]), min_size=1, max_size=8),
       st.sampled_from([" ", "\n", "\n\n", "\n\n\n", ", "]))
def test_plain_paragraphs_and_lines_give_the_same_html_as_markdown(words, separator):
    source = separator.join(words)
    plain = markup._plain_html(source)
    if plain is not None:
        assert plain == markdown_html(source)


def _content_texts():
    for path in sorted(CONTENT.rglob("*")):
        if path.suffix == ".md":
            _, meta, body = path.read_text().split("---\n", 2)
            yield body
            data = yaml.safe_load(meta)
        elif path.suffix == ".yaml":
            data = yaml.safe_load(path.read_text())
        else:
            continue
        stack = [data]
        while stack:
            value = stack.pop()
            if isinstance(value, str):
                yield value
            elif isinstance(value, list):
                stack.extend(value)
            elif isinstance(value, dict):
                stack.extend(value.values())


def test_the_real_content_renders_the_same_with_and_without_the_shortcut():
    texts = list(_content_texts())
    shortcut = [t for t in texts if markup._plain_html(t) is not None]
    assert len(shortcut) > len(texts) / 2, "most content should be plain text; did the shortcut stop working?"
    for text in shortcut:
        assert str(markup.render_block(text)[0]) == markdown_html(text)


def test_markdown_and_characters_it_changes_go_through_markdown():
    for source in ("A *strong* word", "the 'doctor'", "doctors' advice", "the '90s", "1. first", "- item", "fish & chips",
                   "wait...", "a -- b", "line  \nbreak", "    code", "snake_case", "Title\n==="):
        assert markup._plain_html(source) is None, source


def without_shortcut(render, source: str):
    """`render(source)` with every text sent through Python-Markdown."""
    saved = markup._plain
    markup._plain = lambda text: None
    try:
        return render(source)
    finally:
        markup._plain = saved


@settings(max_examples=3000, deadline=None)
@given(texts.map(lambda t: t.replace("\n", "")))
def test_plain_check_of_one_line_agrees_with_the_general_pattern(text):
    assert markup._is_plain(text) == (text != "" and markup._NOT_PLAIN.search(text) is None)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(texts, QUOTED))
def test_inline_text_renders_the_same_with_and_without_the_shortcut(source):
    assert markup.render_inline(source) == without_shortcut(markup.render_inline, source)


def test_words_with_apostrophes_skip_markdown():
    for source in ("Follow your care team's advice.", "Don't wait.\n\nIt's fine."):
        assert markup._plain_html(source) == markdown_html(source)


# ------------------------------------------------------------------ the glossary pass

GLOSSARY = (GlossaryTerm("dialysis", "a treatment that cleans your blood"),
            GlossaryTerm("parathyroid hormone", "a hormone that controls calcium"),
            GlossaryTerm("parathyroid gland", "a gland in your neck", ("parathyroid glands",)),
            GlossaryTerm("parathyroid", "about the glands in your neck"),
            GlossaryTerm("hormone", "a chemical messenger"),
            GlossaryTerm("Dialysis", "explained once with the first 'dialysis'", ("haemodialysis",)),
            GlossaryTerm("biopsy", "taking a small piece of tissue", ("biopsies",)),
            # spellings with no shared start, and one that is not ASCII
            GlossaryTerm("kidney failure", "kidneys that stop working", ("renal failure",)),
            GlossaryTerm("Sjögren syndrome", "dry eyes & mouth"))
WELL_FORMED = ["<main>", "</main>", "<main id=\"m\" class='x'>", "<p>", "</p>", "<h2>", "</h2>", "<a href=\"x>y\">",
               "</a>", "<DIV>", "</div>", "<br/>", "<br>", "<input x=y/>", "<dfn>", "</dfn>", "<summary>",
               "</summary>", "&amp;", "&#123;", "&#x1F;", "<!-- note -->", "<!DOCTYPE html>", "<script>",
               "</script>", "<style>", "dialysis", "Dialysis", " parathyroid hormone ", "parathyroid glands",
               "biopsies", "biopsy (a sample)", "(biopsy)", " text ", "\n", "é", "<a b=\"1\"\tc>", ">",
               # characters a case-insensitive regex takes for ASCII letters (long s, Kelvin sign,
               # dotted and dotless i) and ones it does not
               "dialyſis", "BIOPSY", "DİALYSIS", "dıalysis", "’", "–",
               # tag names in upper case (HTMLParser writes end tags back in lower case)
               "<MAIN class=\"m\">", "<H3 id=\"x\">", "</H3>", "<SCRIPT>x</script>"]
# Each of these sends the page to HTMLParser (or must give the same result without it).
ODD = ["&nbsp", "&", "<", "<!-- a -- b -->", "</ script>", "</style >", "<?pi>", "</P >", "<a\xa0b>", "</>"]
PIECES = WELL_FORMED * 4 + ODD
html_docs = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def spellings(patterns) -> list[tuple[str, ...]]:
    entries = markup._page_terms(GLOSSARY, ())
    assert patterns == [markup._term(entry)[0] for entry in entries]
    return [entry.spellings for entry in entries]


def html_parser_explain(page: str) -> str:
    explainer = markup._Explainer(markup.term_patterns(GLOSSARY))
    explainer.feed(page)
    explainer.close()
    return "".join(explainer.out)


def shortcut_explain(page: str) -> str | None:
    """The glossary shortcut, checked to give the same page whether it finds terms by their
    regexes (any text) or with bytes.find (ASCII terms)."""
    patterns = markup.term_patterns(GLOSSARY)
    by_regex = markup._explain_well_formed(page, patterns)
    by_find = markup._explain_well_formed(page, patterns, spellings(patterns))
    assert by_regex == by_find
    return by_find


@settings(max_examples=3000, deadline=None)
@given(html_docs)
def test_glossary_pass_on_well_formed_html_matches_html_parser(page):
    fast = shortcut_explain(page)
    if fast is not None:
        assert fast == html_parser_explain(page)


# Well-formed pieces of the kinds the shortcut takes: any page made of them must go through it.
# Terms next to tags, inside attributes, comments and character references, in and out of
# <main> and of elements that are never explained (nested, self-closed, left open),
# next to brackets in other text pieces.
SHORTCUT_PIECES = [
    "<main>", "</main>", "<main class=\"m\">", "<p>", "</p>", "<p\nclass=\"dialysis\">", "<li>", "</li>", "<em>",
    "</em>", "<span title='biopsy (a sample)'>", "<span title='parathyroid'>", "</span>", "<br>", "<br />",
    "<img alt=\"\"/>", "<h2>", "</h2>", "<h3 id=\"x\">", "</h3>", "<h2/>", "<a href=\"#dialysis\">", "</a>", "<a/>",
    "<nav>", "</nav>", "<summary>", "</summary>", "<details open>", "</details>", "<title>", "</title>", "<textarea>",
    "</textarea>", "<th>", "</th>", "<dfn>", "</dfn>", "<script>dialysis</script>",
    "<style type=\"text/css\">p > a {}</style>", "<!-- dialysis -->", "<!---->", "<!doctype html>", "&amp;", "&#40;",
    "&#x28;", "&lt;", "&dialysis;", "&parathyroid;", "&amp;dialysis", "dialysis", "Dialysis", "DIALYSIS",
    "haemodialysis", "dialysis&#233;", "parathyroid", " hormone", " gland", "s", "parathyroid hormone",
    "parathyroid glands", "biopsy", "biopsies", "kidney failure", "Renal failure", "Sjögren syndrome",
    "SJÖGREN SYNDROME", "dialyſis", "(", ")", " (", ") ", "(biopsy)", " ", "\n", "x", "é", "’", ">", "\"", "'", ";",
    "-", "_dialysis", "dialysis2"]
shortcut_docs = st.lists(st.sampled_from(SHORTCUT_PIECES), max_size=40).map("".join)


@settings(max_examples=3000, deadline=None)
@given(shortcut_docs)
# a shorter term in a tag or a character reference, the longer one right after it
@example("<main><span title='parathyroid'>parathyroid hormone")
@example("<main>&parathyroid;parathyroid hormone")
def test_glossary_shortcut_takes_well_formed_pages_and_matches_html_parser(page):
    fast = shortcut_explain(page)
    assert fast is not None, "the shortcut sent a well-formed page to HTMLParser"
    assert fast == html_parser_explain(page)


def test_the_glossary_shortcut_repeats_no_group_possessively():
    # '(...)*+' matched wrongly before Python 3.11.5 (CPython gh-106052): on Debian 12's 3.11.2
    # every page then fell back to HTMLParser. Groups are repeated inside atomic groups instead.
    for regex in (markup._SEGMENT, markup._REST):
        assert re.search(rb"\)[*+?}]\+", regex.pattern) is None, regex.pattern


def test_the_glossary_shortcut_knows_every_character_a_regex_takes_for_ascii():
    # bytes.find sees only ASCII: a page with any other character that a case-insensitive regex
    # matches to an ASCII one (like the Kelvin sign to k) must have its terms found by regex.
    any_ascii = re.compile("[\x00-\x7f]", re.IGNORECASE)
    like_ascii = {c for c in map(chr, range(0x80, 0x110000)) if any_ascii.fullmatch(c) or c.lower().isascii()}
    assert like_ascii == set(markup._LIKE_ASCII_LETTERS)


def test_glossary_pass_on_every_built_page_matches_html_parser(built_site):
    pages = sorted(built_site.rglob("*.html"))
    assert pages
    patterns = markup.term_patterns(GLOSSARY)
    for path in pages:
        page = path.read_text()
        fast = markup._explain_well_formed(page, patterns, spellings(patterns))
        assert fast is not None, f"{path} fell back to HTMLParser: the shortcut no longer fits our pages"
        assert fast == html_parser_explain(page)


TEXT_PIECES = ["a", " ", "\n", "\t", "&amp;", "&lt;", "&#233;", "&nbsp;", "&", "&amp", "é", "&#x41;", "&zz;", "\xa0",
               ";", "<p>", "</p>", "<em>", "</em>", "<br>", "<br/>", "<a href=\"x\">", "<a title='a>b'>", "</a>",
               "<ul>", "<li>", "<", ">", "<!-- c -->", "<script>x</script>", "<P class=x>", "< p>", "</ p>"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(TEXT_PIECES), max_size=20).map("".join))
def test_plain_text_matches_html_parser(fragment):
    assert markup.plain_text(fragment) == markup._parsed_text(fragment)


def test_plain_text_of_sanitized_content_skips_html_parser(monkeypatch):
    monkeypatch.setattr(markup, "_parsed_text", None)    # would fail if called
    texts = [t for t in _content_texts() if t.strip()]
    for text in texts:
        markup.plain_text(str(markup.render_block(text)[0]))


# ------------------------------------------------------------------ YAML

YAML_PIECES = ["title: Signs\n", "lists:\n", "  - id: early\n", "    items:\n", "      - Pain\n", "- a\n",
               "key: [a, b]\n", "k: {a: 1}\n", "anchor: &a x\n", "alias: *a\n", "tag: !!python/object x\n",
               "\tindented: tab\n", "k: v: w\n", "q: 'quoted'\n", "d: 2026-01-01\n", "n: 1\n", "title: again\n",
               "text: >-\n  folded\n  text\n", "- - - deep\n", "[[[[\n", "? complex\n", ": value\n", "\"\n",
               "bad: \"unclosed\n", "null:\n", "yes: no\n", "é: ü\n", "  \n", "---\n", "...\n", "# comment\n",
               "url: a?b&c\n", "- 2 * 3\n", "- &b [x]\n", "- *b\n", "T: True\n", "- ~\n", "- ''\n", "- !!str 1\n"]


def _parsed(text, pure):
    problems = Problems()
    saved = sources._CLoader
    if pure:
        sources._CLoader = None
    try:
        doc = sources.parse_yaml(text, Path("x.yaml"), problems, line_offset=1)
    finally:
        sources._CLoader = saved
    return (None if doc is None else (doc.data, doc.lines)), [str(p) for p in problems.items]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(YAML_PIECES), max_size=12).map("".join))
def test_yaml_read_by_libyaml_gives_the_same_values_lines_and_problems(text):
    assert _parsed(text, pure=False) == _parsed(text, pure=True)


def test_files_read_without_resolving_give_what_resolving_gives(tmp_path, monkeypatch):
    root, outside = tmp_path / "content", tmp_path / "outside.md"
    (root / "a" / "folder.md").mkdir(parents=True)
    outside.write_text("secret")
    (root / "a" / "plain.md").write_text("text\r\n")
    (root / "a" / "inside-link.md").symlink_to(root / "a" / "plain.md")
    (root / "a" / "outside-link.md").symlink_to(outside)
    (root / "linked").symlink_to(root / "a", target_is_directory=True)
    (root / "escape").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(root / "a" / "pipe.md")
    paths = [root / "a" / name for name in ("plain.md", "inside-link.md", "outside-link.md", "pipe.md", "folder.md",
                                            "missing.md")]
    paths += [root / "linked" / "plain.md", root / "escape" / "outside.md", root / "a" / ".." / "a" / "plain.md",
              outside, Path("content/a/plain.md")]
    monkeypatch.chdir(tmp_path)

    def read_all():
        problems = Problems(tmp_path)
        return [sources.read_text(path, root, problems) for path in paths], [str(p) for p in problems.items]

    assert sources._is_plain_file_inside(root / "a" / "plain.md", root), "the plain file should skip resolving"
    assert not any(sources._is_plain_file_inside(path, root) for path in paths[1:])
    without_resolving = read_all()
    monkeypatch.setattr(sources, "_is_plain_file_inside", lambda path, root: False)
    assert without_resolving == read_all()


def split_line_by_line(text: str, path: Path, problems: Problems):
    """split_front_matter as it was: the block ends at the first line that strips to '---' or '...'."""
    lines = text.split("\n")
    if not text.strip() or lines[0].strip() != "---":
        return split_not_found
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            meta = sources.parse_yaml("\n".join(lines[1:i]), path, problems, line_offset=1)
            if meta is None or not isinstance(meta.data, dict | None):
                if meta is not None:
                    problems.error(path, 2, "the settings block must be a list of 'name: value' lines.")
                return None
            return meta.data or {}, meta.lines, "\n".join(lines[i + 1:]), i + 2
    return split_not_found


split_not_found = object()
# Lines that close the block or nearly do, with whitespace str.strip() removes (and \n does not
# end a line for it: \x1c, \x85, \u2028 are whitespace here, not line breaks).
FRONT_LINES = ["---", "...", "--", "----", " --- ", "\t...", "---\x1c", "\xa0---\u3000", "---\r", "\x85...",
               "-- -", "..", "title: x", "n: 1", "- a", "", " ", "\u2028", "a: ---"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(FRONT_LINES), max_size=8).map("\n".join))
def test_settings_block_ends_where_stripping_each_line_finds_its_end(text):
    problems, expected_problems = Problems(), Problems()
    md = sources.split_front_matter(text, Path("x.md"), problems)
    expected = split_line_by_line(text, Path("x.md"), expected_problems)
    if expected is split_not_found:
        assert md is None and [p.line for p in problems.items] == [1]
        return
    assert problems.items == expected_problems.items
    assert expected == (md and (md.meta.data, md.meta.lines, md.body, md.body_line))


@pytest.mark.parametrize("depth", [sources._MAX_DEPTH - 1, sources._MAX_DEPTH, sources._MAX_DEPTH + 1, 400, 2000])
def test_yaml_nested_deep_gives_what_pure_python_gives(depth):
    for text in ("a: " + "[" * depth + "]" * depth + "\n", "".join(" " * i + "- x:\n" for i in range(depth)),
                 "a: " + "[" * depth + "leaf, b: c" + "]" * depth + "\n"):
        if len(text) <= sources._C_MAX_CHARS:
            assert _parsed(text, pure=False) == _parsed(text, pure=True)


def test_yaml_of_the_real_content_is_read_by_libyaml_the_same_way():
    assert sources._CLoader is not None, "PyYAML was installed without libyaml: big builds will be slow"
    for path in sorted(CONTENT.rglob("*.yaml")):
        text = path.read_text()
        assert _parsed(text, pure=False) == _parsed(text, pure=True)


class _HasHtml:
    def __html__(self):
        return "<b>already safe</b>"


class _StrKind(str):
    pass


@settings(max_examples=2000, deadline=None)
@given(value=st.one_of(texts, texts.map(markupsafe.Markup), texts.map(_StrKind), st.integers(), st.none(),
                       st.just(_HasHtml()), st.floats(allow_nan=False)))
def test_fast_escape_gives_what_markupsafe_escape_gives(value):
    fast, slow = render.fast_escape(value), markupsafe.escape(value)
    assert type(fast) is type(slow) is markupsafe.Markup
    assert str(fast) == str(slow)


def test_compiled_templates_escape_with_fast_escape(tmp_path):
    """The hook is in Jinja's private API: this fails, rather than the speed going unseen, when
    Jinja changes it. Also through the compiled-template (bytecode) cache."""
    for bytecode in (None, tmp_path, tmp_path):
        env = render.make_env(Path(__file__).resolve().parent.parent / "templates", bytecode)
        template = env.get_template("condition.html")
        assert template.root_render_func.__globals__["escape"] is render.fast_escape
        assert env.from_string("{{ v }}").render(v="<a & b>") == "&lt;a &amp; b&gt;"


@given(source=texts, html=texts, line=st.one_of(st.none(), st.integers(1, 10_000)))
def test_a_text_pickles_to_an_equal_text_with_markup_html(source, html, line):
    text = Text(source, markupsafe.Markup(html), line)
    again = pickle.loads(pickle.dumps(text, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == text and hash(again) == hash(text) and type(again.html) is markupsafe.Markup
    assert vars(again) == vars(text)
