"""Rule documentation, generated from each rule's own metadata and examples.

The same text is printed by `mlsmells explain` and written to `docs/rules/` by
`mlsmells docs`, so the examples users read are the ones the test suite runs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from mlsmells.catalog import Challenge, load_catalog
from mlsmells.findings import Family
from mlsmells.registry import all_rules
from mlsmells.rule import Rule, parse_example
from mlsmells.writing import write_atomically


def challenge_lines(rule: type[Rule]) -> list[str]:
    catalog = load_catalog()
    lines = []
    for challenge_id in rule.challenges:
        challenge = catalog.get(challenge_id)
        if challenge is None:
            lines.append(f"- `{challenge_id}` (not in the catalog)")
            continue
        lines.append(f"- `{challenge.id}`: {challenge.name} ({_cite(challenge)})")
    return lines


def _cite(challenge: Challenge) -> str:
    document = challenge.document
    authors = ", ".join(document.authors)
    where = f"section {challenge.section}"
    if challenge.lines:
        where += f", lines {challenge.lines}"
    return f"{authors}, *{document.title}*, {where}"


def rule_markdown(rule: type[Rule]) -> str:
    """The rule's documentation page, in the section order of CONVENTIONS.md."""
    default = "on by default" if rule.is_default() else "off by default (select it to enable)"
    parts = [
        f"# {rule.code} `{rule.name}`",
        f"Family: {rule.family.title} · Severity: {rule.severity.value} · {default}",
        f"*{rule.summary}*",
        f"Precision: {precision_text(rule)}",
        "## What it detects",
        rule.description(),
        "## Why it matters",
        rule.why,
        "Linked challenges:\n\n" + "\n".join(challenge_lines(rule)),
    ]
    if rule.bad:
        parts += ["## Example", *(_code_block(example) for example in rule.bad)]
    parts += ["## Use instead"]
    if rule.use_instead:
        parts.append(rule.use_instead)
    parts += [_code_block(example) for example in rule.good]
    parts += ["## Options", _options(rule)]
    parts += ["## Notebook behavior", rule.notebook_behavior]
    parts += ["## Known limitations", rule.limitations or "None known."]
    return "\n\n".join(part.strip() for part in parts if part.strip()) + "\n"


def rule_json(rule: type[Rule]) -> dict:
    catalog = load_catalog()
    return {
        "code": rule.code,
        "name": rule.name,
        "family": rule.family.title,
        "severity": rule.severity.value,
        "default": rule.is_default(),
        "precision": rule.precision_level(),
        "measured_precision": _measurement_json(rule),
        "summary": rule.summary,
        "what": rule.description(),
        "why": rule.why,
        "challenges": [_challenge_json(cid, catalog.get(cid)) for cid in rule.challenges],
        "bad_examples": [parse_example(example)[0] for example in rule.bad],
        "good_examples": [parse_example(example)[0] for example in rule.good],
        "use_instead": rule.use_instead,
        "options": [
            {"name": o.name, "type": o.kind, "default": o.default, "help": o.help} for o in rule.options
        ],
        "notebook_behavior": rule.notebook_behavior,
        "limitations": rule.limitations,
    }


def precision_text(rule: type[Rule]) -> str:
    """How often the rule's findings are right, and how that is known."""
    measured = rule.measured_precision()
    if measured is None:
        return f"{rule.precision_level()} (estimated: not yet measured on unseen code)"
    return (
        f"{rule.precision_level()}, measured {measured.describe()} on the evaluation half of "
        "[the precision benchmark](../../bench/precision/README.md)"
    )


def _measurement_json(rule: type[Rule]) -> dict | None:
    measured = rule.measured_precision()
    return None if measured is None else {"true": measured.true, "judged": measured.judged}


def _challenge_json(challenge_id: str, challenge: Challenge | None) -> dict:
    if challenge is None:
        return {"id": challenge_id, "name": None, "document": None, "authors": [], "section": None}
    return {
        "id": challenge_id,
        "name": challenge.name,
        "document": challenge.document.title,
        "authors": list(challenge.document.authors),
        "section": challenge.section,
    }


def _code_block(example: str) -> str:
    code, _ = parse_example(example)
    return f"```python\n{code}```"


def _options(rule: type[Rule]) -> str:
    if not rule.options:
        return "None."
    lines = [f"Set under `[tool.mlsmells.rules.{rule.name}]`:", ""]
    for option in rule.options:
        lines.append(f"- `{option.name}` ({option.kind}, default `{json.dumps(option.default)}`): {option.help}")
    return "\n".join(lines)


def generated_pages() -> dict[str, str]:
    """Every generated documentation page, by path relative to `docs/`."""
    pages = {f"rules/{rule.code}-{rule.name}.md": rule_markdown(rule) for rule in all_rules()}
    pages["rules/index.md"] = _index()
    pages["challenges.md"] = _challenges_page()
    return pages


