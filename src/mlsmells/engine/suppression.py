"""`# noqa` comments: per line, and per file with `# mlsmells: noqa`.

The comments are found with a regular expression over the text of files that have
findings, so files without findings pay nothing for them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlsmells.sources import source_lines

#: `# noqa`, `# noqa: MLS101`, `# noqa: MLS101, unseeded-random` (case-insensitive).
_LINE_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[\w-]+(?:[\s,]+[\w-]+)*))?", re.IGNORECASE)
#: `# mlsmells: noqa` or `# mlsmells: noqa: MLS101` on a line of its own.
_FILE_NOQA = re.compile(
    r"^[ \t]*#\s*mlsmells:\s*noqa(?::\s*(?P<codes>[\w-]+(?:[\s,]+[\w-]+)*))?\s*$",
    re.IGNORECASE | re.MULTILINE,
)

ALL = None  # a bare noqa: every code


@dataclass(frozen=True)
class Directives:
    """The suppressions of one file. A value of `ALL` silences every rule."""

    lines: dict[int, tuple[str, ...] | None]
    file: tuple[str, ...] | None
    file_wide: bool

    @classmethod
    def parse(cls, text: str) -> Directives:
        lines: dict[int, tuple[str, ...] | None] = {}
        for line_number, line in enumerate(source_lines(text), start=1):
            if "noqa" in line.lower():
                match = _LINE_NOQA.search(line)
                if match:
                    lines[line_number] = _codes(match.group("codes"))
        file_codes: list[str] = []
        file_wide = False
        for match in _FILE_NOQA.finditer(text):
            codes = _codes(match.group("codes"))
            if codes is ALL:
                file_wide = True
            else:
                file_codes.extend(codes)
        return cls(lines, tuple(file_codes), file_wide)

    def suppresses(self, lines: tuple[int, ...], matches) -> str | None:
        """Which comment suppresses a finding on `lines` ('noqa' or 'mlsmells: noqa'), or None.

        `matches(selector)` says whether a selector written in a comment names the rule.
        """
        if self.file_wide or any(matches(code) for code in self.file or ()):
            return "mlsmells: noqa"
        for line in lines:
            if line in self.lines:
                codes = self.lines[line]
                if codes is ALL or any(matches(code) for code in codes):
                    return "noqa"
        return None


def _codes(group: str | None) -> tuple[str, ...] | None:
    if not group:
        return ALL
    return tuple(part for part in re.split(r"[\s,]+", group) if part)
