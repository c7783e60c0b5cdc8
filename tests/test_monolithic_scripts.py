"""MLS424 (monolithic script) beyond its documented examples, with small thresholds."""

from __future__ import annotations

import textwrap

from mlsmells.engine.linter import lint_notebook, lint_source
from mlsmells.notebooks import notebook_from_percent
from mlsmells.registry import find_rule

RULE = find_rule("MLS424")
SMALL = {"max-statements": 4, "max-notebook-statements": 8}


def check(code: str, options=SMALL):
    return lint_source("train.py", textwrap.dedent(code).lstrip("\n"), [RULE], {RULE: options}).findings


def test_counts_work_at_any_depth_and_reports_the_measurement():
    findings = check(
        """
        '''Train the digits classifier.'''
        import torch
        from torch import nn

        model = nn.Linear(64, 10)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        for epoch in range(10):
            for images, labels in loader:
                optimizer.zero_grad()
                loss = nn.functional.cross_entropy(model(images), labels)
                loss.backward()
        """
    )
    assert [(f.span.line, f.span.column) for f in findings] == [(5, 1)]
    assert findings[0].message.startswith(
        "this script runs 7 top-level statements (threshold 4) and defines no function or class"
    )


def test_constants_imports_docstrings_and_the_main_guard_do_not_count():
    findings = check(
        """
        '''Settings for the sweep.'''
        import torch

        BATCH_SIZE = 64
        LEARNING_RATES = [0.1, 0.01, 0.001]
        AUGMENT = {"flip": True, "crop": 224}
        DEVICE = "cuda"
        SEED = -1
        if __name__ == "__main__":
            torch.manual_seed(SEED)
            print(LEARNING_RATES)
            pass
        """
    )
    assert findings == []


def test_one_function_or_class_is_structure():
    findings = check(
        """
        import torch

        data = torch.load("data.pt")
        mean = data.mean(dim=0)
        std = data.std(dim=0)
        data = (data - mean) / std

        class Standardize(torch.nn.Module):
            pass

        torch.save(data, "data-standardized.pt")
        """
    )
    assert findings == []


def test_files_without_ml_libraries_are_left_alone():
    findings = check(
        """
        import csv

        rows = list(csv.reader(open("sales.csv")))
        header = rows.pop(0)
        totals = {}
        for row in rows:
            totals[row[0]] = totals.get(row[0], 0) + float(row[2])
        print(totals)
        """
    )
    assert findings == []


def test_notebooks_have_their_own_threshold():
    notebook, _ = notebook_from_percent(
        textwrap.dedent(
            """\
            # %% [1]
            import pandas as pd
            from sklearn.linear_model import Ridge

            # %% [2]
            frame = pd.read_csv("houses.csv")
            frame = frame.dropna()
            frame["area"] = frame["area"].clip(upper=500)

            # %% [3]
            model = Ridge().fit(frame[["rooms", "area"]], frame["price"])
            model.score(frame[["rooms", "area"]], frame["price"])
            """
        )
    )
    findings = lint_notebook("houses.ipynb", notebook, [RULE], {RULE: SMALL}).findings
    assert findings == []  # 5 statements: over the script threshold, not the notebook one
    findings = lint_notebook("houses.ipynb", notebook, [RULE], {RULE: {**SMALL, "max-notebook-statements": 4}}).findings
    assert [(f.cell, f.span.line) for f in findings] == [(2, 1)]
    assert findings[0].message.startswith("this notebook runs 5 top-level statements (threshold 4)")


def test_noqa_belongs_on_the_first_counted_statement():
    findings = check(
        """
        import torch

        weights = torch.load("weights.pt")
        weights = {name: tensor.half() for name, tensor in weights.items()}
        weights = {name: tensor for name, tensor in weights.items() if "ema" not in name}
        torch.save(weights, "weights-fp16.pt")
        sizes = {name: tensor.numel() for name, tensor in weights.items()}
        """
    )
    assert findings[0].noqa_lines == (3,)


def test_showing_values_is_not_a_step():
    findings = check(
        """
        import matplotlib.pyplot as plt
        import plotly.graph_objects as go
        import seaborn as sns
        from sklearn.datasets import load_iris

        iris = load_iris(as_frame=True).frame
        iris.head()
        iris.describe()
        print(iris.shape)
        sns.pairplot(iris, hue="target")
        fig, ax = plt.subplots()
        ax.set_title("petal length")
        iris["petal length (cm)"].hist(ax=ax)
        plt.show()
        bars = go.Bar(x=iris["target"].unique(), y=iris["target"].value_counts())
        go.Figure(data=[bars]).show()
        iris
        """
    )
    assert findings == []  # one statement does work: loading the data
