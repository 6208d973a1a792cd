"""What search engines and sharing previews read: sitemap.xml, robots.txt and JSON-LD.

Everything is generated from the content model; nothing here is condition-specific.
Page links stay relative (the site works from any sub-path); `site.base_url` only makes the
absolute addresses that must be absolute: canonical links, sharing tags and the sitemap.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import re

from markupsafe import Markup

from ..content.model import Condition, Library, Site

SCHEMA_ORG = "https://schema.org"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"

# What a list's items are (its `type:`, model.ITEM_TYPES, defaulting from its section) -> the
# schema.org MedicalCondition property they describe and the type of each item (None: the
# property takes plain text). Items of type "text" are in no property.
CONDITION_PROPERTIES: tuple[tuple[str, str, str | None], ...] = (
    ("symptom", "signOrSymptom", "MedicalSignOrSymptom"),
    ("cause", "cause", "MedicalCause"),
    ("risk-factor", "riskFactor", "MedicalRiskFactor"),
    ("complication", "possibleComplication", None),
    ("test", "typicalTest", "MedicalTest"),
    ("therapy", "possibleTreatment", "MedicalTherapy"),
)


def clean_url(out_path: str) -> str:
    """The published, site-relative URL of an output file: 'a/index.html' -> 'a/'."""
    return out_path[: -len("index.html")] if out_path.endswith("index.html") else out_path


def absolute(site: Site, out_path: str) -> str:
    return site.base_url + clean_url(out_path)


# ------------------------------------------------------------------ sitemap and robots


def lastmods(library: Library, others: tuple[tuple[str, Library], ...] = ()):
    """out_path -> its last change: a condition's pages change when it is reviewed or changed
    (Condition.modified); library pages when any condition is. `others`: the other languages'
    (prefix, Library), whose pages are under their folder. (A condition's pages are under its
    own 'slug/': a dict finds it, so a sitemap of N pages takes N steps, not N x conditions.)"""
    languages = (("", library), *others)
    by_url = {prefix + c.url: c.modified for prefix, lib in languages for c in lib.conditions}
    newest = {prefix: max((c.modified for c in lib.conditions), default=None) for prefix, lib in languages}
    prefixes = tuple(prefix for prefix, _ in others)

    def lastmod(out_path: str) -> dt.date | None:
        prefix = next((p for p in prefixes if out_path.startswith(p)), "")
        folder, slash, _ = out_path[len(prefix):].partition("/")
        return by_url.get(prefix + folder + "/", newest[prefix]) if slash else newest[prefix]
    return lastmod


def sitemap(site: Site, html_paths: list[str], lastmod, versions=None) -> bytes:
    """`lastmod`: lastmods(); `versions`: the library's languages (alternates.Versions), for each
    page's `xhtml:link` alternates."""
    from .alternates import sitemap_links
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<urlset xmlns="{SITEMAP_NS}"' + (f' xmlns:xhtml="{XHTML_NS}">' if versions and len(versions.languages) > 1 else ">")]
    for path in sorted(html_paths, key=clean_url):
        modified = lastmod(path)
        stamp = f"<lastmod>{modified.isoformat()}</lastmod>" if modified else ""
        links = sitemap_links(versions, path, lambda p: absolute(site, p)) if versions else []
        alternates = "".join(f'<xhtml:link rel="alternate" hreflang="{code}" href="{html.escape(url)}"/>'
                             for code, url in links)
        lines.append(f"<url><loc>{html.escape(absolute(site, path), quote=False)}</loc>{stamp}{alternates}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots_txt(site: Site) -> bytes:
    # Crawlers read robots.txt only at the root of a host; on a sub-path the Sitemap line
    # still documents where the sitemap is (see docs/publishing.md).
    return f"User-agent: *\nAllow: /\n\nSitemap: {site.base_url}sitemap.xml\n".encode("utf-8")


# ------------------------------------------------------------------ JSON-LD


def _named(type_: str, name: str, **more) -> dict:
    return {"@type": type_, "name": name, **more}


def medical_condition(condition: Condition) -> dict:
    """schema.org MedicalCondition: the condition's names and its sections' list items."""
    data: dict = _named("MedicalCondition", condition.title, description=condition.summary)
    if condition.other_names:
        data["alternateName"] = list(condition.other_names)
    lists = [lst for section in condition.sections for lst in section.lists]
    for kind, prop, item_type in CONDITION_PROPERTIES:
        names = [item.plain for lst in lists if lst.type == kind for item in lst.items]
        if names:
            data[prop] = [name if item_type is None else _named(item_type, name) for name in names]
    return data


def medical_web_page(site: Site, condition: Condition, out_path: str) -> dict:
    data: dict = {
        "@context": SCHEMA_ORG,
        "@type": "MedicalWebPage",
        "@id": absolute(site, out_path),
        "url": absolute(site, out_path),
        "name": condition.title,
        "description": condition.summary,
        "inLanguage": site.language,
        "lastReviewed": condition.last_reviewed.isoformat(),
        "dateModified": condition.modified.isoformat(),
        "medicalAudience": {"@type": "Patient"},
        "isPartOf": _named("WebSite", site.name, url=site.base_url),
        "about": medical_condition(condition),
        "citation": [_named("WebPage", s.title, url=s.url, publisher=_named("Organization", s.publisher))
                     for s in condition.sources],
    }
    if condition.sign_off:
        data["reviewedBy"] = _named("Person", condition.sign_off.name, jobTitle=condition.sign_off.role)
    if site.organisation:
        data["publisher"] = _named("Organization", site.organisation)
    return data


def faq_page(site: Site, condition: Condition, out_path: str) -> dict | None:
    if not condition.faq:
        return None
    return {
        "@context": SCHEMA_ORG,
        "@type": "FAQPage",
        "@id": absolute(site, out_path) + "#faq",
        "url": absolute(site, out_path),
        "mainEntity": [
            _named("Question", entry.question,
                   acceptedAnswer={"@type": "Answer", "text": entry.answer.plain})
            for entry in condition.faq
        ],
    }


def condition_json_ld(site: Site, condition: Condition, out_path: str) -> list[dict]:
    """The structured-data blocks of a condition page, in page order."""
    blocks = [medical_web_page(site, condition, out_path), faq_page(site, condition, out_path)]
    return [b for b in blocks if b is not None]


_CLOSING_BRACES = re.compile(r"\}(?=\})")


def script_json(data: dict) -> Markup:
    """JSON for a <script type="application/ld+json"> element: '<', '>' and '&' escaped so text
    can never close the script, compact, and with a space between closing braces, so that no '}}'
    appears (the renderer refuses it; content holding '}}' is refused when loaded)."""
    text = _CLOSING_BRACES.sub("} ", json.dumps(data, ensure_ascii=False))
    for char in "<>&":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return Markup(text)
