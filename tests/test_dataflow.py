"""The def-use layer (engine/dataflow.py), seen through a probe rule: at each
`probe(expr)` call the probe notes where `expr`'s value may have come from."""

from __future__ import annotations

import libcst as cst
import pytest

from mlsmells.engine.dataflow import ancestry
from mlsmells.engine.linter import lint_notebook, lint_source
from mlsmells.findings import Family
from mlsmells.notebooks import notebook_from_percent
from mlsmells.rule import Rule

_module = cst.Module([])


def _code(node: cst.CSTNode | None) -> str:
    return "-" if node is None else _module.code_for_node(node)


class Probe(Rule):
    code = "MLS399"
    name = "probe"
    family = Family.DATA
    uses_dataflow = True

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "probe":
            definitions = self.file.flow.definitions(node.args[0].value)
            origins = sorted(_describe(d) for d in definitions)
            history = sorted({_describe(d) for d in ancestry(definitions)})
            self.report(node, f"{origins} | {history}")


def _describe(definition) -> str:
    index = "" if definition.index is None else f"[{definition.index}]"
    return f"{definition.name}:{definition.kind.value}:{_code(definition.value)}{index}"


def probes(code: str) -> list[tuple[list[str], set[str]]]:
    result = lint_source("example.py", code, [Probe], {Probe: {}})
    found = []
    for finding in result.findings:
        assert finding.code == "MLS399", finding.message
        origins, history = finding.message.split(" | ")
        found.append((eval(origins), set(eval(history))))
    return found


def test_assignment_chain_is_followed_back_to_the_load():
    [(origins, history)] = probes(
        "import pandas as pd\n"
        "df = pd.read_csv('train.csv')\n"
        "X = df.drop(columns=['label'])\n"
        "X_scaled = X / 255\n"
        "probe(X_scaled)\n"
    )
    assert origins == ["X_scaled:assign:X / 255"]
    assert "df:assign:pd.read_csv('train.csv')" in history
    assert "X:assign:df.drop(columns=['label'])" in history


def test_tuple_unpacking_records_which_output_each_name_is():
    [(test_part, _), (label_part, _)] = probes(
        "from sklearn.model_selection import train_test_split\n"
        "X_train, X_test, y_train, y_test = train_test_split(X, y)\n"
        "probe(X_test)\n"
        "probe(y_train)\n"
    )
    assert test_part == ["X_test:assign:train_test_split(X, y)[1]"]
    assert label_part == ["y_train:assign:train_test_split(X, y)[2]"]


def test_literal_tuple_binds_element_by_element():
    [(origins, _)] = probes(
        "features, labels = frame.drop(columns='y'), frame['y']\n"
        "probe(labels)\n"
    )
    assert origins == ["labels:assign:frame['y']"]


def test_later_assignment_replaces_the_earlier_one():
    [(origins, history)] = probes("x = load()\nx = clean(x)\nprobe(x)\n")
    assert origins == ["x:assign:clean(x)"]
    assert "x:assign:load()" in history  # what `clean` read


def test_assignment_in_a_branch_keeps_the_earlier_one_reaching():
    [(origins, _)] = probes(
        "data = load()\n"
        "if small:\n"
        "    data = data.sample(100)\n"
        "probe(data)\n"
    )
    assert origins == ["data:assign:data.sample(100)", "data:assign:load()"]


def test_both_branches_of_an_if_reach_but_neither_replaces_the_other():
    [(origins, _)] = probes(
        "if local:\n"
        "    data = read_local()\n"
        "else:\n"
        "    data = read_remote()\n"
        "probe(data)\n"
    )
    assert origins == ["data:assign:read_local()", "data:assign:read_remote()"]


def test_value_is_read_before_its_own_binding():
    """While the value of `X = f(X)` is walked, `X` is still the earlier one."""
    [(origins, _)] = probes("X = load()\nX = probe(X)\n")
    assert origins == ["X:assign:load()"]


def test_subscript_and_attribute_stores_update_the_variable():
    [(origins, history)] = probes(
        "df = load()\n"
        "df['ratio'] = df['a'] / df['b']\n"
        "df.loc[mask, 'b'] = fill\n"
        "probe(df)\n"
    )
    assert origins == ["df:update:fill"]
    assert {"df:update:df['a'] / df['b']", "df:assign:load()"} <= history


def test_augmented_assignment_keeps_the_earlier_value():
    [(origins, history)] = probes("total = start()\ntotal += step()\nprobe(total)\n")
    assert origins == ["total:update:step()"]
    assert "total:assign:start()" in history


