"""MLS301 beyond its documented examples: sinks, the checks that count, near misses,
notebooks."""

from __future__ import annotations

import textwrap

from conftest import lines, lint, lint_percent_notebook


def test_load_reaching_a_split_through_derived_frames_is_reported_once_at_the_load():
    findings = lint(
        """
        import os
        import pandas as pd
        from sklearn.model_selection import train_test_split
        from sklearn.ensemble import RandomForestClassifier

        houses = pd.read_parquet(os.environ["HOUSES_PATH"])
        X = houses.drop(columns=["price"]).fillna(0)
        y = houses["price"] > 500_000
        X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
        forest = RandomForestClassifier(random_state=0).fit(X_train, y_train)
        print(forest.score(X_test, y_test))
        """,
        "MLS301",
    )
    assert lines(findings) == [6]
    assert "comes from a source set by an environment variable" in findings[0].message
    assert "reaches `train_test_split` (line 9)" in findings[0].message


def test_aliased_numpy_load_into_a_torch_data_loader():
    findings = lint(
        """
        import numpy as onp
        import torch
        from torch.utils.data import DataLoader as Loader, TensorDataset

        def batches(scan_file):
            images = onp.load(scan_file)
            tensors = torch.from_numpy(images).float()
            return Loader(TensorDataset(tensors), batch_size=64)
        """,
        "MLS301",
    )
    assert lines(findings) == [6]


def test_a_dataset_class_the_file_defines_is_a_sink():
    findings = lint(
        """
        import json
        import os
        from torch.utils.data import Dataset

        class Reviews(Dataset):
            def __init__(self, records):
                self.records = records

        with open(os.path.join(os.getenv("DATA_DIR", "data"), "reviews.json")) as handle:
            records = json.load(handle)
        train_set = Reviews(records)
        """,
        "MLS301",
    )
    assert lines(findings) == [10]


def test_pandera_validation_before_fit_counts():
    assert not lint(
        """
        import sys
        import pandas as pd
        import pandera.pandas as pa
        from sklearn.linear_model import Ridge

        class Sales(pa.DataFrameModel):
            units: int = pa.Field(ge=0)
            price: float = pa.Field(gt=0)

        sales = pd.read_csv(sys.argv[1])
        Sales.validate(sales)
        Ridge().fit(sales[["price"]], sales["units"])
        """,
        "MLS301",
    )


def test_an_assert_on_a_derived_frame_counts():
    assert not lint(
        """
        import sys
        import pandas as pd
        from sklearn.linear_model import LogisticRegression

        raw = pd.read_csv(sys.argv[1])
        features = raw[["age", "visits"]]
        assert features.notna().all().all(), "visits.csv has nulls"
        LogisticRegression().fit(features, raw["returned"])
        """,
        "MLS301",
    )


def test_a_null_check_in_a_condition_counts_even_without_raise():
    assert not lint(
        """
        import sys
        import pandas as pd
        from sklearn.svm import SVC

        df = pd.read_csv(sys.argv[1])
        if df.isna().any().any():
            df = df.interpolate()
        SVC().fit(df.drop(columns="label"), df["label"])
        """,
        "MLS301",
    )


def test_a_local_function_that_checks_its_parameter_counts():
    assert not lint(
        """
        import sys
        import pandas as pd
        from sklearn.linear_model import Lasso

        def require_columns(frame, names):
            missing = set(names) - set(frame.columns)
            if missing:
                raise KeyError(missing)

        prices = pd.read_csv(sys.argv[1])
        require_columns(prices, ["size", "price"])
        Lasso().fit(prices[["size"]], prices["price"])
        """,
        "MLS301",
    )


def test_a_pydantic_model_per_record_counts():
    assert not lint(
        """
        import json
        import sys
        from pydantic import BaseModel
        from sklearn.feature_extraction.text import TfidfVectorizer

        class Ticket(BaseModel):
            text: str
            priority: int

        with open(sys.argv[1]) as handle:
            raw = json.load(handle)
        tickets = [Ticket(**item) for item in raw]
        TfidfVectorizer().fit_transform([ticket.text for ticket in tickets])
        """,
        "MLS301",
    )


