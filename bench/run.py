"""Benchmark mlsmells against the bare libcst parse of the same files.

    python bench/run.py [--corpus transformers|notebooks|all] [--jobs N]

Prepares the corpora under bench/.corpora (the transformers wheel, downloaded with pip,
and notebooks generated from its modules), then times, for each corpus: the bare
`libcst.parse_module` of every file (the baseline), and `mlsmells check` cold with one
job, cold with N jobs, warm (nothing changed), and after touching one file. It prints a
table with the ratio to the baseline and the peak resident memory of each run.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPORA = HERE / ".corpora"
WHEEL = "transformers==5.23.0"
NOTEBOOKS = 300


def prepare_transformers() -> Path:
    target = CORPORA / "transformers"
    if target.is_dir():
        return target
    download = CORPORA / "download"
    download.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", WHEEL, "-d", str(download)],
                   check=True)
    (wheel,) = download.glob("transformers-*.whl")
    zipfile.ZipFile(wheel).extractall(target)
    return target


def prepare_notebooks(source: Path) -> Path:
    """Notebooks made from real modules: consecutive top-level statements become cells of
    at least eight lines, each valid on its own, as in a tidy notebook."""
    target = CORPORA / "notebooks"
    if target.is_dir():
        return target
    target.mkdir(parents=True)
    modules = sorted(source.rglob("modeling_*.py"))[:NOTEBOOKS]
    for index, module in enumerate(modules):
        text = module.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        starts = [node.lineno - 1 for node in ast.parse(text).body]
        starts = [min([start, *(d.lineno - 1 for d in getattr(node, "decorator_list", []))])
                  for start, node in zip(starts, ast.parse(text).body)]
        cells, begin = [], 0
        for start in starts[1:] + [len(lines)]:
            if start - begin >= 8 or start == len(lines):
                cells.append(lines[begin:start])
                begin = start
        notebook = {
            "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}},
            "cells": [{"cell_type": "code", "id": f"c{n}", "metadata": {}, "outputs": [], "execution_count": n + 1,
                       "source": cell} for n, cell in enumerate(cells) if cell],
        }
        (target / f"nb{index:03}.ipynb").write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return target


BARE_PARSE = """
import json, sys, time, pathlib, libcst
files = sorted(pathlib.Path(sys.argv[1]).rglob("*.py")) + sorted(pathlib.Path(sys.argv[1]).rglob("*.ipynb"))
start = time.perf_counter()
for path in files:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".ipynb":
        text = "\\n".join("".join(c["source"]) for c in json.loads(text)["cells"] if c["cell_type"] == "code")
    try:
        libcst.parse_module(text)
    except Exception:
        pass
print(time.perf_counter() - start, len(files))
"""


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB) of a command, measured by GNU time."""
    report = CORPORA / "time.txt"
    start = time.perf_counter()
    subprocess.run(["/usr/bin/time", "-o", str(report), "-f", "%M", *command],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    return elapsed, int(report.read_text().split()[-1]) / 1024


def bench(name: str, corpus: Path, jobs: int) -> list[tuple[str, float, float]]:
    parse = subprocess.run([sys.executable, "-c", BARE_PARSE, str(corpus)], capture_output=True, text=True, check=True)
    baseline, files = float(parse.stdout.split()[0]), int(parse.stdout.split()[1])
    cache = CORPORA / f"cache-{name}"
    shutil.rmtree(cache, ignore_errors=True)
    check = [sys.executable, "-m", "mlsmells", "check", "--isolated", "--exit-zero", "-q", str(corpus)]
    rows = [(f"{name}: bare libcst parse ({files} files)", baseline, 0.0)]
    rows.append((f"{name}: cold, 1 job", *timed([*check, "--no-cache", "--jobs", "1"])))
    rows.append((f"{name}: cold, {jobs} jobs", *timed([*check, "--no-cache", "--jobs", str(jobs)])))
    timed([*check, "--cache-dir", str(cache), "--jobs", str(jobs)])
    rows.append((f"{name}: warm cache, {jobs} jobs", *timed([*check, "--cache-dir", str(cache), "--jobs", str(jobs)])))
    touched = next(corpus.rglob("*.py"), None) or next(corpus.rglob("*.ipynb"))
    original = touched.read_bytes()
    try:
        touched.write_bytes(original + (b"\n# touched\n" if touched.suffix == ".py" else b" "))
        rows.append((f"{name}: one file touched, {jobs} jobs",
                     *timed([*check, "--cache-dir", str(cache), "--jobs", str(jobs)])))
    finally:
        touched.write_bytes(original)
    return [(label, seconds, memory, seconds / baseline) for label, seconds, memory in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=("transformers", "notebooks", "all"), default="all")
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    args = parser.parse_args()
    transformers = prepare_transformers()
    corpora = {"transformers": transformers, "notebooks": prepare_notebooks(transformers)}
    rows = []
    for name, corpus in corpora.items():
        if args.corpus in (name, "all"):
            rows += bench(name, corpus, args.jobs)
    print(f"{time.strftime('%Y-%m-%d')} · {platform.python_implementation()} {platform.python_version()} · "
          f"{len(os.sched_getaffinity(0))} CPUs · {platform.machine()}\n")
    print("| run | seconds | × bare parse | peak RSS (MB) |")
    print("|---|---|---|---|")
    for label, seconds, memory, ratio in rows:
        print(f"| {label} | {seconds:.1f} | {ratio:.2f} | {memory:.0f} |" if memory else f"| {label} | {seconds:.1f} | 1.00 | |")


if __name__ == "__main__":
    main()
