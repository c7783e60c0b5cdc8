"""MLS324 (row iteration) and MLS325 (growing in a loop) beyond their documented examples."""

from __future__ import annotations

import textwrap

from conftest import lines, lint, lint_percent_notebook

# MLS325 ---------------------------------------------------------------------------------


def test_growth_through_aliases_and_every_concatenation():
    findings = lint(
        """
        import numpy
        import tensorflow as tf
        from numpy import vstack as stack_rows
        from torch import cat

        def gather(batches):
            features = numpy.empty((0, 16))
            labels = numpy.array([])
            embeddings = None
            scores = tf.zeros((0,))
            for batch in batches:
                features = stack_rows((features, batch.features))
                labels = numpy.append(labels, batch.labels)
                if embeddings is None:
                    embeddings = batch.embeddings
                else:
                    embeddings = cat([embeddings, batch.embeddings], dim=0)
                scores = tf.concat([scores, batch.scores], axis=0)
            return features, labels, embeddings, scores
        """,
        "MLS325",
    )
    assert lines(findings) == [12, 13, 17, 18]
    assert "`features` is grown by concatenation" in findings[0].message


def test_while_loop_and_frame_append_on_a_known_frame():
    findings = lint(
        """
        import pandas as pd

        log = pd.DataFrame(columns=["step", "loss"])
        step = 0
        while step < max_steps:
            loss = train_step()
            log = log.append(pd.Series({"step": step, "loss": loss}))
            step += 1
        """,
        "MLS325",
    )
    assert lines(findings) == [7]


def test_notebook_accumulator_from_an_earlier_cell():
    findings = lint_percent_notebook(
        textwrap.dedent(
            """
        # %% [1]
        import pandas as pd
        results = pd.DataFrame()
        # %% [2]
        for path in tqdm(shard_paths):
            shard = pd.read_parquet(path)
            results = pd.concat([results, shard])
        """
        ).lstrip(),
        "MLS325",
    )
    assert [(f.cell, f.span.line) for f in findings] == [(2, 3)]


def test_list_collected_then_concatenated_once_is_quiet():
    assert not lint(
        """
        import numpy as np
        import pandas as pd

        parts, rows = [], []
        for path in sorted(paths):
            parts.append(pd.read_parquet(path))
            rows += [np.load(path.with_suffix(".npy"))]
        frame = pd.concat(parts)
        matrix = np.vstack(rows)
        """,
        "MLS325",
    )


def test_concatenating_into_a_fresh_variable_each_iteration_is_quiet():
    assert not lint(
        """
        import torch

        for images, masks in loader:
            pair = torch.cat([images, masks], dim=1)
            pair = torch.cat([pair, positional_channels], dim=1)
            loss = criterion(model(pair), masks)
        """,
        "MLS325",
    )


def test_generation_loop_that_feeds_the_sequence_back_is_quiet():
    assert not lint(
        """
        import torch

        @torch.no_grad()
        def sample(model, idx, max_new_tokens):
            while idx.size(1) < max_new_tokens:
                logits = model(idx[:, -block_size:])
                next_id = torch.multinomial(logits[:, -1].softmax(-1), 1)
                idx = torch.cat((idx, next_id), dim=1)
            return idx
        """,
        "MLS325",
    )


def test_few_written_out_iterations_and_tensor_arrays_are_quiet():
    assert not lint(
        """
        import numpy as np
        import pandas as pd
        import tensorflow as tf

        features = base_features
        for k in range(4):
            features = np.concatenate((features, np.roll(base_features, k, axis=1)), axis=1)
        frames = pd.DataFrame()
        for name in ("train.csv", "extra.csv"):
            frames = pd.concat([frames, pd.read_csv(name)])

        @tf.function
        def decode(steps):
            outputs = tf.TensorArray(tf.float32, size=steps)
            for step in tf.range(steps):
                outputs = outputs.write(step, cell(step))
            return outputs.stack()
        """,
        "MLS325",
    )


def test_list_append_and_unknown_append_are_not_frame_appends():
    assert not lint(
        """
        import numpy as np

        history = History()
        for epoch in range(epochs):
            history = history.append(train_epoch(epoch))
        """,
        "MLS325",
    )


def test_function_defined_in_a_loop_is_not_per_iteration():
    assert not lint(
        """
        import numpy as np

        acc = np.zeros(0)
        for name in names:
            def extend(values):
                acc = np.append(acc, values)
                return acc
            callbacks[name] = extend
        """,
        "MLS325",
    )


def test_loops_whose_trip_count_grows_with_the_data():
    findings = lint(
        """
        import os
        import numpy as np
        import pandas as pd
        import torch

        def embed_corpus(encoder, corpus_dir):
            vectors = np.empty((0, 384))
            for name in sorted(os.listdir(corpus_dir)):
                vectors = np.vstack((vectors, encoder(open(name).read())))
            return vectors

        def score_rows(model, frame):
            preds = np.array([])
            for start in range(0, len(frame), 512):
                preds = np.append(preds, model.predict(frame[start:start + 512]))
            return preds

        def sample_chain(sampler, n_samples):
            draws = torch.zeros(0, 8)
            for _ in range(n_samples):
                draws = torch.cat([draws, sampler.step()])
            return draws

        def read_all(batch_iter):
            merged = pd.DataFrame()
            while True:
                try:
                    merged = pd.concat([merged, next(batch_iter)])
                except StopIteration:
                    break
            return merged
        """,
        "MLS325",
    )
    assert lines(findings) == [9, 15, 21, 28]
    assert "every iteration of this loop over the data" in findings[0].message


