"""The hardening issue's size-dependent attacks, at the issue's full size.

    python bench/attacks.py [--only NAME ...]

The tests (tests/test_hardening*.py) run each attack at the smallest size that shows it;
this script runs the ones whose harm grows with size (problems 12-17) at the size the
issue measured, against the installed `mlsmells` command, each in a fresh directory under
a 6 GB address-space cap and a 300 s timeout, and prints for each: exit code, wall time,
peak resident memory of mlsmells and its workers, output size, and what the file was
reported as. Nothing here is a pass/fail test; it is the record the closing note cites.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CAP_BYTES = 6 * 2**30
TIMEOUT = 300


def and_chain(directory: Path) -> list[str]:
    """12: `x = 0and 0and ...`, 1.4 million operands without spaces, then a syntax error."""
    (directory / "chain.py").write_text("x = " + "0and " * 1_400_000 + "0\ndef (:\n")
    return ["--jobs", "1"]


def operator_chains(directory: Path) -> list[str]:
    """13: chains of 10,000 `+`, `*`, `.b`, `()` and `[0]` after a syntax error."""
    for name, piece in (("plus", "a+"), ("times", "a*"), ("attribute", ".b"), ("call", "()"), ("index", "[0]")):
        body = "x = a" + piece * 10_000 if piece.startswith((".", "(", "[")) else "x = " + piece * 10_000 + "a"
        (directory / f"{name}.py").write_text(body + "\ndef (:\n")
    return ["--jobs", "1"]


def conditional_chain(directory: Path) -> list[str]:
    """14: `a if b else ` 5,000 times, then a syntax error (60 KB)."""
    (directory / "conditional.py").write_text("x = " + "a if b else " * 5_000 + "a\ndef (:\n")
    return ["--jobs", "1"]


def large_valid_file(directory: Path) -> list[str]:
    """15: a valid 9.98 MB file, under the 10 MB default size limit."""
    line = "feature_{0} = np.log1p(frame['column_{0}'].astype(float)) * 0.5 + 1\n"
    lines, size = [], 0
    while size < 9_980_000 - 80:
        text = line.format(len(lines))
        lines.append(text)
        size += len(text)
    (directory / "generated.py").write_text("import numpy as np\n" + "".join(lines))
    return ["--jobs", "1"]


def many_findings(directory: Path) -> list[str]:
    """16: 16,000 findings in one 581 KB file."""
    rows = "".join(f"frame_{index} = pd.read_csv('/home/alice/{index}.csv')\n" for index in range(16_000))
    (directory / "paths.py").write_text("import pandas as pd\n" + rows)
    return ["--jobs", "1", "--select", "MLS201", "--output-format", "concise"]


def many_duplicate_pairs(directory: Path) -> list[str]:
    """16: MLS421 with 2,000 pairs of training and serving functions in one file."""
    body = (
        '    {v}["age"] = {v}["age"].fillna({v}["age"].median())\n'
        '    {v}["city"] = {v}["city"].str.strip().str.lower()\n'
        '    {v}["income"] = {v}["income"].clip(0, 250000)\n'
        "    return {v}\n"
    )
    pairs = "".join(
        f"def train_features_{i}(frame):\n{body.format(v='frame')}def serve_features_{i}(row):\n{body.format(v='row')}"
        for i in range(2_000)
    )
    (directory / "features.py").write_text("import pandas as pd\n" + pairs)
    return ["--jobs", "1", "--select", "MLS421", "--output-format", "concise"]


def findings_on_one_line(directory: Path) -> list[str]:
    """17: 4,000 findings on one 135 KB line, in the `full` format."""
    line = "; ".join(f"f{index} = pd.read_csv('/home/a/{index}.csv')" for index in range(4_000))
    (directory / "line.py").write_text("import pandas as pd\n" + line + "\n")
    return ["--jobs", "1", "--select", "MLS201", "--output-format", "full"]


ATTACKS: dict[str, Callable[[Path], list[str]]] = {
    "12-and-chain": and_chain,
    "13-operator-chains": operator_chains,
    "14-conditional-chain": conditional_chain,
    "15-large-valid-file": large_valid_file,
    "16-many-findings": many_findings,
    "16-mls421-pairs": many_duplicate_pairs,
    "17-findings-on-one-line": findings_on_one_line,
}


def measure(name: str, make: Callable[[Path], list[str]]) -> str:
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        (directory / ".git").mkdir()
        args = make(directory)
        command = [str(Path(sys.executable).with_name("mlsmells")), "check", "--no-cache", *args]
        wrapper = [sys.executable, "-c", _WRAPPER, str(CAP_BYTES), str(TIMEOUT), *command]
        started = time.perf_counter()
        completed = subprocess.run(wrapper, cwd=directory, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        status, peak = completed.stderr.strip().splitlines()[-1].split()
        output = completed.stdout
        first = next((line for line in output.splitlines() if ": MLS" in line), "")
        return (f"{name:<24} exit {status:>4}  {elapsed:7.1f} s  {int(peak) / 1024:7.0f} MB  "
                f"{len(output) / 1e6:7.2f} MB out  {first[:110]}")


# Runs the command under an address-space cap and a timeout, then prints its exit status
# and the peak resident size of it and every process it waited for, in kilobytes.
_WRAPPER = """
import resource, subprocess, sys
cap, timeout, *command = sys.argv[1:]
def limit():
    resource.setrlimit(resource.RLIMIT_AS, (int(cap), int(cap)))
try:
    completed = subprocess.run(command, preexec_fn=limit, timeout=int(timeout), stdout=sys.stdout, stderr=subprocess.DEVNULL)
    status = completed.returncode
except subprocess.TimeoutExpired:
    status = "timeout"
print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(ATTACKS), help="run only these attacks")
    names = parser.parse_args().only or list(ATTACKS)
    for name in names:
        print(measure(name, ATTACKS[name]), flush=True)


if __name__ == "__main__":
    main()