def test_a_config_file_that_only_picks_columns_is_not_training_data():
    findings = lint(
        """
        import json
        import pandas as pd
        from sklearn.tree import DecisionTreeRegressor

        with open(sys.argv[1]) as handle:
            config = json.load(handle)
        frame = pd.read_csv(config["path"])
        DecisionTreeRegressor(max_depth=config["depth"]).fit(frame[config["features"]], frame["y"])
        """,
        "MLS301",
    )
    assert [finding.message.split("`")[1] for finding in findings] == ["pd.read_csv"]


def test_an_in_memory_buffer_and_a_file_the_program_wrote_are_not_outside_data():
    assert not lint(
        """
        import io
        import numpy as np
        import pandas as pd
        from sklearn.impute import SimpleImputer

        toy = pd.read_csv(io.StringIO("a,b\\n1,\\n3,4\\n"))
        SimpleImputer().fit(toy)

        np.save("bottleneck_train.npy", extract_features(images))
        bottleneck = np.load("bottleneck_train.npy")
        classifier.fit(bottleneck, labels)
        """,
        "MLS301",
    )


def test_a_loaded_frame_never_used_for_training_is_left_alone():
    assert not lint(
        """
        import sys
        import pandas as pd
        from scipy.stats import norm
        from sklearn.linear_model import LinearRegression

        losses = pd.read_csv(sys.argv[1])
        mu, sigma = norm.fit(losses["log_loss"])

        submission = pd.read_csv(sys.argv[2])
        model = LinearRegression().fit(X_train, y_train)
        submission["target"] = model.predict(X_test)
        """,
        "MLS301",
    )


def test_notebook_check_in_an_earlier_cell_counts_and_a_later_load_is_reported():
    findings = lint_percent_notebook(
        textwrap.dedent(
            """
        # %% [1]
        import os
        import pandas as pd
        from sklearn.neighbors import KNeighborsClassifier
        train = pd.read_csv(os.environ["TRAIN_CSV"])
        # %% [2]
        assert set(train.columns) >= {"x1", "x2", "label"}
        # %% [3]
        test = pd.read_csv(os.environ["TEST_CSV"])
        knn = KNeighborsClassifier().fit(train[["x1", "x2"]], train["label"])
        # %% [4]
        predictions = knn.predict(test[["x1", "x2"]])
        """
        ).lstrip(),
        "MLS301",
    )
    assert [(f.cell, f.span.line) for f in findings] == [(3, 1)]
    assert "`knn.predict` (cell 4, line 1)" in findings[0].message


def test_coercion_through_apply_with_an_aliased_import_is_reported():
    findings = lint(
        """
        from pandas import to_numeric as numeric
        import pandas as pd

        sensors = pd.read_parquet("sensors.parquet")
        sensors[["temp", "humidity"]] = sensors[["temp", "humidity"]].apply(numeric, errors="coerce")
        hourly = sensors.resample("1h", on="time").mean()
        """,
        "MLS302",
    )
    assert lines(findings) == [5]


def test_a_null_count_on_a_derived_column_after_coercion_counts():
    assert not lint(
        """
        import pandas as pd

        events = pd.read_csv("events.csv")
        events["ts"] = pd.to_datetime(events["ts"], errors="coerce")
        bad_dates = events["ts"].isna().sum()
        print(f"{bad_dates} timestamps did not parse")
        """,
        "MLS302",
    )


def test_coercion_handled_in_the_same_expression_counts():
    assert not lint(
        """
        import pandas as pd

        loans = pd.read_csv("loans.csv")
        loans["income"] = pd.to_numeric(loans["income"], errors="coerce").fillna(loans["income_estimate"])
        """,
        "MLS302",
    )


def test_coercion_with_errors_raise_or_returned_to_the_caller_is_left_alone():
    assert not lint(
        """
        import pandas as pd

        def parse_amounts(column):
            return pd.to_numeric(column, errors="coerce")

        ledger = pd.read_csv("ledger.csv")
        ledger["amount"] = pd.to_numeric(ledger["amount"], errors="raise")
        """,
        "MLS302",
    )


