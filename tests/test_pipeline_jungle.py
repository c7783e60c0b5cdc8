"""MLS413 beyond its documented examples: what counts as a step, how steps group, the
thresholds, notebooks, and intermediate round-trips."""

from __future__ import annotations

import textwrap

from conftest import lines, lint, lint_percent_notebook

from mlsmells.engine.linter import lint_source
from mlsmells.registry import find_rule

RULE = find_rule("MLS413")

#: Eight steps; the first seven feed later ones, through three frames (`train`, `stats`,
#: `table`). The last feeds only the model, which is not a DataFrame step.
FEATURE_SCRIPT = """
import pandas as pd

train = pd.read_csv("train.csv")
stores = pd.read_csv("stores.csv")
train = train.dropna(subset=["sales"])
train["month"] = train["date"].str[5:7].astype(int)
train["log_sales"] = train["sales"].apply(lambda s: s ** 0.5)
stats = train.groupby("store").agg(mean_sales=("sales", "mean"))
table = train.merge(stats, on="store", how="left")
table = table.merge(stores, on="store", how="left")
table = table.fillna({"mean_sales": 0})
table["ratio"] = table["sales"] / table["mean_sales"]
model.fit(table.drop(columns=["sales"]), table["sales"])
"""


def lint_with(code: str, **options):
    settings = {**RULE.default_options(), **{key.replace("_", "-"): value for key, value in options.items()}}
    return lint_source("example.py", textwrap.dedent(code).lstrip("\n"), [RULE], {RULE: settings}).findings


def test_a_script_past_both_thresholds_is_reported_at_its_first_step_with_the_numbers():
    findings = lint_with(FEATURE_SCRIPT, max_steps=6, max_frames=2)
    assert lines(findings) == [5]
    message = findings[0].message
    assert "7 ad-hoc DataFrame steps" in message and "(threshold 6)" in message
    assert "3 distinct frames (threshold 2)" in message and "lines 5-11" in message


def test_thresholds_are_exclusive_and_both_must_be_passed():
    assert not lint_with(FEATURE_SCRIPT, max_steps=7, max_frames=2)
    assert not lint_with(FEATURE_SCRIPT, max_steps=6, max_frames=3)
    assert not lint(FEATURE_SCRIPT, "MLS413")  # the defaults are far above a short script


def test_a_function_is_reported_at_its_name():
    findings = lint_with(
        """
        import pandas as pd

        def build_table(path):
            visits = pd.read_parquet(path)
            visits = visits.query("duration > 0")
            visits["hour"] = visits["start"].dt.hour
            per_user = visits.groupby("user").agg(n=("hour", "size"))
            per_user = per_user.rename(columns={"n": "visits"})
            return visits.merge(per_user, on="user")
        """,
        max_steps=2,
        max_frames=1,
    )
    assert lines(findings) == [3]
    assert findings[0].message.startswith("function `build_table` prepares data in 3 ad-hoc DataFrame steps")


def test_small_named_steps_and_pipe_chains_are_not_jungles():
    assert not lint_with(
        """
        import pandas as pd

        def clean(visits: pd.DataFrame) -> pd.DataFrame:
            visits = visits.query("duration > 0")
            return visits.dropna(subset=["user"])

        def add_hour(visits: pd.DataFrame) -> pd.DataFrame:
            visits = visits.copy()
            visits["hour"] = visits["start"].dt.hour
            return visits

        def per_user(visits: pd.DataFrame) -> pd.DataFrame:
            counts = visits.groupby("user").agg(n=("hour", "size"))
            return counts.rename(columns={"n": "visits"})

        visits = pd.read_parquet("visits.parquet")
        visits = visits.pipe(clean).pipe(add_hour)
        table = visits.merge(per_user(visits), on="user")
        """,
        max_steps=3,
        max_frames=1,
    )


