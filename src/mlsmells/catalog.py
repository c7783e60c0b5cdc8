"""The catalog of originating challenges (`rules/*.toml` in the repository).

It ships inside the package as `mlsmells._challenges` and is read with importlib.resources,
so an installed wheel can explain every rule's links without the source tree.
"""

from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_PACKAGE = "mlsmells._challenges"
_DOCUMENT_FIELDS = ("prefix", "title", "authors", "citation", "source")
_CHALLENGE_FIELDS = ("id", "section", "name", "summary", "detectable")
_CONFIDENCES = ("high", "medium", "low")


class CatalogError(Exception):
    """The catalog data is malformed; the message names the file and entry."""


@dataclass(frozen=True)
class Document:
    file: str
    prefix: str
    title: str
    authors: tuple[str, ...]
    citation: str
    source: str


@dataclass(frozen=True)
class Challenge:
    id: str
    document: Document
    section: str
    name: str
    summary: str
    detectable: bool
    lines: str = ""
    confidence: str = ""
    family: str = ""
    why_not: str = ""


@functools.cache
def load_catalog() -> dict[str, Challenge]:
    """Every challenge of every catalog file, by id. Raises `CatalogError` if malformed."""
    challenges: dict[str, Challenge] = {}
    for entry in sorted(resources.files(_PACKAGE).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        try:
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise CatalogError(f"{entry.name}: invalid TOML: {error}") from None
        for challenge in _parse_file(entry.name, data):
            if challenge.id in challenges:
                raise CatalogError(f"{entry.name}: duplicate challenge id {challenge.id}")
            challenges[challenge.id] = challenge
    return challenges


def _parse_file(file: str, data: dict) -> list[Challenge]:
    raw_document = data.get("document")
    if not isinstance(raw_document, dict):
        raise CatalogError(f"{file}: missing [document] table")
    for key in _DOCUMENT_FIELDS:
        if not raw_document.get(key):
            raise CatalogError(f"{file}: [document] lacks {key!r}")
    document = Document(
        file=file,
        prefix=raw_document["prefix"],
        title=raw_document["title"],
        authors=tuple(raw_document["authors"]),
        citation=raw_document["citation"],
        source=raw_document["source"],
    )
    parsed = []
    for index, raw in enumerate(data.get("challenges", [])):
        where = f"{file}: challenge {raw.get('id', f'#{index + 1}')}"
        for key in _CHALLENGE_FIELDS:
            if key not in raw or raw[key] in ("", None):
                raise CatalogError(f"{where}: lacks {key!r}")
        if not raw["id"].startswith(document.prefix + "-"):
            raise CatalogError(f"{where}: id does not start with {document.prefix}-")
        if raw["detectable"]:
            if raw.get("confidence") not in _CONFIDENCES or not raw.get("family"):
                raise CatalogError(f"{where}: a detectable challenge needs confidence and family")
            if not re.fullmatch(r"MLS[1-6]xx", raw["family"]):
                raise CatalogError(f"{where}: family must be a rule family such as MLS3xx")
        elif not raw.get("why-not"):
            raise CatalogError(f"{where}: an undetectable challenge needs why-not")
        parsed.append(
            Challenge(
                id=raw["id"],
                document=document,
                section=raw["section"],
                name=raw["name"],
                summary=raw["summary"],
                detectable=bool(raw["detectable"]),
                lines=raw.get("lines", ""),
                confidence=raw.get("confidence", ""),
                family=raw.get("family", ""),
                why_not=raw.get("why-not", ""),
            )
        )
    return parsed
