"""The shared knowledge of the data rules: which expressions hold pandas objects
(knowledge/pandas_objects.py) and which calls load data (knowledge/ml_api.py)."""

from __future__ import annotations

import libcst as cst

from mlsmells.engine.linter import lint_source
from mlsmells.findings import Family
from mlsmells.knowledge.ml_api import constructed_classes, is_loader
from mlsmells.knowledge.pandas_objects import PandasObjects
from mlsmells.rule import Rule


class Probe(Rule):
    """Reports, at each `probe(expr)`, what the knowledge modules say of `expr`."""

    code = "MLS398"
    name = "knowledge-probe"
    family = Family.DATA
    uses_dataflow = True

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.pandas = PandasObjects(file)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "probe":
            expr = node.args[0].value
            loads = isinstance(expr, cst.Call) and is_loader(self.file, expr)
            self.report(node, f"{self.pandas.holds_pandas(expr)}|{loads}|{','.join(constructed_classes(self.file, expr))}")


def probe(code: str) -> list[tuple[bool, bool, str]]:
    result = lint_source("example.py", code, [Probe], {Probe: {}})
    answers = []
    for finding in result.findings:
        assert finding.code == "MLS398", finding.message
        pandas, loads, classes = finding.message.split("|")
        answers.append((pandas == "True", loads == "True", classes))
    return answers


def test_frames_built_by_pandas_and_derived_from_them():
    answers = probe(
        "import pandas\n"
        "from pandas import read_parquet as rp\n"
        "from sklearn.model_selection import train_test_split\n"
        "df = pandas.read_csv('train.csv')\n"
        "features = rp('f.parquet').dropna()\n"
        "df['ratio'] = df.a / df.b\n"
        "train, test = train_test_split(df, test_size=0.2)\n"
        "probe(df)\n"
        "probe(features[['a', 'b']])\n"
        "probe(test.loc[test.a > 0])\n"
        "probe(df.a.fillna(0))\n"
    )
    assert [pandas for pandas, _, _ in answers] == [True, True, True, True]


def test_unknown_and_non_pandas_values_are_not_pandas():
    answers = probe(
        "import pandas as pd\n"
        "import numpy as np\n"
        "config = {'lr': 0.1}\n"
        "arr = np.zeros(3)\n"
        "df = pd.read_csv('a.csv')\n"
        "if fast:\n"
        "    df = arr\n"
        "def f(frame, typed: pd.DataFrame):\n"
        "    probe(frame)\n"
        "    probe(typed)\n"
        "probe(config)\n"
        "probe(arr)\n"
        "probe(df)\n"
        "probe(pd.read_csv('a.csv').shape)\n"
    )
    assert [pandas for pandas, _, _ in answers] == [False, True, False, False, False, False]


def test_loaders_and_constructed_classes_resolve_aliases():
    answers = probe(
        "import numpy as np\n"
        "from sklearn import preprocessing as pp\n"
        "def fit_scaler(spark, path):\n"
        "    from sklearn.decomposition import PCA as P\n"
        "    scaler = pp.StandardScaler()\n"
        "    reducer = P(2)\n"
        "    probe(np.loadtxt(path))\n"
        "    probe(spark.read.format('csv').option('header', True).load(path))\n"
        "    probe(scaler)\n"
        "    probe(reducer)\n"
        "    probe(open(path))\n"
    )
    assert answers == [
        (False, True, "numpy.loadtxt"),
        (False, True, ""),
        (False, False, "sklearn.preprocessing.StandardScaler"),
        (False, False, "sklearn.decomposition.PCA"),
        (False, False, "builtins.open"),
    ]