def _challenges_page() -> str:
    """Every catalogued challenge with the rules that detect it, or why none does (yet)."""
    detected_by: dict[str, list[str]] = {}
    for rule in all_rules():
        for challenge_id in rule.challenges:
            detected_by.setdefault(challenge_id, []).append(f"[{rule.code}](rules/{rule.code}-{rule.name}.md)")
    families = {f"{family.value}xx": family.title for family in Family}
    lines = [
        "# Challenges and the rules that detect them",
        "",
        "Generated by `mlsmells docs` from the catalog in `rules/`; do not edit by hand.",
        "Every challenge of the source documents is listed: the rules linked to it, or why no rule",
        "detects it yet.",
    ]
    catalog = load_catalog()
    documents = sorted({c.document.file: c.document for c in catalog.values()}.values(), key=lambda d: d.file)
    for document in documents:
        lines += ["", f"## {document.title}", "", document.citation, "", "| id | challenge | status |", "|---|---|---|"]
        for challenge in (c for c in catalog.values() if c.document is document):
            if challenge.id in detected_by:
                status = "detected by " + ", ".join(detected_by[challenge.id])
            elif challenge.detectable:
                family = families.get(challenge.family, "")
                status = f"not yet: {challenge.family} ({family}) will take it; {challenge.confidence} confidence"
            else:
                status = f"not statically detectable: {challenge.why_not}"
            name = challenge.name.replace("|", "\\|")
            lines.append(f"| `{challenge.id}` | {name} | {status.replace('|', chr(92) + '|')} |")
    return "\n".join(lines) + "\n"


def _index() -> str:
    lines = ["# Rules", "", "Generated by `mlsmells docs`; do not edit by hand.", ""]
    for family in Family:
        rules = [rule for rule in all_rules() if rule.family is family]
        if not rules:
            continue
        lines += [f"## {family.value}xx: {family.title}", "",
                  "| code | name | severity | default | measured precision | summary |", "|---|---|---|---|---|---|"]
        for rule in rules:
            page = f"{rule.code}-{rule.name}.md"
            lines.append(
                f"| [{rule.code}]({page}) | `{rule.name}` | {rule.severity.value} | "
                f"{'on' if rule.is_default() else 'off'} | {_measured_cell(rule)} | {rule.summary} |"
            )
        lines.append("")
    return "\n".join(lines)


def _measured_cell(rule: type[Rule]) -> str:
    """`88% of 26`, or `-` for a rule none of whose findings was judged."""
    measured = rule.measured_precision()
    return "-" if measured is None else f"{measured.ratio:.0%} of {measured.judged}"


#: The README's rule table sits between these two lines; `mlsmells docs` rewrites what is between.
README_TABLE_START = "<!-- rule table: generated by `mlsmells docs` from each rule and bench/precision, do not edit -->"
README_TABLE_END = "<!-- end of the rule table -->"


def _readme_table() -> str:
    """Every rule, whether it is on by default, and its measured precision."""
    lines = ["| code | name | default | measured precision | summary |", "|---|---|---|---|---|"]
    for rule in all_rules():
        lines.append(
            f"| [{rule.code}](docs/rules/{rule.code}-{rule.name}.md) | `{rule.name}` | "
            f"{'on' if rule.is_default() else 'off'} | {_measured_cell(rule)} | {rule.summary} |"
        )
    return "\n".join(lines)


def readme_with_rule_table(text: str) -> str:
    """`text` (the README) with its rule table regenerated; unchanged without the markers."""
    start, end = text.find(README_TABLE_START), text.find(README_TABLE_END)
    if start < 0 or end < start:
        return text
    return f"{text[:start + len(README_TABLE_START)]}\n\n{_readme_table()}\n\n{text[end:]}"


def _expected(docs_dir: Path, readme: Path | None) -> dict[Path, str]:
    """Each generated file under `docs_dir` (and the README, when given) with its text."""
    expected = {docs_dir / relative: text for relative, text in generated_pages().items()}
    if readme is not None:
        try:
            expected[readme] = readme_with_rule_table(readme.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            pass
    return expected


def stale_pages(docs_dir: Path, readme: Path | None = None) -> list[str]:
    """Generated files that are missing or differ: pages under `docs_dir`, and the rule
    table of `readme` when one is given."""
    stale = []
    for path, text in _expected(docs_dir, readme).items():
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(path.name if path == readme else path.relative_to(docs_dir).as_posix())
    return stale


def write_pages(docs_dir: Path, readme: Path | None = None) -> list[str]:
    written = []
    for path, text in _expected(docs_dir, readme).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            write_atomically(path, text.encode("utf-8"))
            written.append(path.name if path == readme else path.relative_to(docs_dir).as_posix())
    return written


def source_checkout_docs() -> Path | None:
    """`docs/` of the mlsmells repository this code runs from (an editable install), or
    None when mlsmells runs from an installed wheel."""
    checkout = Path(__file__).resolve().parents[2]
    try:
        project = (checkout / "pyproject.toml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    ours = re.search(r'^name = "mlsmells"$', project, re.MULTILINE) and (checkout / "src" / "mlsmells").is_dir()
    return checkout / "docs" if ours else None