def test_coercing_what_a_model_predicted_is_serialisation_not_parsing():
    assert not lint(
        """
        import pandas as pd

        def respond(model, encoder, payload):
            rows = pd.DataFrame(payload["instances"])
            proba = model.predict_proba(rows)
            scores = pd.DataFrame(proba, columns=model.classes_)
            scores = scores.apply(pd.to_numeric, errors="coerce")
            labels = pd.to_numeric(model.predict(rows), errors="coerce")
            embedded = pd.to_numeric(pd.Series(encoder.transform(rows)[:, 0]), errors="coerce")
            return {"scores": scores.to_dict("records"), "labels": labels.tolist(), "e": embedded.tolist()}
        """,
        "MLS302",
    )


def test_coercing_request_data_or_loaded_columns_next_to_predictions_is_reported():
    findings = lint(
        """
        import pandas as pd

        def respond(model, payload):
            rows = pd.DataFrame(payload["instances"])
            rows["age"] = pd.to_numeric(rows["age"], errors="coerce")
            return model.predict(rows).tolist()

        history = pd.read_csv("history.csv")
        history["predicted"] = model.predict(history[["age", "income"]])
        history["income"] = pd.to_numeric(history["income"], errors="coerce")
        grouped = history.groupby("predicted")["income"].transform("mean")
        grouped = pd.to_numeric(grouped, errors="coerce")
        """,
        "MLS302",
    )
    assert lines(findings) == [5, 10, 12]


def test_skipping_bad_lines_with_the_old_and_the_new_option():
    findings = lint(
        """
        import pandas

        clicks = pandas.read_csv("clicks.csv", error_bad_lines=False, warn_bad_lines=False)
        views = pandas.read_table("views.tsv", on_bad_lines="skip")
        logs = pandas.read_csv("logs.csv", on_bad_lines="warn")
        sessions = pandas.read_csv("sessions.csv", error_bad_lines=False)  # still warns per line
        """,
        "MLS302",
    )
    assert lines(findings) == [3, 4]


def test_blanket_dropna_in_place_before_a_split_is_reported_at_the_drop():
    findings = lint(
        """
        import pandas as pd
        from sklearn.model_selection import train_test_split

        patients = pd.read_csv("patients.csv")
        patients.dropna(inplace=True)
        X_train, X_test, y_train, y_test = train_test_split(patients.drop(columns="outcome"), patients["outcome"])
        """,
        "MLS302",
    )
    assert lines(findings) == [5]
    assert "`train_test_split` (line 6)" in findings[0].message


def test_targeted_or_unused_drops_and_fills_are_left_alone():
    assert not lint(
        """
        import pandas as pd
        from sklearn.linear_model import LinearRegression

        flats = pd.read_csv("flats.csv")
        flats = flats.dropna(subset=["rent"])
        flats = flats.dropna(how="all")
        flats["balcony"] = flats["balcony"].fillna(0)
        summary = flats.describe().fillna(0)
        summary.to_csv("summary.csv")
        LinearRegression().fit(flats[["area", "balcony"]], flats["rent"])
        """,
        "MLS302",
    )


def test_dropna_on_something_not_known_to_be_pandas_is_left_alone():
    assert not lint(
        """
        import pandas as pd
        import xarray as xr
        from sklearn.cluster import KMeans

        grid = xr.open_dataset("temperature.nc").to_dataframe()
        grid = grid.dropna()
        KMeans(n_clusters=4).fit(grid)
        """,
        "MLS302",
    )


def test_read_excel_without_types_reaching_training_is_advised():
    findings = lint(
        """
        from pandas import read_excel
        from sklearn.naive_bayes import GaussianNB

        trials = read_excel("trials.xlsx", sheet_name="2024")
        GaussianNB().fit(trials[["dose", "age"]], trials["responded"])
        """,
        "MLS303",
    )
    assert lines(findings) == [4]