def test_short_loops_over_model_parts_are_quiet():
    assert not lint(
        """
        import numpy as np
        import pandas as pd
        from sklearn.model_selection import KFold

        def stack_predictions(estimators, X, y):
            meta = np.empty((X.shape[0], 0))
            for est in estimators:
                meta = np.column_stack((meta, est.fit(X, y).predict(X)))
            out_of_fold = pd.DataFrame()
            for train_idx, valid_idx in KFold(5).split(X):
                out_of_fold = pd.concat([out_of_fold, score(train_idx, valid_idx)])
            return meta, out_of_fold

        def one_hot(frame, categorical_cols):
            encoded = pd.DataFrame(index=frame.index)
            for col in categorical_cols:
                encoded = pd.concat([encoded, pd.get_dummies(frame[col], prefix=col)], axis=1)
            return encoded

        def resample(X, y, n_clusters, classes):
            kept = np.array([], dtype=int)
            for label in range(len(classes)):
                kept = np.append(kept, np.flatnonzero(y == label))
            centers = np.empty((0, X.shape[1]))
            for k in range(n_clusters):
                centers = np.vstack([centers, X[kept].mean(axis=0)])
            for feature in range(X.shape[1]):
                centers = np.hstack([centers, X[:, feature:feature + 1].mean(axis=0, keepdims=True)])
            return kept, centers
        """,
        "MLS325",
    )


def test_a_named_literal_list_is_as_short_as_the_literal():
    assert not lint(
        """
        import pandas as pd

        monthly_files = ["2023-01.parquet", "2023-02.parquet"]
        trips = pd.DataFrame()
        for path in monthly_files:
            trips = pd.concat([trips, pd.read_parquet(path)])
        """,
        "MLS325",
    )


def test_inner_short_loop_counts_when_the_outer_loop_carries_the_accumulator():
    code = """
        import numpy as np

        def tile_features(images):
            features = np.empty((0, 64))
            for image in images:
                for scale in (1, 2):
                    features = np.vstack([features, describe(image, scale)])
            return features

        def per_image(images):
            for image in images:
                crops = np.empty((0, 64))
                for scale in (1, 2):
                    crops = np.vstack([crops, describe(image, scale)])
                yield crops
        """
    assert lines(lint(code, "MLS325")) == [7]


# MLS324 ---------------------------------------------------------------------------------


def test_itertuples_and_positional_row_loops():
    findings = lint(
        """
        import numpy as np
        import pandas as pd

        sales = pd.read_csv("sales.csv")
        margin = {}
        for row in sales.itertuples():
            margin[row.sku] = (row.price - row.cost) / row.price
        for i in range(len(sales)):
            if sales.loc[i, "units"] > 0:
                sales.loc[i, "log_units"] = np.log(sales.loc[i, "units"])
        for i in range(sales.shape[0]):
            sales["revenue"][i] = sales["price"][i] * sales["units"][i]
        """,
        "MLS324",
    )
    assert lines(findings) == [6, 8, 11]
    assert "`sales.itertuples()` loops over the rows" in findings[0].message
    assert "reads `sales` one row at a time" in findings[1].message


def test_apply_with_row_arithmetic_through_numpy_and_conditions():
    findings = lint(
        """
        import numpy as np
        import pandas as pd

        houses = load_houses()
        houses["dist"] = houses.apply(lambda r: np.sqrt(r.x ** 2 + r.y ** 2), axis=1)
        houses["big"] = houses.apply(lambda r: 1 if r["rooms"] > 4 else 0, axis="columns")
        houses["label"] = houses.apply(lambda r: describe(r["rooms"]), axis=1)
        houses["first"] = houses.apply(lambda r: r["rooms"], axis=1)
        houses["scaled"] = houses["price"].apply(lambda p: p / 1000)
        houses["row_sum"] = houses.apply(lambda r: r.sum() * 2, axis=1)
        houses["shared"] = houses.apply(lambda r: r["tags"] & r["wanted_tags"], axis=1)
        """,
        "MLS324",
    )
    assert lines(findings) == [5, 6]


def test_row_loops_that_do_per_row_work_are_quiet():
    assert not lint(
        """
        import os
        import matplotlib.pyplot as plt
        import pandas as pd

        meta = pd.read_csv("meta.csv")
        for _, row in meta.iterrows():
            plt.text(row["x"], row["y"], row["label"])
        for _, row in meta.iterrows():
            paths.append(os.path.join(root, row["file"]))
        for _, row in meta.iterrows():
            names.append(f"{row['first']} {row['last']}")
        for idx, row in meta.iterrows():
            predictions[idx] = model.predict(row[features].to_numpy().reshape(1, -1))

        def batches():
            while True:
                for _, row in meta.iterrows():
                    yield row["image"] / 255.0, row["mask"]

        for idx, row in meta.iterrows():
            cell = row.iloc[column]
            if cell.parsed is not None:
                parsed[idx] = cell.parsed
        previous = None
        for idx, row in meta.iterrows():
            if row["team"] != previous:
                streak = 0
            previous = row["team"]
        for idx, row in meta.iterrows():
            meta.loc[idx, "conservative"] = row["rating"].mu - 3 * row["rating"].sigma
        """,
        "MLS324",
    )


def test_positional_loop_needs_a_known_frame_and_a_row_read():
    assert not lint(
        """
        import pandas as pd

        frame = pd.read_csv("data.csv")
        for i in range(len(frame)):
            totals[i] = weights[i] * 2
        for i in range(len(batches)):
            batches.loc[i] = batches.loc[i] * 2
        """,
        "MLS324",
    )
