"""The hardening issue's parser and position defects (12 to 16): what libcst may be given is
decided before libcst sees the text, by depth and by tokens; locating findings costs one
position computation per statement holding them, however many they are.

Refusals must happen before libcst: the tests replace libcst's parser with one that
fails, so even inputs that would take minutes or crash run in milliseconds."""

from __future__ import annotations

import ast

import pytest

from mlsmells.engine import parsing, positions
from mlsmells.engine.linter import lint_source
from mlsmells.engine.parsing import MAX_TOKENS, ParseFailure, parse_module
from mlsmells.registry import find_rule

SYNTAX_ERROR = "print 'x'\n"  # CPython stops here, after the code before it


@pytest.fixture
def no_libcst(monkeypatch):
    """libcst must not be given the text."""

    def refuse(text, *args, **kwargs):
        raise AssertionError("libcst was given the text")

    monkeypatch.setattr(parsing.cst, "parse_module", refuse)


def lint(text: str, *codes: str):
    rules = [find_rule(code) for code in codes or ("MLS321",)]
    return lint_source("example.py", text, rules, {rule: rule.default_options() for rule in rules})


def assert_refused_as_too_deep(text: str) -> ParseFailure:
    with pytest.raises(ParseFailure, match="nested too deeply") as raised:
        parse_module(text)
    result = lint(text)
    assert not result.analysed
    assert [f.code for f in result.findings] == ["MLS001"]
    assert "nested too deeply" in result.findings[0].message
    return raised.value


@pytest.mark.parametrize("broken", [False, True])
def test_12_and_chain_without_spaces_never_reaches_libcst(no_libcst, broken):
    # libcst crashed the process on 1.4 million of these; the old guard counted " and " only
    text = "x = " + "and ".join(["0"] * 2_000) + "\n" + (SYNTAX_ERROR if broken else "")
    failure = assert_refused_as_too_deep(text)
    if broken:  # CPython's error, where CPython found it, and why libcst was not tried
        assert failure.reason.startswith("syntax error: Missing parentheses in call to 'print'")
        assert "; not retried with libcst, which reads newer syntax: the statement on line 1 is nested too deeply" in (
            failure.reason
        )
        assert (failure.line, failure.column) == (2, 1)


@pytest.mark.parametrize(
    "chain",
    [
        " + ".join(["a"] * 2_000),
        "*".join(["a"] * 2_000),
        "a" + ".b" * 2_000,
        "f" + "()" * 1_000,
        "a" + "[0]" * 1_000,
        "-" * 2_000 + "a",
        "not " * 2_000 + "a",
        "lambda: " * 1_000 + "0",
        "2" + "**2" * 1_000,
        "a < " * 2_000 + "a",
        "(a " + " + a" * 500 + "\n" + " + a" * 500 + "\n + a)",  # over lines, after a bracket
        'f"{' + "+".join(["a"] * 2_000) + '}"',  # libcst parses the expressions of f-strings
    ],
    ids=["plus", "times", "attributes", "calls", "subscripts", "minus", "not", "lambda", "power",
         "comparisons", "lines", "f-string"],
)
def test_13_operator_chains_after_a_syntax_error_are_refused(no_libcst, chain):
    # 10,000 operands took libcst more than two minutes; CPython stops at the error and
    # measures nothing after it
    failure = assert_refused_as_too_deep(f"{SYNTAX_ERROR}x = {chain}\n")
    assert failure.reason.startswith("syntax error: Missing parentheses")
    assert (failure.line, failure.column) == (1, 1) and "statement on line 2 is nested too deeply" in failure.reason
    assert "(more than 1000 chained operators, or 500 levels of calls, brackets and conditional" in failure.reason


@pytest.mark.parametrize("chain", ["(a " + " + a" * 800 + "\n" + " + a" * 800 + "\n + a)", "(a" + "\n[0]" * 600 + ")"])
def test_13_valid_chains_spread_over_lines_are_measured(no_libcst, chain):
    """A multi-line expression was measured as if its lines were 100 characters long."""
    failure = assert_refused_as_too_deep(f"import numpy\nx = {chain}\n")
    assert failure.line == 2  # the statement holding it


@pytest.mark.parametrize("broken", [False, True])
def test_14_conditional_expression_chain_is_refused(no_libcst, broken):
    # 5,000 of these after a syntax error took 4.4 GB in libcst
    text = "x = " + "a if b else " * 1_000 + "a\n" + (SYNTAX_ERROR if broken else "")
    assert_refused_as_too_deep(text)


def test_15_token_budget_instead_of_bytes(no_libcst):
    # 0.6 MB, far below the 10 MB byte limit, but each short line is four tokens for libcst
    lines = MAX_TOKENS // 4 + 1
    result = lint("x = 1\n" * lines)  # refused whether or not a rule needs libcst's tree, as bytes are
    assert not result.analysed and [f.code for f in result.findings] == ["MLS001"]
    assert result.findings[0].message.startswith(
        f"skipped: the file has {lines * 4:,} tokens, above the 400,000-token limit (a size limit"
    )


