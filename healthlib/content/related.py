"""`related:` in condition.yaml: other conditions a page points to, checked like links once
every condition folder is known (a condition's own file cannot tell whether another exists)."""
from __future__ import annotations

import difflib

from pathlib import Path

from ..errors import Problems
from .model import Listing


def check_related(conditions: list[Listing], slugs: list[str], problems: Problems, content: Path,
                  file: str) -> None:
    """An error for each entry that names no condition folder, names its own condition, or is
    written twice. `slugs`: every condition folder's name, loaded or not (a folder with errors
    of its own is reported there, not again here); `file`: where in a condition's folder
    under `content` `related:` is written."""
    known = set(slugs)
    for condition in conditions:
        path = content / condition.slug / file
        seen: set[str] = set()
        for entry in condition.related:
            if entry.slug == condition.slug:
                problems.error(path, entry.line, f"'related' lists this condition itself ('{entry.slug}'). "
                               "List other conditions only.")
            elif entry.slug in seen:
                problems.error(path, entry.line, f"'related' lists '{entry.slug}' twice. Remove one.")
            elif entry.slug not in known:
                near = difflib.get_close_matches(entry.slug, sorted(known - {condition.slug}), n=3, cutoff=0.6)
                hint = (f" Did you mean {' or '.join(repr(n) for n in near)}?" if near else
                        " Write the folder name of another condition under content/, like 'kidney-stones'.")
                problems.error(path, entry.line, f"'related' names '{entry.slug}', but there is no condition "
                               f"folder with that name.{hint}")
            seen.add(entry.slug)
