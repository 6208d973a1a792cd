"""Content digests: the one way the build turns inputs into a key."""
from __future__ import annotations

import hashlib
from pathlib import Path


def digest(*parts: bytes | str) -> str:
    """sha256 of the parts, each length-prefixed so that ('ab', 'c') != ('a', 'bc')."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def tree_digest(*folders: Path) -> str:
    """Digest of the names and bytes of every file under the folders (templates, static)."""
    parts: list[bytes | str] = []
    for folder in folders:
        parts.append(str(folder))
        if folder.is_dir():
            for file in sorted(p for p in folder.rglob("*") if p.is_file()):
                parts += [file.relative_to(folder).as_posix(), file.read_bytes()]
    return digest(*parts)
