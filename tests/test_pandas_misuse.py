"""MLS321-MLS328 beyond their documented examples: aliases, receivers, near misses, notebooks."""

from __future__ import annotations

import textwrap

from conftest import lines, lint, lint_percent_notebook

# MLS321 nan-equality ------------------------------------------------------------------------


def test_nan_equality_resolves_aliases_and_every_marker():
    findings = lint(
        """
        import math
        from numpy import nan as NOT_A_NUMBER
        import numpy
        import pandas as pd

        def clean(scores):
            gaps = scores[scores == NOT_A_NUMBER]
            present = [s for s in scores if s != math.nan]
            odd = scores.apply(lambda s: 0 if s is numpy.NaN else s)
            unknown = scores[scores == pd.NA]
            return gaps, present, odd, unknown, float("NaN") == scores.iloc[0]
        """,
        "MLS321",
    )
    assert lines(findings) == [7, 8, 9, 10, 11]
    assert "always False" in findings[0].message and "always True" in findings[1].message


def test_nan_equality_leaves_correct_missing_value_tests_alone():
    assert not lint(
        """
        import numpy as np
        import pandas as pd

        def clean(frame, value, nan):
            if value is pd.NA or value is pd.NaT:
                return None
            if np.isnan(value) or pd.isna(value) or value != value:
                return None
            frame.loc[frame["age"] > 120, "age"] = np.nan
            replaced = frame.replace({"?": np.nan})
            return replaced[replaced.score == nan], float("inf") == value
        """,
        "MLS321",
    )


def test_nan_equality_in_a_notebook_points_at_the_cell():
    findings = lint_percent_notebook(
        textwrap.dedent(
            """
        # %%
        import numpy as np
        import pandas as pd
        # %%
        movies = pd.read_csv("movies.csv")
        movies["has_site"] = movies["homepage"].apply(lambda url: 0 if url == np.nan else 1)
        """
        ).lstrip(),
        "MLS321",
    )
    assert [(f.cell, f.span.line) for f in findings] == [(2, 2)]


# MLS322 chained-assignment ------------------------------------------------------------------


def test_chained_assignment_through_indexers_and_augmented_writes():
    findings = lint(
        """
        import pandas as pd

        trips = pd.read_parquet("trips.parquet")
        trips.loc[trips.fare < 0]["fare"] = 0
        trips["fare"].iloc[0] = 2.5
        trips["tip"][trips.tip.isna()] += 1
        """,
        "MLS322",
    )
    assert lines(findings) == [4, 5, 6]


def test_chained_assignment_ignores_single_indexers_and_containers_of_frames():
    assert not lint(
        """
        import pandas as pd

        trips = pd.read_parquet("trips.parquet")
        trips.loc[trips.fare < 0, "fare"] = 0
        trips.at[0, "fare"] = 2.5
        trips["fare_eur"] = trips["fare"] * 0.9
        summaries = {}
        summaries["2024"] = {}
        summaries["2024"]["rows"] = len(trips)
        config = load_config()
        config["model"]["depth"] = 6
        """,
        "MLS322",
    )


def test_slice_written_without_copy_is_reported_once_when_its_frame_is_used_again():
    findings = lint(
        """
        import pandas as pd

        def add_targets(frame: pd.DataFrame):
            features = frame[["age", "income"]]
            features["age"] = features["age"].clip(0, 100)
            features["income"] = features["income"].fillna(0)
            return frame.join(features, rsuffix="_clean")
        """,
        "MLS322",
    )
    assert lines(findings) == [5]
    assert "`features` is a slice of `frame`" in findings[0].message
    assert "used again" in findings[0].message


def test_slice_write_counts_a_frame_still_the_same_after_column_writes():
    findings = lint(
        """
        import pandas as pd

        visits = pd.read_csv("visits.csv")
        mobile = visits[visits.device == "mobile"]
        mobile["weight"] = 2.0
        visits["weight"] = 1.0
        visits.to_parquet("weighted.parquet")
        """,
        "MLS322",
    )
    assert lines(findings) == [5]


def test_slice_of_a_frame_never_used_again_is_not_reported():
    assert not lint(
        """
        import pandas as pd
        from sklearn.linear_model import Ridge

        def fit_prices(listings: pd.DataFrame):
            X = listings[["rooms", "area", "age"]]
            X["area"] = X["area"].clip(upper=500)
            X["log_area"] = X["area"].apply(lambda a: a ** 0.5)
            y = X.pop("age")
            return Ridge().fit(X, y)

        houses = pd.read_csv("houses.csv")
        recent = houses[houses.year > 2015]
        recent["decade"] = recent.year // 10
        recent.to_csv("recent.csv")
        """,
        "MLS322",
    )


