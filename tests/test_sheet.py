"""The printable appointment-prep sheet: accessible form on screen, two pages on paper, PDFs.

Browser tests use the session's built site (conftest.py). PDF pages are counted with `pdfinfo`,
text is read with `pdftotext` (poppler-utils, installed by `make system-deps`). The tests that take
`condition` or `sheet` run on the sheet in each of the library's languages (its language folders).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from browser import format_violations, open_page, run_axe
from contentkit import REPO, copy_content, replace_in

from healthlib.content import languages
from healthlib.publish import i18n, pdf
from healthlib import pipeline
from healthlib.errors import BuildError, Problems
from healthlib.pipeline import Project, load

browser_test = pytest.mark.browser
SLUG = "calciphylaxis"
MM_PER_PT = 25.4 / 72
MIN_MARGIN_MM = 12
# PDF page sizes in points, by the name Playwright's page.pdf(format=...) takes.
PAPER_POINTS = {"Letter": (612, 792), "A4": (595.28, 841.89)}
CHROMIUM_FORMAT = {"letter": "Letter", "a4": "A4"}


def _editions() -> list[languages.Edition]:
    project = Project.at(REPO)
    library, _ = load(project)
    return [e for e in languages.editions(project.content, library.site, Problems())
            if (e.content / SLUG).is_dir()]


@pytest.fixture(scope="module", params=_editions(), ids=lambda e: e.language)
def edition(request) -> languages.Edition:
    return request.param


@pytest.fixture(scope="module")
def condition(edition):
    return pipeline.condition_model(Project.at(REPO), SLUG, edition if edition.translated else None)


@pytest.fixture(scope="module")
def sheet(edition) -> str:
    """The sheet's address from the site root, in this language."""
    return f"/{edition.prefix}{SLUG}/appointment-prep/"


@pytest.fixture(scope="module")
def _(edition):
    """The interface's words in the sheet's language (its catalog), by their English message id."""
    return i18n.translations(Project.at(REPO).catalogs, edition.language).gettext


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


# ------------------------------------------------------------------ PDF helpers


def pdf_info(path: Path) -> dict[str, str]:
    proc = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, f"pdfinfo cannot open {path}: {proc.stderr}"
    return dict(line.split(":", 1) for line in proc.stdout.splitlines() if ":" in line)


def pdf_pages(path: Path) -> int:
    return int(pdf_info(path)["Pages"])


def pdf_text(path: Path, page: int | None = None) -> str:
    """Text of the PDF (or one page), whitespace collapsed so wrapped lines read as one."""
    cmd = ["pdftotext", "-layout"] + (["-f", str(page), "-l", str(page)] if page else []) + [str(path), "-"]
    return " ".join(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.split())


def pdf_margins_mm(path: Path) -> list[dict[str, float]]:
    """Per page, the distance in mm from each paper edge to the nearest printed word."""
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    margins = []
    for page in BeautifulSoup(out, "html.parser").find_all("page"):
        width, height = float(page["width"]), float(page["height"])
        words = [{k: float(w[k]) for k in ("xmin", "ymin", "xmax", "ymax")} for w in page.find_all("word")]
        assert words, f"{path}: a page without text"
        margins.append({
            "left": min(w["xmin"] for w in words) * MM_PER_PT,
            "right": (width - max(w["xmax"] for w in words)) * MM_PER_PT,
            "top": min(w["ymin"] for w in words) * MM_PER_PT,
            "bottom": (height - max(w["ymax"] for w in words)) * MM_PER_PT,
        })
    return margins


def assert_paper(path: Path, paper: str) -> None:
    """The PDF's pages are `paper` ("Letter" or "A4"), to within 2 points (Chromium rounds)."""
    width, _, height = pdf_info(path)["Page size"].split()[:3]
    expected = PAPER_POINTS[paper]
    assert abs(float(width) - expected[0]) <= 2 and abs(float(height) - expected[1]) <= 2, (
        f"{path.name} is {width} x {height} pt, not {paper}")