def test_loop_and_with_targets():
    [(batch, batch_history), (handle, _)] = probes(
        "loader = DataLoader(dataset)\n"
        "for batch in loader:\n"
        "    probe(batch)\n"
        "with open(path) as handle:\n"
        "    probe(handle)\n"
    )
    assert batch == ["batch:loop:loader"]
    assert "loader:assign:DataLoader(dataset)" in batch_history
    assert handle == ["handle:assign:open(path)"]


def test_function_scopes_parameters_and_globals():
    [(parameter, _), (global_name, _), (local, _)] = probes(
        "frame = load()\n"
        "def train(data):\n"
        "    probe(data)\n"
        "    probe(frame)\n"
        "    frame2 = data.copy()\n"
        "    probe(frame2)\n"
    )
    assert parameter == ["data:param:-"]
    assert global_name == ["frame:assign:load()"]
    assert local == ["frame2:assign:data.copy()"]


def test_local_name_not_yet_bound_and_imports_have_no_definition():
    assert probes(
        "import numpy as np\n"
        "data = load()\n"
        "def f():\n"
        "    probe(data)\n"
        "    data = 1\n"
        "probe(np)\n"
    ) == [([], set()), ([], set())]


def test_methods_do_not_see_class_attributes_as_variables():
    [(origins, _)] = probes(
        "scale = load()\n"
        "class Model:\n"
        "    scale = 2\n"
        "    def forward(self):\n"
        "        probe(scale)\n"
    )
    assert origins == ["scale:assign:load()"]


def test_walrus_and_comprehension_variables():
    [(walrus, _), (comprehension, history)] = probes(
        "if (n := count()) > 0:\n"
        "    probe(n)\n"
        "rows = [row.strip() for row in lines]\n"
        "probe(rows)\n"
    )
    assert walrus == ["n:assign:count()"]
    assert comprehension == ["rows:assign:[row.strip() for row in lines]"]
    assert all(not entry.startswith("row:") for entry in history)


def test_notebook_cells_are_followed_in_cell_order():
    notebook, _ = notebook_from_percent(
        "# %%\nimport pandas as pd\ndf = pd.read_csv('a.csv')\n"
        "# %%\nX = df.dropna()\n"
        "# %%\nprobe(X)\n"
    )
    result = lint_notebook("analysis.ipynb", notebook, [Probe], {Probe: {}})
    [finding] = result.findings
    assert finding.cell == 3
    assert "df:assign:pd.read_csv('a.csv')" in finding.message


def test_a_failure_in_the_layer_ends_only_the_rules_that_read_it(monkeypatch):
    from mlsmells.engine import dataflow

    def broken(self, node):
        raise RuntimeError("boom")

    monkeypatch.setattr(dataflow.DataFlow, "_bind_assign", broken)
    result = lint_source("example.py", "x = 1\nprobe(x)\n", [Probe], {Probe: {}})
    [finding] = result.findings
    assert finding.code == "MLS002"
    assert "MLS399" in finding.message and "boom" in finding.message


@pytest.mark.parametrize("depth", [150, 190])
def test_deeply_nested_values_do_not_exhaust_the_stack(depth):
    code = "x = " + "[" * depth + "y" + "]" * depth + "\nprobe(x)\n"
    [(origins, _)] = probes(code)
    assert len(origins) == 1


def test_a_binding_earlier_in_the_same_block_hides_those_of_sibling_blocks():
    [(inside, _), (after, _)] = probes(
        "for batch in train_loader:\n"
        "    loss = criterion(model(batch))\n"
        "for batch in val_loader:\n"
        "    loss = criterion(model(batch)).item()\n"
        "    probe(loss)\n"
        "probe(loss)\n"
    )
    assert inside == ["loss:assign:criterion(model(batch)).item()"]
    assert after == ["loss:assign:criterion(model(batch))", "loss:assign:criterion(model(batch)).item()"]


def test_else_and_except_blocks_do_not_see_the_block_before_them_as_certain():
    [(in_else, _), (in_handler, _)] = probes(
        "frame = load()\n"
        "if cached:\n"
        "    frame = read_cache()\n"
        "else:\n"
        "    probe(frame)\n"
        "try:\n"
        "    frame = fetch()\n"
        "except OSError:\n"
        "    probe(frame)\n"
    )
    assert in_else == ["frame:assign:load()", "frame:assign:read_cache()"]
    assert "frame:assign:fetch()" in in_handler and len(in_handler) == 3