def test_receivers_not_known_to_be_pandas_are_not_steps():
    assert not lint_with(
        """
        from datasets import load_dataset
        import pandas as pd

        dataset = load_dataset("imdb", split="train")
        dataset = dataset.filter(lambda row: len(row["text"]) > 20)
        dataset = dataset.map(tokenize, batched=True)
        dataset = dataset.rename_column("label", "labels")
        dataset = dataset.shuffle(seed=0).select(range(1000))
        names = [name.strip() for name in open("names.txt")]
        names = list(map(str.lower, names))
        """,
        max_steps=1,
        max_frames=0,
    )


def test_displayed_summaries_literal_columns_and_scalars_are_not_steps():
    assert not lint_with(
        """
        import pandas as pd
        import seaborn as sns

        sales = pd.read_csv("sales.csv")
        sales.groupby("store")["amount"].mean()
        sns.barplot(data=sales.groupby("store").sum().reset_index(), x="store", y="amount")
        sales["flag"] = 0
        sales["source"] = "pos"
        top = sales.groupby("store")["amount"].sum().max()
        print(sales.merge(sales, on="store").shape)
        """,
        max_steps=0,
        max_frames=0,
    )


def test_steps_that_feed_no_later_step_are_not_counted():
    # Independent demonstrations of merge, groupby and melt, and summaries made for a plot:
    # steps, but none feeds another.
    code = """
    import pandas as pd

    left = pd.DataFrame({"key": [1, 2], "a": [3, 4]})
    right = pd.DataFrame({"key": [1, 2], "b": [5, 6]})
    joined = pd.merge(left, right, on="key")
    people = pd.DataFrame({"city": ["a", "b"], "age": [30, 40]})
    by_city = people.groupby("city").mean()
    wide = pd.DataFrame({"id": [1], "x1": [2], "x2": [3]})
    long = wide.melt(id_vars="id")
    per_city = people.groupby("city")["age"].mean()
    per_city.plot.bar()
    """
    assert not lint_with(code, max_steps=0, max_frames=0)


def test_in_place_steps_join_the_frame_they_change():
    findings = lint_with(
        """
        import pandas as pd

        loans = pd.read_csv("loans.csv")
        loans.dropna(subset=["income"], inplace=True)
        loans.rename(columns={"amt": "amount"}, inplace=True)
        loans["ratio"] = loans["amount"] / loans["income"]
        loans.drop(columns=["id"], inplace=True)
        """,
        max_steps=2,
        max_frames=0,
    )
    assert lines(findings) == [4]
    assert "3 ad-hoc DataFrame steps" in findings[0].message


def test_a_notebook_finding_names_the_cells_of_the_group():
    code = textwrap.dedent(
        """
        # %%
        import pandas as pd
        train = pd.read_csv("train.csv")
        # %%
        train = train.fillna(0)
        train["total"] = train["a"] + train["b"]
        # %% [markdown]
        # Features
        # %%
        train = train.merge(train.groupby("k").agg(m=("total", "mean")), on="k")
        train = train.drop(columns=["k"])
        """
    ).lstrip()
    rule_options = {"max-steps": 2, "max-frames": 0}
    from mlsmells.engine.linter import lint_notebook
    from mlsmells.notebooks import notebook_from_percent

    notebook, _ = notebook_from_percent(code)
    findings = lint_notebook("eda.ipynb", notebook, [RULE], {RULE: rule_options}).findings
    assert [(f.cell, f.span.line) for f in findings] == [(2, 1)]
    assert "this notebook (cells 2-4)" in findings[0].message


# Round-trips ---------------------------------------------------------------------------------


def test_a_file_written_and_read_back_is_reported_at_the_read():
    findings = lint(
        """
        import os
        import pandas as pd

        OUT = os.path.join("work", "features.parquet")
        raw = pd.read_csv("raw.csv")
        clean = raw.dropna()
        clean.to_parquet(OUT)
        features = pd.read_parquet(OUT)

        def export(frame: pd.DataFrame, path):
            frame = frame.rename(columns=str.lower)
            frame.to_pickle(path)
            return pd.read_pickle(path)
        """,
        "MLS413",
    )
    assert lines(findings) == [8, 13]
    assert "'work/features.parquet'" in findings[0].message and ".to_parquet()" in findings[0].message
    assert "the path in `path`" in findings[1].message


