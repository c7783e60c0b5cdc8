"""Generated programs: the engine never raises, and every finding lies inside the file.

hypothesmith generates valid Python modules from the grammar. `.ci/run` runs a bounded
number of examples; set MLSMELLS_FUZZ_EXAMPLES for a longer run (docs/robustness.md).
"""

from __future__ import annotations

import os

import pytest

hypothesis = pytest.importorskip("hypothesis")
hypothesmith = pytest.importorskip("hypothesmith")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from mlsmells.engine.linter import lint_source  # noqa: E402
from mlsmells.registry import all_rules  # noqa: E402

# hypothesmith compiles what it generates; its SyntaxWarnings are not ours.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

EXAMPLES = int(os.environ.get("MLSMELLS_FUZZ_EXAMPLES", "60"))
RULES = list(all_rules())
OPTIONS = {rule: rule.default_options() for rule in RULES}
ML_PRELUDE = "import numpy as np\nimport random\nimport torch\nfrom sklearn.ensemble import RandomForestClassifier\n"


def check(source: str) -> None:
    result = lint_source("generated.py", source, RULES, OPTIONS)
    lines = source.splitlines() or [""]
    for finding in result.findings:
        assert finding.code != "MLS002", finding.message
        span = finding.span
        assert 1 <= span.line <= span.end_line <= max(len(lines), 1) + 1, (finding, len(lines))
        assert span.column >= 1 and span.end_column >= 1


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_grammar())
def test_generated_modules_never_break_the_engine(source):
    check(source)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(hypothesmith.from_node())
def test_generated_syntax_trees_with_ml_imports(source):
    check(ML_PRELUDE + source)