def page_with(path: Path, needle: str) -> int:
    for number in range(1, pdf_pages(path) + 1):
        if needle in pdf_text(path, number):
            return number
    raise AssertionError(f"{needle!r} is not in {path}")


def assert_fits_and_keeps_groups_whole(path: Path, condition, _=str) -> None:
    """At most two pages, words at least 12 mm from every edge, and the medicines table, the
    questions and the emergency box each on a single page."""
    pages = pdf_pages(path)
    assert pages <= 2, f"{path.name} has {pages} pages; the sheet must fit on 2"
    for number, margin in enumerate(pdf_margins_mm(path), start=1):
        narrow = {edge: round(mm, 1) for edge, mm in margin.items() if mm < MIN_MARGIN_MM}
        assert not narrow, f"{path.name} page {number}: text closer than {MIN_MARGIN_MM} mm to the edge: {narrow}"
    appointment = condition.section("appointment")
    emergency = condition.section("when-to-get-help").card("emergency")
    groups = {
        "medicines table": [_("My medicines"), _("Name of medicine"), _("How often")],
        "questions": [_("Questions I want to ask"), *(q.source for q in appointment.list("questions").items),
                      _("What questions do I have?")],
        "emergency box": [emergency.heading, *(item.source for item in emergency.items)],
    }
    for name, needles in groups.items():
        where = {needle: page_with(path, needle) for needle in needles}
        assert len(set(where.values())) == 1, f"{path.name}: the {name} is split across pages: {where}"


# ------------------------------------------------------------------ the page (static HTML)


def test_sheet_holds_every_list_from_the_content_as_labelled_checkboxes(built_site, condition, sheet):
    soup = soup_of(built_site / sheet.strip("/") / "index.html")
    labels = {label["for"]: label.get_text(" ", strip=True) for label in soup.find_all("label", attrs={"for": True})}
    boxes = [labels.get(box.get("id"), "") for box in soup.select('input[type="checkbox"]')]
    expected = [
        *condition.section("appointment").list("bring").items,
        *condition.section("symptoms").all_items,
        *condition.section("risk-factors").all_items,
        *condition.section("appointment").list("questions").items,
    ]
    assert boxes == [item.source for item in expected]
    emergency = soup.select_one(".care-card--emergency")
    assert emergency is not None, "the sheet has no emergency box"
    assert [li.get_text(" ", strip=True) for li in emergency.find_all("li")] == [
        item.source for item in condition.section("when-to-get-help").card("emergency").items]


def test_sheet_names_its_source_page_and_review_date(built_site, condition, sheet, edition):
    library, _ = load(Project.at(REPO))
    source = soup_of(built_site / sheet.strip("/") / "index.html").select_one(".sheet__source")
    if library.site.public_url:
        url = library.site.public_url + edition.prefix + condition.url
        assert source.find("a", href=url) and url in source.get_text()
    else:       # a placeholder address (the bundled example.org) is never printed: the page is named
        assert not source.find("a") and condition.title in source.get_text()
    assert source.find("time", datetime=condition.last_reviewed.isoformat())


def test_sheet_has_no_inline_script_and_nothing_to_submit(built_site, sheet):
    soup = soup_of(built_site / sheet.strip("/") / "index.html")
    inline = [s for s in soup.find_all("script") if not s.get("src") and s.get("type") != "application/ld+json"]
    assert not inline, f"inline script breaks a strict Content-Security-Policy: {inline}"
    assert not soup.find("form"), "a <form> could send what the patient typed"
    assert not soup.find(attrs={"onclick": True})