def test_whole_frame_slice_is_not_a_copy_and_is_always_reported():
    findings = lint(
        """
        import pandas as pd

        raw = pd.read_csv("sensor.csv")
        clean = raw[:]
        clean["temp"] = clean["temp"].clip(-40, 60)
        clean["humidity"] = clean["humidity"] / 100
        clean.to_csv("clean.csv")
        """,
        "MLS322",
    )
    assert lines(findings) == [5]
    assert "is not a copy of `raw`" in findings[0].message


def test_a_dict_of_sheets_is_not_a_frame():
    assert not lint(
        """
        import pandas as pd

        workbook = pd.read_excel("budget.xlsx", sheet_name=None)
        for sheet in workbook:
            workbook[sheet]["total"] = workbook[sheet].sum(axis=1)
        quarters = pd.read_excel("budget.xlsx", ["Q1", "Q2"])
        quarters["Q1"]["total"] = 0
        """,
        "MLS322",
    )


def test_chained_write_into_a_frame_read_from_one_sheet_is_reported():
    findings = lint(
        """
        import pandas as pd

        budget = pd.read_excel("budget.xlsx", sheet_name="Q1")
        budget["total"][budget["total"] < 0] = 0
        """,
        "MLS322",
    )
    assert lines(findings) == [4]


def test_copied_slices_and_slices_rebound_to_their_frame_are_not_reported():
    assert not lint(
        """
        import pandas as pd

        users = pd.read_csv("users.csv")
        adults = users[users.age >= 18].copy()
        adults["segment"] = "adult"
        users = users[users.country == "NL"]
        users["vat"] = 0.21
        recent = users.loc[users.year > 2020].reset_index(drop=True)
        recent["rank"] = recent["score"].rank()
        names = users.copy()[["name", "sex"]]
        names["title"] = names["name"].str.extract(r"(Mr|Mrs|Miss)")
        top = users.sort_values("score").head(100)[["name", "score"]]
        top["medal"] = "gold"
        """,
        "MLS322",
    )


def test_a_frame_cleaned_step_by_step_is_still_known_to_be_pandas():
    findings = lint(
        """
        import pandas as pd

        users = pd.read_csv("users.csv")
        users = users.dropna(subset=["age"])
        users = users.rename(columns={"yrs": "years"})
        adults = users[users.age >= 18]
        adults["segment"] = "adult"
        print(users.segment.value_counts())
        """,
        "MLS322",
    )
    assert lines(findings) == [7]


# MLS323 discarded-dataframe-result ----------------------------------------------------------


def test_discarded_result_on_pandas_receivers_and_pandas_specific_names():
    findings = lint(
        """
        import pandas as pd

        def prepare(raw, extra):
            raw.fillna(0)
            frame = pd.DataFrame(extra)
            frame.rename(columns={"y": "target"})
            frame["age"].replace(-1, 0)
            frame.sort_values("date", inplace=False)
            return frame
        """,
        "MLS323",
    )
    assert lines(findings) == [4, 6, 7, 8]


def test_discarded_result_leaves_inplace_and_other_receivers_alone():
    assert not lint(
        """
        import os
        import pandas as pd

        class Table:
            def dropna(self):
                self.rows = [row for row in self.rows if None not in row]

            def clean(self):
                self.dropna()

        def prepare(path, options, name, loader):
            frame = pd.read_csv(path)
            frame.dropna(inplace=True)
            frame.fillna(**options)
            frame.set_index("id", inplace=options.inplace)
            name.replace("-", "_")
            loader.drop("cache")
            os.rename(path, path + ".bak")
            try:
                frame.set_index("timestamp").tz_localize("Europe/Paris")
            except TypeError as error:
                print("not a time index:", error)
            frame.groupby("store").mean().sort_values("sales", ascending=False)
            frame.to_csv(path)
        """,
        "MLS323",
    )