def test_15_a_file_within_the_budget_is_analysed(monkeypatch):
    fits = "import numpy as np\n" + "x = 1\n" * 5 + "y = x == np.nan\n"
    monkeypatch.setattr(parsing, "MAX_TOKENS", 32)
    for source in (fits, fits + SYNTAX_ERROR):
        result = lint(source)
        assert [f.code for f in result.findings] == ["MLS001"]
        assert result.findings[0].message.startswith("skipped: the file has 3")  # 33, or 36 with the error
    monkeypatch.setattr(parsing, "MAX_TOKENS", 33)
    assert [f.code for f in lint(fits).findings] == ["MLS321"]


def test_15_a_notebook_above_the_budget_is_skipped_whole(monkeypatch):
    from conftest import lint_percent_notebook

    monkeypatch.setattr(parsing, "MAX_TOKENS", 30)
    findings = lint_percent_notebook("# %%\nimport numpy as np\n# %%\n" + "x = 1\n" * 10, "MLS321")
    assert [(f.code, f.cell) for f in findings] == [("MLS001", None)]
    assert findings[0].message.startswith("skipped: the file has 49 tokens, above the 30-token limit")


class Counter:
    """Counts the calls of a function it wraps."""

    def __init__(self, monkeypatch, owner, name):
        self.calls = 0
        wrapped = getattr(owner, name)

        def counting(*args, **kwargs):
            self.calls += 1
            return wrapped(*args, **kwargs)

        monkeypatch.setattr(owner, name, counting)


@pytest.mark.parametrize("size", [50, 200])
def test_16_locating_many_findings_is_linear(monkeypatch, size):
    computed = Counter(monkeypatch, positions, "_statement_spans")
    nested = Counter(monkeypatch, positions, "_nested_spans")
    indexed = Counter(monkeypatch, positions, "_statement_index")
    compared = Counter(monkeypatch, positions, "_holds")
    text = "import numpy as np\n" + "".join(
        f"a{i} = b == np.nan\ndef f{i}(b):\n    return b == np.nan\n" for i in range(size)
    )
    findings = lint(text)
    assert len(findings.findings) == 2 * size
    assert [(f.span.line, f.context) for f in findings.findings[:2]] == [(2, ""), (4, "f0")]
    # each statement holding a finding, once: at the top level, or inside its function
    assert (computed.calls, nested.calls) == (size, size)
    assert indexed.calls == 1  # one walk of the module finds every node's statement
    # finding the statements and definitions holding each finding: a few comparisons each,
    # where every statement was compared with every finding
    assert compared.calls <= 10 * (2 * size)


def test_16_positions_asked_by_a_rule_are_computed_once(monkeypatch):
    """MLS421 locates its windows for the repository pass, then the engine locates the held
    findings at the same statements: each statement's positions are computed once."""
    computed = Counter(monkeypatch, positions, "_statement_spans")
    nested = Counter(monkeypatch, positions, "_nested_spans")
    body = (
        '    {v}["age"] = {v}["age"].fillna({v}["age"].median())\n'
        '    {v}["city"] = {v}["city"].str.strip().str.lower()\n'
        '    {v}["income"] = {v}["income"].clip(0, 250000)\n'
        "    return {v}\n"
    )
    pairs = 20
    text = "import pandas as pd\n" + "".join(
        f"def train_features_{i}(frame):\n{body.format(v='frame')}def serve_features_{i}(row):\n{body.format(v='row')}"
        for i in range(pairs)
    )
    result = lint(text, "MLS421")
    held = result.held[find_rule("MLS421")]
    assert len(held) == 4 * pairs  # two windows of three statements per function
    assert (held[0].span.line, held[0].context) == (3, "train_features_0")
    # the statement starting each window, inside its function, once
    assert (computed.calls, nested.calls) == (0, 4 * pairs)


NEAR_MISSES = (
    "import numpy as np\nimport pandas as pd\n"
    "values = [" + ", ".join(f"-{i}.5" for i in range(5_000)) + "]\n"
    "frame = (\n    pd.read_csv('rides.csv')"
    + "".join(f"\n    .rename(columns={{'a{i}': 'b{i}'}})" for i in range(30)) + "\n)\n"
    "total = " + " + ".join(f"weights[{i}] * features[{i}]" for i in range(200)) + "\n"
    "query = (" + " + ".join(f"'column_{i}, '" for i in range(300)) + ")\n"
    "y = total == np.nan\n"
)


@pytest.mark.parametrize("newer_syntax", [False, True])
def test_realistic_big_code_is_still_analysed(newer_syntax):
    """Near misses: long literals, a 30-step method chain, a 200-term sum, a 300-term string.
    With syntax only libcst reads on Python 3.11, they take the token scan's path."""
    text = ("type Row = dict[str, float]\n" if newer_syntax else "") + NEAR_MISSES
    assert parsing._scan(text)[0] < parsing.MAX_DEPTH // 3  # the estimate for code CPython rejects
    assert parsing._survey(ast.parse(NEAR_MISSES)).depth < parsing.MAX_DEPTH // 3  # the measure for valid code
    findings = lint(text)
    assert [(f.code, f.span.line) for f in findings.findings] == [("MLS321", 39 + newer_syntax)]