def test_sheet_and_condition_page_link_both_pdfs(built_site, edition):
    for page in (f"{edition.prefix}{SLUG}/index.html", f"{edition.prefix}{SLUG}/appointment-prep/index.html"):
        html = built_site / page
        links = [a["href"] for a in soup_of(html).select('a[href$=".pdf"]')]
        assert len(links) == len(pdf.PAPERS), f"{page} links {links}"
        for href in links:
            assert (html.parent / href).is_file(), f"{page} links {href}, which was not built"


# ------------------------------------------------------------------ in the browser


@browser_test
def test_filled_in_sheet_has_no_axe_violations_in_light_and_dark(browser, site_server, sheet):
    for scheme in ("light", "dark"):
        with open_page(browser, site_server + sheet, color_scheme=scheme) as page:
            page.check("#symptom-1")
            page.fill("#my-name", "Maria Example")
            page.fill("#my-question-1", "Will it leave a scar?")
            violations = run_axe(page)
        assert not violations, f"axe ({scheme}):\n{format_violations(violations)}"


# Every control, tagged with its position so the test can find it again; keyed by id (or tag).
_CONTROLS = """() => [...document.querySelectorAll('input, textarea, select, button')].map((el, i) => {
    el.dataset.probe = i;
    return el.id || el.outerHTML;
})"""


@browser_test
def test_every_form_control_has_an_accessible_name(browser, site_server, condition, sheet, _):
    """Names as Chromium computes them for assistive technology (its accessibility tree)."""
    with open_page(browser, site_server + sheet) as page:
        ids = page.evaluate(_CONTROLS)
        cdp = page.context.new_cdp_session(page)
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        names = {}
        for index, key in enumerate(ids):
            node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": f'[data-probe="{index}"]'})["nodeId"]
            ax = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})["nodes"][0]
            names[key] = (ax.get("name") or {}).get("value", "")
    assert len(ids) > 40, f"expected the sheet's many controls, found {len(ids)}"
    unnamed = [i for i, name in names.items() if not name.strip()]
    assert not unnamed, f"controls without an accessible name: {unnamed}"
    # Names say what to write, row and column included, and the since-fields name their symptom.
    first_symptom = condition.section("symptoms").all_items[0].source
    assert names["symptom-1"] == first_symptom
    assert names["symptom-1-since"] == f"{_('Since when?')} ({first_symptom})"
    assert names["medicine-2-3"] == f"{_('Medicine')} 2 {_('How often')}"
    assert names["my-question-1"] == f"{_('My question')} 1"


@browser_test
def test_print_button_comes_from_the_external_script_and_prints(browser, site_server, sheet, _):
    with open_page(browser, site_server + sheet, java_script_enabled=False) as page:
        assert page.get_by_role("button", name=_("Print this sheet")).count() == 0
    context = browser.new_context()
    try:
        context.add_init_script("window.__printed = 0; window.print = () => { window.__printed += 1; };")
        page = context.new_page()
        page.goto(site_server + sheet)
        button = page.get_by_role("button", name=_("Print this sheet"))
        button.click()
        assert page.evaluate("window.__printed") == 1
    finally:
        context.close()


TYPED = {"#my-name": "Maria Example", "#symptom-2-since": "since March", "#medicine-1-1": "Warfarin",
         "#medicine-1-2": "5 mg", "#my-question-1": "Can I still go to my dialysis unit?"}


@browser_test
def test_typed_answers_stay_in_print_and_appear_in_the_printed_pdf(browser, site_server, tmp_path, sheet):
    with open_page(browser, site_server + sheet) as page:
        for selector, value in TYPED.items():
            page.fill(selector, value)
        page.check("#risk-1")
        page.emulate_media(media="print")
        for selector, value in TYPED.items():
            assert page.input_value(selector) == value
            assert page.locator(selector).is_visible(), f"{selector} is hidden in print"
        assert page.is_checked("#risk-1")
        page.pdf(path=str(tmp_path / "typed.pdf"), format="A4")
    text = pdf_text(tmp_path / "typed.pdf")
    for value in TYPED.values():
        assert value in text, f"{value!r} is not in the printed PDF"


