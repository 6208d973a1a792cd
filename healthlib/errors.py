"""Problems are values with a location, collected and reported together."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int | None
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        prefix = "warning: " if self.severity == WARNING else ""
        return f"{where}: {prefix}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


class Problems:
    """Collects problems; paths are shown relative to a base folder so messages stay short."""

    def __init__(self, base: Path | None = None):
        self.base = base
        self.items: list[Problem] = []

    def relative(self, path: Path | str) -> str:
        p = Path(path)
        if self.base is not None:
            try:
                return p.resolve().relative_to(self.base.resolve()).as_posix()
            except ValueError:
                pass
        return p.as_posix()

    def error(self, path: Path | str, line: int | None, message: str) -> None:
        self.items.append(Problem(self.relative(path), line, message, ERROR))

    def warn(self, path: Path | str, line: int | None, message: str) -> None:
        self.items.append(Problem(self.relative(path), line, message, WARNING))

    def extend(self, problems) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.is_error]

    def sorted(self) -> list[Problem]:
        return ordered(self.items)


def ordered(problems) -> list[Problem]:
    """Problems once each, by file, line and message: the order every report uses."""
    return sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.message))


class BuildError(Exception):
    """Raised by a pipeline stage when content or templates cannot be built."""

    def __init__(self, problems: list[Problem]):
        self.problems = ordered(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