def test_typed_reads_other_formats_and_reads_not_used_for_training_are_left_alone():
    assert not lint(
        """
        import pandas as pd
        from sklearn.naive_bayes import GaussianNB

        READ_OPTIONS = {"dtype": {"dose": "float32"}}
        trials = pd.read_csv("trials.csv", dtype={"dose": "float32", "age": "int16"})
        extra = pd.read_csv("extra.csv", **READ_OPTIONS)
        sites = pd.read_parquet("sites.parquet")
        report = pd.read_csv("report.csv")
        data = trials.merge(sites, on="site").merge(extra, on="id")
        GaussianNB().fit(data[["dose", "age"]], data["responded"])
        print(report.head())
        """,
        "MLS303",
    )


def test_a_blanket_fill_after_counting_the_nulls_is_a_decision():
    assert not lint(
        """
        import pandas as pd
        from sklearn.ensemble import RandomForestRegressor

        listings = pd.read_csv("listings.csv")
        print(listings.isnull().sum())
        listings.fillna(0, inplace=True)
        RandomForestRegressor().fit(listings.drop(columns="price"), listings["price"])
        """,
        "MLS302",
    )


def test_zero_fill_after_an_outer_join_of_counts_or_of_computed_data_is_left_alone():
    assert not lint(
        """
        import pandas as pd
        from sklearn.linear_model import PoissonRegressor

        visits = pd.read_csv("visits.csv")
        by_page = visits.groupby("user")["page"].count().to_frame("pages")
        by_buy = visits.groupby("user")["order"].count().to_frame("orders")
        activity = by_page.join(by_buy, how="outer")
        activity = activity.fillna(0)
        PoissonRegressor().fit(activity[["pages"]], activity["orders"])

        simulated = pd.DataFrame(simulate_sessions(1000))
        simulated = simulated.fillna(0)
        PoissonRegressor().fit(simulated[["pages"]], simulated["orders"])
        """,
        "MLS302",
    )


def test_a_path_written_out_in_full_names_the_same_data_every_run():
    assert not lint(
        """
        import os
        import pandas as pd
        from datasets import load_dataset
        from sklearn.linear_model import LogisticRegression

        DATA_DIR = "../input/loan-defaults"
        loans = pd.read_csv(os.path.join(DATA_DIR, "train.csv"))
        LogisticRegression().fit(loans[["income"]], loans["default"])

        history = pd.read_parquet(f"{DATA_DIR}/history_2021.parquet")
        LogisticRegression().fit(history[["income"]], history["default"])

        reviews = load_dataset("imdb", split="train")
        LogisticRegression().fit(reviews["length"], reviews["label"])
        """,
        "MLS301",
    )


def test_sources_set_when_the_program_runs_are_reported_with_what_sets_them():
    findings = lint(
        """
        import argparse
        import yaml
        import pandas as pd
        from datasets import load_dataset
        from sklearn.ensemble import GradientBoostingRegressor
        from torch.utils.data import DataLoader

        parser = argparse.ArgumentParser()
        parser.add_argument("--corpus")
        args = parser.parse_args()
        corpus = load_dataset(args.corpus, split="train")
        loader = DataLoader(corpus, batch_size=32)

        with open("params.yaml") as handle:
            params = yaml.safe_load(handle)
        demand = pd.read_parquet(params["data"]["demand_path"])
        GradientBoostingRegressor().fit(demand[["price"]], demand["units"])

        def train_step(features_uri):
            frame = pd.read_parquet(features_uri)
            return GradientBoostingRegressor().fit(frame[["price"]], frame["units"])
        """,
        "MLS301",
    )
    messages = [finding.message for finding in findings]
    assert lines(findings) == [11, 16, 20]
    assert "`load_dataset` comes from a source set on the command line" in messages[0]
    assert "comes from a source set in a config file" in messages[1]
    assert "comes from a source passed to `train_step`" in messages[2]


