"""Whether the site's address (site.yaml `base_url`) is one a reader could visit: names kept for
examples and tests (RFC 2606 and 6761: example.org, *.example, *.test, localhost...) are
placeholders, never printed on a sheet and warned about before publishing."""
from __future__ import annotations

from urllib.parse import urlsplit

EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_ENDINGS = ("example", "test", "invalid", "localhost", "local")
LOOPBACK = ("127.0.0.1", "::1", "0.0.0.0")


def is_placeholder(url: str) -> bool:
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    return (host in EXAMPLE_DOMAINS or host.endswith(tuple("." + d for d in EXAMPLE_DOMAINS))
            or host.rsplit(".", 1)[-1] in RESERVED_ENDINGS or host in LOOPBACK)


def public(url: str) -> str:
    """`url` if it is a full address a reader could visit, else ""."""
    full = url.startswith(("https://", "http://"))
    return url if full and not is_placeholder(url) else ""


# What build says instead of the warning, in a demonstration library.
DEMONSTRATION_NOTE = ("Demonstration library: 'base_url' in site.yaml is {url}, a placeholder, so the printed "
                      "sheets leave the address out. Before the site is published, write its real address there.")


def overridden(problems, site_file, url: str, demonstration: bool) -> None:
    """`build --base-url URL` replaces site.yaml's address: its warning, if any, is replaced by URL's."""
    where = problems.relative(site_file)
    problems.items = [p for p in problems.items if p.is_error or p.path != where or "'base_url'" not in p.message]
    if warning := problem(url, demonstration):
        problems.warn("--base-url", None, warning)


def problem(url: str | None, demonstration: bool) -> str | None:
    """The warning for a missing or placeholder address (none in a demonstration library, which
    is not published for patients: its summary lists the address instead)."""
    fix = ("the address the site will be published at, like https://health.your-organisation.org/ "
           "(see docs/publishing.md).")
    if url is None:
        return ("there is no 'base_url': canonical links, sharing previews and sitemap.xml need the site's "
                f"address, and the printed sheets leave it out. Add 'base_url:' with {fix}")
    if is_placeholder(url) and not demonstration:
        return (f"'base_url' is {url}, a placeholder: canonical links, sharing previews and sitemap.xml would "
                f"point to a site that is not yours, and the printed sheets leave the address out. Write {fix}")
    return None
