"""The security headers the site is served with: a `_headers` file for static hosts that read
one (Netlify, Cloudflare Pages), and the part of the policy a page can carry itself in a
`<meta http-equiv>` (for hosts that set no headers, and pages opened from disk).

The pages need no inline script or style and load nothing from other sites, so the policy
allows only the site's own files. Nothing is ever submitted: the appointment sheet is filled
in and printed, so forms may send nowhere. See docs/safety.md.
"""
from __future__ import annotations

POLICY = ("default-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'")
# Browsers ignore this one in a <meta> policy (and say so in the console): header only.
HEADER_ONLY_POLICY = ("frame-ancestors 'none'",)
META_POLICY = "; ".join(POLICY)
# Where search runs (the search page, and Pagefind's files, whose worker runs the index's
# WebAssembly): the same policy, plus compiling our own WebAssembly. Nowhere else. Each language
# has its search page in its folder (/es/search/*).
SEARCH_PATHS = ("/search/*", "/pagefind/*")
SEARCH_POLICY = POLICY + ("script-src 'self' 'wasm-unsafe-eval'",)
SEARCH_META_POLICY = "; ".join(SEARCH_POLICY)

HEADERS = (
    ("Content-Security-Policy", "; ".join(POLICY + HEADER_ONLY_POLICY)),
    ("X-Content-Type-Options", "nosniff"),
    # A page's address names a condition: other sites are not told which one a reader was on.
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
                           "microphone=(), payment=(), usb=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
# Asset names carry a hash of their content (render.py), so they never change: cache for a year.
ASSET_HEADERS = (("Cache-Control", "public, max-age=31536000, immutable"),)


def headers_file(assets_folder: str = "assets", languages: tuple[str, ...] = ()) -> bytes:
    """`_headers` in the Netlify / Cloudflare Pages format: a path pattern, then indented headers.
    A path that matches two rules gets the headers of both, so the search paths first detach the
    strict policy ('! Name', Cloudflare Pages' syntax): two policies would both be enforced.
    `languages`: the language folders' prefixes ("es/"), whose search pages get the search policy."""
    search = (("!", "Content-Security-Policy"),
              ("Content-Security-Policy", "; ".join(SEARCH_POLICY + HEADER_ONLY_POLICY)))
    paths = (*SEARCH_PATHS, *(f"/{prefix}search/*" for prefix in languages))
    blocks = [("/*", HEADERS), (f"/{assets_folder}/*", ASSET_HEADERS), *((path, search) for path in paths)]
    return "\n".join("\n".join([path, *(_line(name, value) for name, value in headers)]) + "\n"
                     for path, headers in blocks).encode()


def _line(name: str, value: str) -> str:
    return f"  ! {value}" if name == "!" else f"  {name}: {value}"