@browser_test
def test_typing_and_pressing_enter_sends_nothing(browser, site_server, sheet):
    with open_page(browser, site_server + sheet) as page:
        page.wait_for_load_state("networkidle")
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        page.fill("#my-name", "Maria Example")
        page.press("#my-name", "Enter")
        page.fill("#medicine-1-1", "Warfarin")
        page.press("#medicine-1-1", "Enter")
        page.wait_for_timeout(300)
        assert page.url == site_server + sheet
    assert not requests, f"typing on the sheet made requests: {requests}"


_PRINTED_TEXT = """() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const el = walker.currentNode.parentElement;
        const text = walker.currentNode.textContent.trim();
        const box = el.getBoundingClientRect();
        if (!text || box.width < 2 || box.height < 2 || !el.checkVisibility()) continue;
        const cs = getComputedStyle(el);
        out.push({text: text.slice(0, 40), size: parseFloat(cs.fontSize), color: cs.color});
    }
    return out;
}"""


@browser_test
def test_printed_text_is_black_and_at_least_11pt(browser, site_server, sheet):
    with open_page(browser, site_server + sheet) as page:
        page.emulate_media(media="print")
        texts = page.evaluate(_PRINTED_TEXT)
    assert len(texts) > 40
    small = [t for t in texts if t["size"] < 11 * 96 / 72 - 0.01]
    grey = [t for t in texts if t["color"] != "rgb(0, 0, 0)"]
    assert not small, f"text smaller than 11 pt in print: {small[:5]}"
    assert not grey, f"text that is not black in print: {grey[:5]}"


@browser_test
@pytest.mark.parametrize("paper", ["Letter", "A4"])
def test_chromium_prints_the_sheet_on_at_most_two_pages(browser, site_server, tmp_path, paper, condition, sheet, _):
    with open_page(browser, site_server + sheet) as page:
        page.emulate_media(media="print")
        page.evaluate("async () => { await document.fonts.ready; }")
        page.pdf(path=str(tmp_path / "sheet.pdf"), format=paper)
    assert_paper(tmp_path / "sheet.pdf", paper)
    assert_fits_and_keeps_groups_whole(tmp_path / "sheet.pdf", condition, _)


# ------------------------------------------------------------------ the PDFs


@pytest.mark.parametrize("paper", pdf.PAPERS, ids=[p.id for p in pdf.PAPERS])
def test_built_pdfs_open_fit_two_pages_and_hold_the_content(built_site, paper, condition, edition, _):
    path = built_site / edition.prefix / condition.prep_url / paper.filename(SLUG)
    assert_paper(path, CHROMIUM_FORMAT[paper.id])
    info = pdf_info(path)
    assert "CreationDate" not in info and "ModDate" not in info, "a date would make every build differ"
    assert_fits_and_keeps_groups_whole(path, condition, _)
    # A symptom that wraps has its "Since when?" field's label beside its first line.
    text = " ".join(pdf_text(path).replace(_("Since when?"), " ").split())
    for item in condition.section("symptoms").all_items:
        assert item.source in text


def _project(root: Path) -> pipeline.Project:
    """The repository's sources with the build-owned cache under `root`."""
    repo = pipeline.Project.at(REPO)
    return pipeline.Project(root, repo.content, repo.templates, repo.static, repo.site_file)


