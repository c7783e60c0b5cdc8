"""The shared knowledge of the rules: what a value is (knowledge/value_kinds.py) and which
calls load data (knowledge/ml_api.py)."""

from __future__ import annotations

import libcst as cst

from mlsmells.engine.linter import lint_source
from mlsmells.findings import Family
from mlsmells.knowledge.ml_api import constructed_classes, is_loader
from mlsmells.knowledge.value_kinds import PANDAS, ValueKinds
from mlsmells.rule import Rule

from conftest import findings, write_project


class Probe(Rule):
    """Reports, at each `probe(expr)`, what the knowledge modules say of `expr`."""

    code = "MLS398"
    name = "knowledge-probe"
    family = Family.DATA
    uses_dataflow = True

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.kinds = file.shared(ValueKinds)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "probe":
            expr = node.args[0].value
            loads = isinstance(expr, cst.Call) and is_loader(self.file, expr)
            kind = self.kinds.kind(expr)
            self.report(node, f"{kind.name if kind else None}|{loads}|{','.join(constructed_classes(self.file, expr))}")


def probe(code: str) -> list[tuple[bool, bool, str]]:
    """(holds pandas, is a loader, constructed classes) of each `probe(expr)`."""
    return [(kind == PANDAS.name, loads, classes) for kind, loads, classes in probe_kinds(code)]


def probe_kinds(code: str) -> list[tuple[str, bool, str]]:
    """(the kind's name or "None", is a loader, constructed classes) of each `probe(expr)`."""
    result = lint_source("example.py", code, [Probe], {Probe: {}})
    answers = []
    for finding in result.findings:
        assert finding.code == "MLS398", finding.message
        kind, loads, classes = finding.message.split("|")
        answers.append((kind, loads == "True", classes))
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


def test_modules_estimators_and_optimizers_from_constructors_classes_and_annotations():
    kinds = [kind for kind, _, _ in probe_kinds(
        "import torch\n"
        "from torch import nn, optim\n"
        "from sklearn.ensemble import RandomForestClassifier\n"
        "from sklearn.pipeline import make_pipeline\n"
        "from sklearn.preprocessing import StandardScaler\n"
        "class Block(nn.Module):\n"
        "    pass\n"
        "class Net(Block):\n"
        "    def __init__(self):\n"
        "        self.encoder = nn.Sequential(nn.Linear(4, 8), nn.ReLU())\n"
        "        self.head = nn.Linear(8, 2).to('cpu')\n"
        "        self.scale = 2.0\n"
        "    def run(self, x):\n"
        "        probe(self.encoder)\n"
        "        probe(self.scale)\n"
        "def fit(model: nn.Module, data):\n"
        "    probe(model)\n"
        "    probe(data)\n"
        "net = Net().to('cpu').eval()\n"
        "probe(net)\n"
        "probe(optim.Adam(net.parameters(), lr=1e-3))\n"
        "forest = RandomForestClassifier().fit(X, y)\n"
        "probe(forest)\n"
        "probe(make_pipeline(StandardScaler(), RandomForestClassifier()))\n"
        "probe(net(torch.zeros(1, 4)))\n"
        "probe(forest.predict(X))\n"
    )]
    assert kinds == [
        "TORCH_MODULE", "None", "TORCH_MODULE", "None", "TORCH_MODULE", "OPTIMIZER", "ESTIMATOR", "ESTIMATOR", "None", "None",
    ]


def test_a_value_is_of_a_kind_only_when_every_definition_agrees():
    kinds = [kind for kind, _, _ in probe_kinds(
        "import pandas as pd\n"
        "from torch import nn\n"
        "model = nn.Linear(4, 2)\n"
        "if pretrained:\n"
        "    model = load_checkpoint('model.pt')\n"
        "probe(model)\n"
        "frame: pd.DataFrame = fetch()\n"
        "probe(frame)\n"
    )]
    assert kinds == ["None", "PANDAS"]


def test_project_functions_return_the_kind_of_what_they_return(tmp_path):
    write_project(tmp_path, {
        "models.py": """
            from torch import nn
            def build(width):
                return nn.Sequential(nn.Linear(4, width), nn.ReLU()).to("cpu")
            def features(path):
                return pd.read_csv(path).to_numpy()
            """,
        "train.py": """
            import pandas as pd
            import torch
            from models import build, features
            def load(path):
                return pd.read_csv(path).dropna().reset_index(drop=True)
            net = build(8)
            logits = net.forward(torch.zeros(1, 4))
            frame = load("train.csv")
            frame.drop(columns="id")
            array = features("train.csv")
            array.drop(columns="id")
            """,
    })
    reported = sorted((path, code, line) for path, code, line in findings(tmp_path, "MLS501", "MLS323"))
    # `.drop(...)` dropped is reported only on what is known to be a frame, not on an array.
    assert reported == [("train.py", "MLS323", 9), ("train.py", "MLS501", 7)]


def test_cyclic_classes_and_self_referring_values_end_without_a_kind():
    kinds = [kind for kind, _, _ in probe_kinds(
        "from torch import nn\n"
        "class A(B):\n"
        "    pass\n"
        "class B(A):\n"
        "    pass\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        self.head = self.head\n"
        "    def run(self):\n"
        "        probe(self.head)\n"
        "probe(A())\n"
        "model = model.to('cpu')\n"
        "probe(model)\n"
    )]
    assert kinds == ["None", "None", "None"]