def test_caches_other_paths_save_load_helpers_and_tests_are_not_round_trips():
    assert not lint(
        """
        import os
        import pandas as pd

        # A frame saved as built, then loaded back: a demonstration of the I/O functions.
        scores = pd.DataFrame({"model": ["a", "b"], "auc": [0.81, 0.84]})
        scores.to_csv("scores.csv")
        loaded = pd.read_csv("scores.csv", index_col=0)

        CACHE = "cache/clean.pkl"
        if os.path.exists(CACHE):
            clean = pd.read_pickle(CACHE)
        else:
            clean = pd.read_csv("raw.csv").dropna()
            clean.to_pickle(CACHE)
        clean.to_csv("clean.csv")
        other = pd.read_csv("raw.csv")

        def save(frame, path):
            frame.to_parquet(path)

        def load(path):
            return pd.read_parquet(path)
        """,
        "MLS413",
    )
    assert not lint(
        """
        import pandas as pd

        def test_round_trip(tmp_path):
            frame = pd.DataFrame({"a": [1]})
            frame.to_csv(tmp_path / "a.csv", index=False)
            assert pd.read_csv(tmp_path / "a.csv").equals(frame)
        """,
        "MLS413",
        path="tests/test_io.py",
    )


def test_a_notebook_round_trip_points_at_the_reading_cell():
    findings = lint_percent_notebook(
        textwrap.dedent(
            """
            # %%
            import pandas as pd
            train = pd.read_csv("../input/train.csv")
            train = train.drop(columns=["id"])
            train.to_csv("train_clean.csv", index=False)
            # %%
            train = pd.read_csv("train_clean.csv")
            """
        ).lstrip(),
        "MLS413",
    )
    assert [(f.cell, f.span.line) for f in findings] == [(2, 1)]


def test_a_file_computed_when_missing_and_read_otherwise_is_a_cache():
    assert not lint(
        """
        import os
        import pandas as pd

        BOXES = "work/boxes.csv"
        if not os.path.isfile(BOXES):
            boxes = pd.DataFrame(extract_boxes(images), columns=["x", "y", "w", "h"])
            boxes.to_csv(BOXES, index=False)
        else:
            boxes = pd.read_csv(BOXES)
        """,
        "MLS413",
    )


def test_attribute_column_writes_change_the_frame_not_a_new_one():
    findings = lint_with(
        """
        import pandas as pd

        orders = pd.read_csv("orders.csv")
        orders.status = orders.status.replace({"done": 1, "open": 0})
        orders.amount = orders.amount.fillna(0)
        totals = orders.groupby("status").agg(total=("amount", "sum"))
        report = orders.merge(totals, on="status")
        """,
        max_steps=2,
        max_frames=1,
    )
    assert lines(findings) == [4]
    assert "3 ad-hoc DataFrame steps" in findings[0].message and "2 distinct frames" in findings[0].message


def test_a_read_after_another_program_ran_may_read_its_output():
    notebook = textwrap.dedent(
        """
        # %%
        import pandas as pd
        submission = pd.read_csv("../input/sample_submission.csv")
        submission = submission.drop(columns=["id"])
        submission.to_csv("submission.csv", index=False)
        # %%
        !python simple-nn-new-split-inference.py
        # %%
        blended = pd.read_csv("submission.csv")
        """
    ).lstrip()
    assert lint_percent_notebook(notebook, "MLS413") == []
    script = (
        "import subprocess\nimport pandas as pd\n"
        "frame = pd.read_csv('raw.csv').dropna()\nframe.to_csv('clean.csv')\n"
        "subprocess.run(['python', 'featurize.py', 'clean.csv'], check=True)\n"
        "features = pd.read_csv('clean.csv')\n"
    )
    assert lint(script, "MLS413") == []
    assert lines(lint(script.replace("subprocess.run(['python', 'featurize.py', 'clean.csv'], check=True)\n", ""), "MLS413")) == [5]
