"""Precision on real code nobody working on mlsmells has read.

    python bench/precision.py prepare                 # extract the pinned repositories
    python bench/precision.py [--half evaluation]     # run mlsmells, join verdicts, report
    python bench/precision.py --unjudged 5 --rule MLS207   # findings still to judge
    python bench/precision.py --half evaluation --sample 5 > batch.csv   # a batch to judge
    python bench/precision.py measure --reuse         # write the measured precision mlsmells ships

The repositories are listed in `bench/precision/manifest.toml`, pinned by commit, and
extracted from `fetch` snapshots (bare git directories under /work/.mirror, or any
directory given with --mirrors) into `bench/precision/checkouts/`, which is never
committed. A fixed hash of each repository's name puts it in the development half or the
evaluation half: design and debug rules on the first; open the second only to judge.

Verdicts are data: `bench/precision/verdicts.csv`, one judged finding a line. A finding
matches a verdict with the same repository, path, cell and rule whose line is within
`LINE_TOLERANCE` (a rule that moves its anchor a line keeps its verdicts). Precision is
true findings over judged ones: a finding judged debatable counts against the rule.
This is a benchmark, not a test: CI needs none of the repositories.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import shutil
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

HERE = Path(__file__).resolve().parent / "precision"
MANIFEST = HERE / "manifest.toml"
VERDICTS = HERE / "verdicts.csv"
CHECKOUTS = HERE / "checkouts"
RUNS = HERE / "runs"
MIRRORS = Path("/work/.mirror")
LINE_TOLERANCE = 2
HALVES = ("development", "evaluation")
VERDICT_FIELDS = ("repository", "commit", "path", "cell", "line", "code", "verdict", "reason")
KINDS_OF_VERDICT = ("TP", "FP", "DEBATABLE")


@dataclass(frozen=True)
class Repository:
    name: str
    commit: str
    kind: str

    @property
    def half(self) -> str:
        """The half this repository belongs to, fixed by its name alone."""
        return HALVES[hashlib.sha256(self.name.encode()).digest()[0] % 2]

    @property
    def directory(self) -> Path:
        return CHECKOUTS / self.name.replace("/", "+")


def repositories() -> list[Repository]:
    with MANIFEST.open("rb") as stream:
        entries = tomllib.load(stream)["repository"]
    return [Repository(entry["name"], entry["commit"], entry["kind"]) for entry in entries]


# Preparing the checkouts


def prepare(mirrors: Path) -> None:
    """Extract each pinned commit from its snapshot, unless already extracted."""
    for repository in repositories():
        marker = repository.directory / ".mlsmells-precision-commit"
        if marker.is_file() and marker.read_text().strip() == repository.commit:
            continue
        snapshot = mirrors / repository.name.replace("/", "+") / "repo"
        git_dir = snapshot / ".git" if (snapshot / ".git").is_dir() else snapshot
        if not git_dir.is_dir():
            print(f"missing: {repository.name}: no snapshot at {snapshot} (fetch github:{repository.name})")
            continue
        shutil.rmtree(repository.directory, ignore_errors=True)
        repository.directory.mkdir(parents=True)
        absent = extract(git_dir, repository.commit, repository.directory)
        marker.write_text(repository.commit + "\n")
        note = f"; {len(absent)} file(s) not in the snapshot: {', '.join(absent[:3])}" if absent else ""
        print(f"prepared: {repository.name} ({repository.half}){note}")


def extract(git_dir: Path, commit: str, target: Path) -> list[str]:
    """Write the regular files of `commit` under `target`, file by file: a snapshot leaves
    out its largest files (data, mostly), which would make `git archive` refuse the whole
    commit. Links and submodules are skipped. Returns the paths that were not there."""
    listing = subprocess.run(["git", "--git-dir", str(git_dir), "ls-tree", "-r", "-z", commit],
                             capture_output=True, check=True).stdout.decode("utf-8", "surrogateescape")
    reader = subprocess.Popen(["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    absent = []
    try:
        for entry in filter(None, listing.split("\0")):
            header, path = entry.split("\t", 1)
            mode, kind, oid = header.split()
            if kind != "blob" or mode == "120000":
                continue
            reader.stdin.write(oid.encode() + b"\n")
            reader.stdin.flush()
            answer = reader.stdout.readline().split()
            if answer[-1] == b"missing":
                absent.append(path)
                continue
            content = reader.stdout.read(int(answer[2]) + 1)[:-1]
            destination = target / path  # git trees hold no `..` or absolute names
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(content)
    finally:
        reader.stdin.close()
        reader.wait()
    return absent


# Running mlsmells and joining verdicts


def findings_of(repository: Repository, reuse: bool, jobs: int) -> list[dict]:
    """mlsmells's findings (every rule) on one checkout; `reuse` takes the last run's."""
    saved = RUNS / f"{repository.directory.name}.json"
    if not (reuse and saved.is_file()):
        RUNS.mkdir(parents=True, exist_ok=True)
        command = [str(Path(sys.executable).with_name("mlsmells")), "check", "--isolated", "--no-cache", "--select", "MLS",
                   "--exit-zero", "--quiet", "--jobs", str(jobs), "--output-format", "json", "--output-file", str(saved), "."]
        subprocess.run(command, cwd=repository.directory, check=True)
    return [finding for finding in json.loads(saved.read_text()) if finding["code"] not in ("MLS001", "MLS002")]


def read_verdicts() -> dict[tuple[str, str, str, str], list[dict]]:
    """Verdicts by (repository, path, cell, code)."""
    verdicts: dict[tuple[str, str, str, str], list[dict]] = defaultdict(list)
    if not VERDICTS.is_file():
        return verdicts
    with VERDICTS.open(newline="", encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            if row["verdict"] not in KINDS_OF_VERDICT:
                raise SystemExit(f"{VERDICTS}: {row}: verdict must be one of {', '.join(KINDS_OF_VERDICT)}")
            verdicts[(row["repository"], row["path"], row["cell"], row["code"])].append(row)
    return verdicts


def join(repository: Repository, findings: list[dict], verdicts) -> list[tuple[dict, str | None]]:
    """Each finding with its verdict (None if unjudged); a verdict matches one finding."""
    used: set[int] = set()
    joined = []
    for finding in findings:
        key = (repository.name, finding["path"], str(finding["cell"] or ""), finding["code"])
        candidates = [row for row in verdicts.get(key, ()) if id(row) not in used
                      and abs(int(row["line"]) - finding["line"]) <= LINE_TOLERANCE]
        best = min(candidates, key=lambda row: abs(int(row["line"]) - finding["line"]), default=None)
        if best is not None:
            used.add(id(best))
        joined.append((finding, best["verdict"] if best else None))
    return joined


def rule_table() -> dict[str, dict]:
    listing = subprocess.run([str(Path(sys.executable).with_name("mlsmells")), "rules", "--output-format", "json"],
                             capture_output=True, text=True, check=True).stdout
    return {rule["code"]: rule for rule in json.loads(listing)}


def sample(waiting: dict[str, list[tuple[Repository, dict]]], size: int, seed: int) -> None:
    """Up to `size` unjudged findings per rule, at random but spread over repositories, as
    verdict lines to fill in (verdict and reason empty)."""
    writer = csv.writer(sys.stdout)
    writer.writerow((*VERDICT_FIELDS, "message"))
    chooser = random.Random(seed)
    for code, items in sorted(waiting.items()):
        by_repository: dict[str, list[tuple[Repository, dict]]] = defaultdict(list)
        for item in items:
            by_repository[item[0].name].append(item)
        queues = list(by_repository.values())
        for queue in queues:
            chooser.shuffle(queue)
        chooser.shuffle(queues)
        chosen = []
        while len(chosen) < size and any(queues):
            chosen += [queue.pop() for queue in queues if queue][: size - len(chosen)]
        for repository, finding in chosen:
            writer.writerow((repository.name, repository.commit, finding["path"], finding["cell"] or "", finding["line"],
                             code, "", "", finding["message"]))


def markdown(counts: dict[tuple[str, str], dict[str, int]], rules: dict[str, dict]) -> None:
    """One row per rule: findings in each half, and the verdicts and precision of each."""
    print("| rule | name | default | findings (dev / eval) | judged eval: TP / FP / ? | precision eval | "
          "judged dev: TP / FP / ? | precision dev |")
    print("|---|---|---|---|---|---|---|---|")
    for code in sorted({code for code, _ in counts}):
        development, evaluation = (counts.get((code, which), {}) for which in HALVES)
        cells = []
        for tally in (evaluation, development):
            judged = sum(tally.get(kind, 0) for kind in KINDS_OF_VERDICT)
            cells.append(" / ".join(str(tally.get(kind, 0)) for kind in KINDS_OF_VERDICT) if judged else "")
            cells.append(f"{tally.get('TP', 0) / judged:.0%} of {judged}" if judged else "")
        print(f"| {code} | `{rules[code]['name']}` | {'yes' if rules[code]['default'] else 'advice'} | "
              f"{development.get('findings', 0)} / {evaluation.get('findings', 0)} | {' | '.join(cells)} |")


def count(half: str | None, rule: str | None, reuse: bool, jobs: int):
    """Findings and verdicts per (rule, half), and the unjudged findings per rule."""
    verdicts = read_verdicts()
    counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    waiting: dict[str, list[tuple[Repository, dict]]] = defaultdict(list)
    for repository in repositories():
        if (half and repository.half != half) or not repository.directory.is_dir():
            continue
        for finding, verdict in join(repository, findings_of(repository, reuse, jobs), verdicts):
            if rule and finding["code"] != rule:
                continue
            tally = counts[(finding["code"], repository.half)]
            tally["findings"] += 1
            tally[verdict or "unjudged"] += 1
            if verdict is None:
                waiting[finding["code"]].append((repository, finding))
    return counts, waiting


def measure(reuse: bool, jobs: int) -> None:
    """Write each rule's evaluation-half precision into mlsmells's `measured_precision.toml`,
    which its documentation, README table and SARIF `precision` property read."""
    from mlsmells.measurements import Measurement, render

    counts, _ = count("evaluation", None, reuse, jobs)
    measured = {}
    for (code, _), tally in counts.items():
        judged = sum(tally.get(kind, 0) for kind in KINDS_OF_VERDICT)
        if judged:
            measured[code] = Measurement(tally.get("TP", 0), judged)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=HERE).stdout.strip()
    target = Path(__file__).resolve().parents[1] / "src" / "mlsmells" / "measured_precision.toml"
    target.write_text(render(measured, f"mlsmells at {commit or 'an unknown commit'}"), encoding="utf-8")
    print(f"wrote {target} ({len(measured)} rules measured); run `mlsmells docs` to refresh the pages")


def report(half: str | None, rule: str | None, unjudged: int, reuse: bool, jobs: int,
           sample_size: int = 0, seed: int = 0, as_markdown: bool = False) -> None:
    rules = rule_table()
    counts, waiting = count(half, rule, reuse, jobs)
    if sample_size:
        sample({code: items for code, items in waiting.items() if rules[code]["default"]}, sample_size, seed)
        return
    if as_markdown:
        markdown(counts, rules)
        return
    print(f"{'rule':<8} {'name':<32} {'default':<7} {'half':<11} {'findings':>8} {'judged':>6} {'TP':>4} {'FP':>4} "
          f"{'?':>4} {'precision':>9}")
    for (code, which), tally in sorted(counts.items()):
        judged = tally["TP"] + tally["FP"] + tally["DEBATABLE"]
        precision = f"{tally['TP'] / judged:.0%}" if judged else "-"
        print(f"{code:<8} {rules[code]['name']:<32} {'yes' if rules[code]['default'] else 'advice':<7} {which:<11} "
              f"{tally['findings']:>8} {judged:>6} {tally['TP']:>4} {tally['FP']:>4} {tally['DEBATABLE']:>4} {precision:>9}")
    for code, items in sorted(waiting.items()):
        for repository, finding in items[:unjudged]:
            cell = f"cell {finding['cell']}:" if finding["cell"] else ""
            print(f"unjudged {repository.name} {repository.commit[:10]} {finding['path']}:{cell}{finding['line']} "
                  f"{code} {finding['message'][:120]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", nargs="?", choices=["prepare", "report", "measure"], default="report")
    parser.add_argument("--half", choices=HALVES, help="only this half's repositories")
    parser.add_argument("--rule", help="only this rule's findings (a code)")
    parser.add_argument("--unjudged", type=int, default=0, metavar="N", help="list up to N unjudged findings per rule")
    parser.add_argument("--sample", type=int, default=0, metavar="N",
                        help="print, as verdict lines to fill in, up to N unjudged findings of each default rule")
    parser.add_argument("--seed", type=int, default=0, help="the random seed of --sample")
    parser.add_argument("--reuse", action="store_true", help="reuse the last run's findings instead of running mlsmells")
    parser.add_argument("--markdown", action="store_true", help="print the per-rule table in Markdown, both halves")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--mirrors", type=Path, default=MIRRORS, help="where the fetch snapshots are")
    arguments = parser.parse_args()
    if arguments.action == "prepare":
        prepare(arguments.mirrors)
    elif arguments.action == "measure":
        measure(arguments.reuse, arguments.jobs)
    else:
        report(arguments.half, arguments.rule, arguments.unjudged, arguments.reuse, arguments.jobs,
               arguments.sample, arguments.seed, arguments.markdown)


if __name__ == "__main__":
    main()