def test_the_last_expression_of_a_notebook_cell_is_displayed_not_discarded():
    findings = lint_percent_notebook(
        textwrap.dedent(
            """
        # %%
        import pandas as pd
        flights = pd.read_csv("flights.csv")
        # %%
        flights.dropna()
        flights.head()
        # %%
        flights.drop_duplicates(subset=["id"])
        # %%
        flights.sort_values("delay");
        """
        ).lstrip(),
        "MLS323",
    )
    assert [(f.cell, f.span.line) for f in findings] == [(2, 1), (4, 1)]


# MLS326 merge-unvalidated -------------------------------------------------------------------


def test_merge_without_validate_and_without_keys_or_how():
    findings = lint(
        """
        import pandas as pd
        from pandas import merge as combine

        sales = pd.read_csv("sales.csv")
        stores = pd.read_csv("stores.csv")
        a = combine(sales, stores, on="store_id")
        b = sales.join(stores, how="left")
        c = pd.merge(sales, stores, how="inner", on="store_id")
        d = sales.merge(stores, "left", "store_id")
        e = sales.merge(stores, on="store_id", validate="many_to_one")
        """,
        "MLS326",
    )
    assert lines(findings) == [6, 7]
    assert "`how=`" in findings[0].message and "the keys" in findings[1].message


def test_merge_and_join_on_unknown_or_string_receivers_are_not_reported():
    assert not lint(
        """
        import pandas as pd

        def combine(left, right, parts):
            frame = pd.DataFrame({"name": parts})
            frame["tags"].str.join("-")
            ", ".join(parts)
            return left.merge(right), frame.merge(right, **OPTIONS)
        """,
        "MLS326",
    )


# MLS327 dataframe-values --------------------------------------------------------------------


def test_values_on_frames_series_and_split_parts():
    findings = lint(
        """
        import pandas as pd
        from sklearn.model_selection import train_test_split

        reviews = pd.read_json("reviews.json", lines=True)
        X_train, X_test = train_test_split(reviews, test_size=0.2)
        labels = X_train["stars"].values
        texts = X_test.text.values
        """,
        "MLS327",
    )
    assert lines(findings) == [6, 7]


def test_values_on_dicts_arrays_and_unknown_receivers_is_not_reported():
    assert not lint(
        """
        import numpy as np
        import pandas as pd

        def summarise(metrics, batch):
            frame = pd.DataFrame(metrics)
            weights = {"a": 1, "b": 2}
            total = sum(weights.values())
            columns = frame.to_dict()
            return total, batch.values, list(columns.values()), frame.to_numpy(), np.asarray(frame).shape
        """,
        "MLS327",
    )


# MLS328 empty-column-init -------------------------------------------------------------------


def test_placeholder_filled_row_by_row_is_reported():
    findings = lint(
        """
        import pandas as pd

        patients = pd.read_csv("patients.csv")
        patients["bmi"] = 0
        patients["summary"] = ""
        for i in range(len(patients)):
            if patients.height[i] > 0:
                patients.loc[i, "bmi"] = patients.weight[i] / patients.height[i] ** 2
            try:
                patients["summary"][i] = describe(patients.iloc[i])
            except KeyError:
                continue
        """,
        "MLS328",
    )
    assert lines(findings) == [4, 5]


def test_real_starting_values_are_not_reported():
    assert not lint(
        r"""
        import numpy as np
        import pandas as pd

        patients = pd.read_csv("patients.csv")
        patients["smoker"] = 0
        patients.loc[patients.cigarettes > 0, "smoker"] = 1
        patients["visits"] = 0
        patients["notes"] = ""
        patients["risk"] = np.nan
        patients["flag"] = 0
        patients["label"] = ""
        for i in patients.index:
            patients.at[i, "label"] = f"{patients.at[i, 'name']} ({patients.at[i, 'age']})"
        patients["friends_alive"] = 0
        for ticket, rows in patients.groupby("ticket").groups.items():
            for i in rows:
                if len(rows) > 1:
                    patients.loc[i, "friends_alive"] = patients.loc[rows, "alive"].sum() - 1
        patients["title"] = ""
        for column in patients:
            patients["title"] = patients["name"].str.extract(r"(Mr|Mrs|Miss)[.]")
        for i, row in patients.iterrows():
            patients.at[i, "visits"] = patients.at[i, "visits"] + len(row.history)
            patients.at[i, "notes"] += row.comment
            patients.at[i, "risk"] = score(row)
            patients.at[i, "flag"] = True
        records = {}
        records["total"] = 0
        for row in rows:
            records["total"] = records["total"] + row
        """,
        "MLS328",
    )