def test_queries_buckets_and_branch_addresses_are_reported_but_a_pinned_address_is_not():
    findings = lint(
        """
        import pandas as pd
        import sqlalchemy
        from sklearn.cluster import KMeans

        engine = sqlalchemy.create_engine("postgresql://warehouse/analytics")
        customers = pd.read_sql("SELECT * FROM customers", engine)
        KMeans(n_clusters=4).fit(customers[["spend", "visits"]])

        events = pd.read_parquet("s3://telemetry-exports/events/")
        KMeans(n_clusters=4).fit(events[["duration"]])

        labels = pd.read_csv("https://raw.githubusercontent.com/acme/labels/main/labels.csv")
        KMeans(n_clusters=2).fit(labels[["score"]])

        pinned = pd.read_csv(
            "https://raw.githubusercontent.com/acme/labels/3f2c1a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a/labels.csv"
        )
        KMeans(n_clusters=2).fit(pinned[["score"]])
        """,
        "MLS301",
    )
    assert lines(findings) == [6, 9, 12]
    assert ["database query" in findings[0].message, "cloud bucket" in findings[1].message] == [True, True]
    assert "a web address not pinned to a version" in findings[2].message


def test_a_notebook_reading_a_published_file_from_the_web_is_left_alone():
    assert not lint_percent_notebook(
        textwrap.dedent(
            """
        # %% [1]
        import pandas as pd
        from sklearn.model_selection import train_test_split
        strength = pd.read_csv("https://raw.githubusercontent.com/acme/concrete/master/strength.csv")
        # %% [2]
        train, test = train_test_split(strength, test_size=0.25, random_state=1)
        """
        ).lstrip(),
        "MLS301",
    )


def test_a_formatted_address_built_from_arguments_names_the_arguments():
    findings = lint(
        """
        import sys
        import pandas as pd

        month = int(sys.argv[1])
        url = f"https://raw.githubusercontent.com/acme/rides/master/rides_{month:02d}.parquet"
        rides = pd.read_parquet(url)
        scorer.predict(rides[["distance"]])
        """,
        "MLS301",
    )
    assert len(findings) == 1
    assert "comes from a source set on the command line" in findings[0].message


def test_a_file_the_program_wrote_under_a_variable_path_is_not_outside_data():
    assert not lint(
        """
        import sys
        import pandas as pd

        def build_features(raw_path, features_path):
            raw = pd.read_csv(raw_path)
            assert {"amount", "label"} <= set(raw.columns)
            raw.assign(log_amount=raw["amount"].clip(lower=1)).to_parquet(features_path)
            features = pd.read_parquet(features_path)
            classifier.fit(features[["log_amount"]], features["label"])
        """,
        "MLS301",
    )


def test_calling_a_pandera_schema_on_the_frame_validates_it():
    assert not lint(
        """
        import sys
        import pandas as pd
        import pandera.pandas as pa
        from sklearn.linear_model import LogisticRegression

        class Applicants(pa.DataFrameModel):
            age: int = pa.Field(ge=18)

        schema = pa.DataFrameSchema({"income": pa.Column(float, pa.Check.ge(0))})
        model_schema = Applicants.to_schema()

        loans = pd.read_csv(sys.argv[1])
        schema(loans)
        LogisticRegression().fit(loans[["income"]], loans["default"])

        people = pd.read_csv(sys.argv[2])
        model_schema(people)
        LogisticRegression().fit(people[["age"]], people["default"])
        """,
        "MLS301",
    )


def test_a_project_loader_that_filters_rows_before_returning_is_still_a_load():
    findings = lint(
        """
        import sys
        import pandas as pd

        def read_trips(source):
            trips = pd.read_parquet(source)
            trips["minutes"] = (trips.dropoff - trips.pickup).dt.total_seconds() / 60
            trips = trips[(trips.minutes > 0) & (trips.minutes < 120)].copy()
            return trips

        trips = read_trips(sys.argv[1])
        durations = regressor.predict(trips[["distance", "minutes"]])
        """,
        "MLS301",
    )
    assert lines(findings) == [10]
    assert "data loaded by `read_trips` comes from a source set on the command line" in findings[0].message