def test_pdfs_are_byte_identical_across_builds_and_reused_from_the_cache(tmp_path, monkeypatch):
    first = pipeline.build(_project(tmp_path / "a"), tmp_path / "a" / "site")
    second = pipeline.build(_project(tmp_path / "b"), tmp_path / "b" / "site")   # its own, empty cache
    pdfs = sorted(p.relative_to(tmp_path / "a" / "site") for p in (tmp_path / "a" / "site").rglob("*.pdf"))
    sheets = list((tmp_path / "a" / "site").rglob("appointment-prep/index.html"))    # every language's
    assert len(sheets) > len(first.library.conditions)
    assert len(pdfs) == len(sheets) * len(pdf.PAPERS) == len(list((tmp_path / "b" / ".cache" / "pdf").glob("*.pdf")))
    for rel in pdfs:
        assert (tmp_path / "a" / "site" / rel).read_bytes() == (tmp_path / "b" / "site" / rel).read_bytes(), rel
    assert not first.notes and not second.notes

    def no_rendering(*args, **kwargs):
        raise AssertionError("a PDF was rendered again although it is in the cache")

    monkeypatch.setattr(pdf.Printer, "pdf", no_rendering)
    pipeline.build(_project(tmp_path / "b"), tmp_path / "b" / "site")
    for rel in pdfs:
        assert (tmp_path / "a" / "site" / rel).read_bytes() == (tmp_path / "b" / "site" / rel).read_bytes(), rel


def test_pdf_of_a_page_that_needs_a_missing_file_is_a_build_error_naming_the_page():
    page = "x/appointment-prep/index.html"
    html = b'<!DOCTYPE html><html lang="en"><title>x</title><link rel="stylesheet" href="../../assets/gone.css"><p>x'
    with pytest.raises(BuildError) as caught:
        pdf.Printer({page: html}, "https://example.org/").pdf(page, pdf.PAPERS[0])
    [problem] = caught.value.problems
    assert problem.path == page and "assets/gone.css" in problem.message


def _build(*args: str, python_prelude: str = "") -> subprocess.CompletedProcess:
    code = f"{python_prelude}\nfrom healthlib.cli import main\nraise SystemExit(main({list(args)!r}))"
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300)


def test_added_symptom_becomes_a_labelled_checkbox_on_the_sheet_and_in_its_pdf(tmp_path):
    content = copy_content(tmp_path)
    symptom = "Itching around the painful patches"
    replace_in(content / SLUG / "symptoms.md", "      - Wounds with thick, hard edges\n",
               f"      - Wounds with thick, hard edges\n      - {symptom}\n")
    out = tmp_path / "site"
    proc = _build("build", "--content", str(content), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    soup = soup_of(out / SLUG / "appointment-prep" / "index.html")
    label = soup.find("label", string=symptom)
    assert label is not None, f"no label {symptom!r} on the sheet"
    box = soup.find(id=label["for"])
    assert box.name == "input" and box["type"] == "checkbox"
    assert soup.find("label", attrs={"for": label["for"] + "-since"}), "the new symptom has no 'since when?' field"
    assert symptom in pdf_text(out / SLUG / "appointment-prep" / pdf.PAPERS[0].filename(SLUG))


def test_build_without_weasyprint_succeeds_says_so_once_and_links_no_pdf(tmp_path):
    # `None` in sys.modules makes `import weasyprint` raise ImportError, as if it were not installed.
    out = tmp_path / "site"
    proc = _build("build", "--out", str(out), python_prelude="import sys; sys.modules['weasyprint'] = None")
    assert proc.returncode == 0, proc.stderr
    said = [line for line in (proc.stdout + proc.stderr).splitlines() if "PDF" in line]
    assert len(said) == 1 and said[0].startswith("PDFs skipped: WeasyPrint is not available"), said
    assert not list(out.rglob("*.pdf"))
    for page in out.rglob("*.html"):
        assert not soup_of(page).select('a[href$=".pdf"]'), f"{page} links a PDF that was not made"


def test_no_pdf_option_makes_no_pdfs_and_links_none(tmp_path):
    out = tmp_path / "site"
    proc = _build("build", "--no-pdf", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "PDF" not in proc.stdout + proc.stderr
    assert (out / SLUG / "appointment-prep" / "index.html").is_file()
    assert not list(out.rglob("*.pdf"))
    assert not soup_of(out / SLUG / "index.html").select('a[href$=".pdf"]')
