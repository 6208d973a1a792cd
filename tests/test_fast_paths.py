"""Shortcuts the build takes for speed must give exactly what the slow, general code gives:
plain text skips Python-Markdown, well-formed pages skip HTMLParser in the glossary pass, and
shallow YAML is read by libyaml."""
from __future__ import annotations

from pathlib import Path

import yaml
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthlib import markup, sources
from healthlib.errors import Problems
from healthlib.model import GlossaryTerm

CONTENT = Path(__file__).resolve().parent.parent / "content"

# Plain characters, and each character or pair that Markdown, SmartyPants or the sanitizer
# treats specially, so the generated texts sit on both sides of the line.
ALPHABET = st.sampled_from(list("abcXYZ019 ,.;:?!()%/-\n") + ["é", "²", "ß", "東", "_", "*", "'", '"', "&", "<",
                                                             ">", "#", "=", "+", "`", "[", "]", "\\", "\t",
                                                             "\xa0", "  \n", "\n\n", "1. ", "- ", "...", "--"])
texts = st.lists(ALPHABET, max_size=40).map("".join)


def markdown_html(source: str) -> str:
    return markup._markdown_html(source)[0]


@settings(max_examples=3000, deadline=None)
@given(texts)
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


# Letters around apostrophes (SmartyPants curls them by what is on either side), digits and
# characters \w takes for letters or digits, in lines and paragraphs.
QUOTED = st.lists(st.sampled_from(list("as tS'9 .,-") + ["'s", "n't", "é", "²", "٣", "\n", "\n\n", "  "]),
                  max_size=20).map("".join)


@settings(max_examples=3000, deadline=None)
@given(st.one_of(texts, QUOTED))
def test_inline_text_renders_the_same_with_and_without_the_shortcut(source):
    assert markup.render_inline(source) == without_shortcut(markup.render_inline, source)


@settings(max_examples=3000, deadline=None)
@given(QUOTED)
def test_apostrophes_between_letters_give_the_same_html_as_markdown(source):
    plain = markup._plain_html(source)
    if plain is not None:
        assert plain == markdown_html(source)


def test_words_with_apostrophes_skip_markdown():
    for source in ("Follow your care team's advice.", "Don't wait.\n\nIt's fine."):
        assert markup._plain_html(source) == markdown_html(source)


# ------------------------------------------------------------------ the glossary pass

GLOSSARY = (GlossaryTerm("dialysis", "a treatment that cleans your blood"),
            GlossaryTerm("parathyroid hormone", "a hormone that controls calcium"),
            GlossaryTerm("parathyroid gland", "a gland in your neck", ("parathyroid glands",)),
            GlossaryTerm("biopsy", "taking a small piece of tissue", ("biopsies",)))
WELL_FORMED = ["<main>", "</main>", "<main id=\"m\" class='x'>", "<p>", "</p>", "<h2>", "</h2>", "<a href=\"x>y\">",
               "</a>", "<DIV>", "</div>", "<br/>", "<br>", "<input x=y/>", "<dfn>", "</dfn>", "<summary>",
               "</summary>", "&amp;", "&#123;", "&#x1F;", "<!-- note -->", "<!DOCTYPE html>", "<script>",
               "</script>", "<style>", "dialysis", "Dialysis", " parathyroid hormone ", "parathyroid glands",
               "biopsies", "biopsy (a sample)", "(biopsy)", " text ", "\n", "é", "<a b=\"1\"\tc>", ">",
               # characters a case-insensitive regex takes for ASCII letters (long s, Kelvin sign,
               # dotted and dotless i) and ones it does not
               "dialyſis", "BIOPSY", "DİALYSIS", "dıalysis", "’", "–"]
# Each of these sends the page to HTMLParser (or must give the same result without it).
ODD = ["&nbsp", "&", "<", "<!-- a -- b -->", "</ script>", "</style >", "<?pi>", "</P >", "<a\xa0b>", "</>"]
PIECES = WELL_FORMED * 4 + ODD
html_docs = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def spellings(patterns) -> list[tuple[str, ...]]:
    by_key = {term.term.lower(): term.spellings for term in GLOSSARY}
    return [by_key[key] for _, _, key in patterns]


def html_parser_explain(page: str) -> str:
    explainer = markup._Explainer(markup.term_patterns(GLOSSARY))
    explainer.feed(page)
    explainer.close()
    return "".join(explainer.out)


@settings(max_examples=3000, deadline=None)
@given(html_docs)
def test_glossary_pass_on_well_formed_html_matches_html_parser(page):
    patterns = markup.term_patterns(GLOSSARY)
    by_regex = markup._explain_well_formed(page, patterns)             # any text
    by_find = markup._explain_well_formed(page, patterns, spellings(patterns))   # str.find on ASCII
    if by_regex is not None:
        assert by_regex == by_find == html_parser_explain(page)


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


SCALARS = st.one_of(st.text(max_size=12), st.sampled_from(
    ["", "~", "null", "Null", "NULL", "yes", "No", "on", "OFF", "true", "y", "n", "1", "-1.5e3", "+12", "0x1F", "0b101",
     "0o17", "1_000", ".inf", "-.INF", ".nan", "2026-01-31", "2026-1-31 1:02:03", "<<", "=", "!", "&", "*", "Title"]))


@settings(max_examples=3000, deadline=None)
@given(SCALARS, st.booleans(), st.booleans())
def test_libyaml_loader_resolves_tags_as_the_safe_loader_does(value, plain, quoted):
    ours, reference = sources._CLoader(""), yaml.SafeLoader("")
    assert ours.resolve(yaml.ScalarNode, value, (plain, quoted)) == reference.resolve(yaml.ScalarNode, value,
                                                                                        (plain, quoted))
    for kind in (yaml.SequenceNode, yaml.MappingNode):
        assert ours.resolve(kind, None, plain) == reference.resolve(kind, None, plain)


def test_yaml_of_the_real_content_is_read_by_libyaml_the_same_way():
    assert sources._CLoader is not None, "PyYAML was installed without libyaml: big builds will be slow"
    for path in sorted(CONTENT.rglob("*.yaml")):
        text = path.read_text()
        assert sources._fast_node(text) is not None, path
        assert _parsed(text, pure=False) == _parsed(text, pure=True)


def test_deeply_nested_yaml_is_not_given_to_libyaml():
    # libyaml recurses in C: nesting this deep would crash the whole process.
    assert sources._fast_node("[" * 100_000 + "]" * 100_000) is None
    assert sources._fast_node("".join("  " * i + "- \n" for i in range(300))) is None


@pytest.mark.parametrize("depth", [sources._C_MAX_DEPTH - 2, sources._C_MAX_DEPTH - 1, sources._C_MAX_DEPTH,
                                   sources._C_MAX_DEPTH + 1, 400, 2000])
def test_yaml_nested_deeper_than_libyaml_may_go_gives_what_pure_python_gives(depth):
    for text in ("a: " + "[" * depth + "]" * depth + "\n", "".join(" " * i + "- x:\n" for i in range(depth)),
                 "a: " + "[" * depth + "leaf, b: c" + "]" * depth + "\n"):
        if len(text) <= sources._C_MAX_CHARS:
            assert _parsed(text, pure=False) == _parsed(text, pure=True)
