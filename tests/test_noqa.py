"""`# noqa` in all its forms."""

from __future__ import annotations

from conftest import run_json
from mlsmells.engine.suppression import ALL, Directives


def test_parsing_line_directives():
    directives = Directives.parse(
        "a = 1  # noqa\n"
        "b = 2  # noqa: MLS101\n"
        "c = 3  # NOQA:mls101,MLS102\n"
        "d = 4  # noqa: unseeded-random  because the seed is set upstream\n"
        "e = 5  # not a suppression\n"
    )
    assert directives.lines == {
        1: ALL,
        2: ("MLS101",),
        3: ("mls101", "MLS102"),
        4: ("unseeded-random", "because", "the", "seed", "is", "set", "upstream"),
    }
    assert not directives.file_wide and directives.file == ()


def test_parsing_file_directives():
    assert Directives.parse("# mlsmells: noqa\nx = 1\n").file_wide
    directives = Directives.parse("x = 1\n# mlsmells: noqa: MLS101, missing-random-state\n")
    assert not directives.file_wide and directives.file == ("MLS101", "missing-random-state")
    assert Directives.parse("x = 1  # mlsmells: noqa\n").file_wide is False


#: MLS323 on line 4; MLS321 on line 5, the first of a statement that ends on line 7 (both on by default).
SOURCE = """\
import numpy as np
import pandas as pd
frame = pd.read_csv("a.csv")
frame.dropna()  {line4}
empty = np.where(frame["a"] == np.nan,  {line5}
    0, 1,
)  {line7}
"""


def found(tmp_path, **comments):
    text = SOURCE.format(**{key: comments.get(key, "") for key in ("line4", "line5", "line7")})
    (tmp_path / "a.py").write_text(text)
    return [f["code"] for f in run_json(cwd=tmp_path)[1]]


def test_codes_names_and_bare_noqa_silence_the_reported_line(tmp_path):
    assert found(tmp_path) == ["MLS323", "MLS321"]
    assert found(tmp_path, line4="# noqa: MLS323") == ["MLS321"]
    assert found(tmp_path, line4="# noqa: discarded-dataframe-result") == ["MLS321"]
    assert found(tmp_path, line4="# NoQA: mls323") == ["MLS321"]
    assert found(tmp_path, line4="# noqa: MLS321") == ["MLS323", "MLS321"]
    assert found(tmp_path, line4="# noqa") == ["MLS321"]


def test_first_or_last_line_of_a_multiline_statement(tmp_path):
    assert found(tmp_path, line5="# noqa: MLS321") == ["MLS323"]
    assert found(tmp_path, line7="# noqa: MLS321") == ["MLS323"]


def test_file_level_noqa(tmp_path):
    (tmp_path / "a.py").write_text("# mlsmells: noqa: MLS323\n" + SOURCE.format(line4="", line5="", line7=""))
    assert [f["code"] for f in run_json(cwd=tmp_path)[1]] == ["MLS321"]
    (tmp_path / "a.py").write_text("# mlsmells: noqa\n" + SOURCE.format(line4="", line5="", line7=""))
    assert run_json(cwd=tmp_path) == (0, [])
