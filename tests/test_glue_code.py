"""MLS411 (glue code) and MLS412 (private ML APIs) beyond their documented examples."""

from __future__ import annotations

import re
import textwrap

import pytest
from conftest import lint, lint_percent_notebook

from mlsmells.engine.linter import lint_source
from mlsmells.registry import find_rule
from mlsmells.rules.architecture.glue_code import private_part

# MLS411 ------------------------------------------------------------------------------------


def _measure(code: str, **options):
    """Findings of MLS411 with its thresholds lowered to report every unit with a conversion."""
    rule = find_rule("MLS411")
    settings = {**rule.default_options(), "min-share": 0.0, "min-conversions": 1, "min-libraries": 0, **options}
    return lint_source("example.py", textwrap.dedent(code).lstrip("\n"), [rule], {rule: settings}).findings


def _numbers(message: str) -> tuple[int, int, int, int]:
    """(glue statements, statements, conversions, libraries) from a finding's message."""
    glue, statements = map(int, re.search(r"(\d+) of its (\d+) statements", message).groups())
    conversions, libraries = map(int, re.search(r"with (\d+) conversions bridging (\d+) libraries", message).groups())
    return glue, statements, conversions, libraries


def test_a_detach_cpu_numpy_chain_is_one_conversion_bridging_torch_and_numpy():
    (finding,) = _measure(
        """
        import torch

        def to_array(logits):
            probabilities = torch.softmax(logits, dim=-1)
            return probabilities.detach().cpu().numpy()
        """
    )
    assert _numbers(finding.message) == (1, 2, 1, 2)
    assert "(NumPy, PyTorch)" in finding.message


def test_conversions_are_matched_through_aliases():
    (finding,) = _measure(
        """
        def load_features(path):
            import pandas as tables
            from numpy import asarray as as_array
            from torch import from_numpy

            frame = tables.read_csv(path)
            matrix = as_array(frame)
            return from_numpy(matrix)
        """
    )
    assert _numbers(finding.message) == (2, 3, 2, 3)


def test_methods_on_values_of_unknown_origin_bridge_no_library():
    (finding,) = _measure(
        """
        import numpy as np

        def collect(outputs, labels):
            predictions = outputs.numpy()
            targets = labels.values
            return predictions.tolist(), targets.tolist()
        """
    )
    # `.values` only reads a column's array: a glue statement, not a conversion. Only
    # `.tolist()` of what `.numpy()` produced has a known source: NumPy.
    assert _numbers(finding.message) == (3, 3, 3, 1)
    assert "(NumPy)" in finding.message


def test_reading_column_arrays_for_feature_engineering_is_not_glue():
    # Every statement reads `.values`, but only to compute features with NumPy.
    findings = lint(
        """
        import numpy as np
        import pandas as pd

        trips = pd.read_csv("trips.csv")
        trips["distance"] = np.hypot(trips["dx"].values, trips["dy"].values)
        trips["bearing"] = np.arctan2(trips["dy"].values, trips["dx"].values)
        trips["speed"] = trips["distance"].values / trips["duration"].to_numpy()
        trips["log_speed"] = np.log1p(trips["speed"].values)
        trips["slow"] = trips["speed"].values < np.median(trips["speed"].values)
        """,
        "MLS411",
    )
    assert findings == []


def test_literals_detach_alone_and_own_attributes_are_not_conversions():
    findings = _measure(
        """
        import numpy as np
        import torch

        class RunningMean:
            def update(self, loss):
                self.values.append(loss.detach())
                weights = np.array([0.25, 0.75])
                mask = torch.tensor([[1, 0], [0, 1]])
                self.model.cpu()
                return weights, mask
        """
    )
    assert findings == []


def test_glue_function_is_reported_with_its_measurement_and_thresholds():
    (finding,) = lint(
        """
        import numpy as np
        import pandas as pd
        import torch

        def predict_frame(model, frame):
            inputs = torch.tensor(frame.values, dtype=torch.float32)
            outputs = model(inputs).detach().cpu().numpy()
            outputs = np.squeeze(outputs)
            labels = outputs.argmax(axis=-1).tolist()
            probabilities = pd.DataFrame(outputs, index=frame.index)
            return labels, np.asarray(probabilities)
        """,
        "MLS411",
    )
    assert finding.span.line == 5
    assert "`predict_frame` is glue code: 6 of its 6 statements (100%)" in finding.message
    assert "5 conversions bridging 3 libraries (NumPy, PyTorch, pandas)" in finding.message
    assert "(thresholds: 50% of statements, 5 conversions, 2 libraries)" in finding.message


def test_a_training_step_with_a_few_conversions_is_not_glue():
    findings = lint(
        """
        import numpy as np
        import torch

        def train_epoch(model, loader, optimizer, loss_fn):
            model.train()
            losses, correct = [], 0
            for features, labels in loader:
                features = torch.from_numpy(features).float()
                labels = torch.as_tensor(labels)
                optimizer.zero_grad()
                logits = model(features)
                loss = loss_fn(logits, labels)
                loss.backward()
                optimizer.step()
                losses.append(loss.item())
                correct += (logits.argmax(1) == labels).sum().item()
            return np.mean(losses), correct / len(loader.dataset)
        """,
        "MLS411",
    )
    assert findings == []


def test_reshaping_inside_one_library_is_not_glue():
    # Attention code reshapes a lot, but never leaves PyTorch.
    findings = lint(
        """
        import torch

        def split_heads(hidden, heads):
            batch, length, width = hidden.shape
            hidden = hidden.reshape(batch, length, heads, width // heads)
            hidden = hidden.transpose(1, 2)
            query = torch.squeeze(hidden[:, :1], 1)
            keys = hidden.reshape(batch * heads, length, -1)
            values = keys.unsqueeze(0)
            return query, keys, values.squeeze(0)
        """,
        "MLS411",
    )
    assert findings == []


def test_thresholds_come_from_options():
    code = """
        import numpy as np
        import torch

        def to_numpy(batch):
            return np.asarray(torch.as_tensor(batch).cpu())
        """
    assert _measure(code, **{"min-conversions": 2}) == []
    assert len(_measure(code, **{"min-conversions": 1, "min-libraries": 2})) == 1
    assert _measure(code, **{"min-libraries": 3}) == []


def test_notebook_cells_are_measured_one_by_one():
    findings = lint_percent_notebook(
        """# %% [1]
import numpy as np
import pandas as pd
import torch

frame = pd.read_csv("train.csv")
# %% [2]
features = frame.drop(columns="label").to_numpy()
labels = frame["label"].values
features = features.astype(np.float32)
x = torch.from_numpy(features)
y = torch.tensor(labels)
weights = torch.as_tensor(frame["weight"].to_numpy())
x_list = x.numpy().tolist()
check = pd.DataFrame(y.numpy(), columns=["label"])
# %% [3]
model = torch.nn.Linear(4, 2)
print(model(x[:3]))
""",
        "MLS411",
    )
    assert [(finding.cell, finding.span.line) for finding in findings] == [(2, 1)]
    assert findings[0].message.startswith("cell 2 is glue code: 8 of its 8 statements")


def test_module_top_level_of_a_script_is_one_unit():
    (finding,) = _measure(
        """
        import numpy as np
        import pandas as pd

        frame = pd.read_csv("scores.csv")
        print(frame.describe())
        scores = frame["score"].to_numpy().tolist()
        """
    )
    assert finding.message.startswith("the module's top level is glue code: 1 of its 3 statements")
    assert "1 conversions bridging 2 libraries (NumPy, pandas)" in finding.message


# MLS412 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qualified", "private"),
    [
        ("sklearn.utils._testing.assert_allclose", "sklearn.utils._testing"),
        ("sklearn.metrics._scorer", "sklearn.metrics._scorer"),
        ("torch._C._get_tracing_state", "torch._C"),
        ("torch._dynamo.config.suppress_errors", "torch._dynamo"),
        ("torch.nn.modules.utils._pair", "torch.nn.modules.utils._pair"),
        ("tensorflow.python.keras.engine", "tensorflow.python"),
        ("keras.src.layers.Dense", "keras.src"),
        ("torch.__version__", None),
        ("torch._assert", None),
        ("torch._foreach_add_", None),
        ("torch._logging.set_logs", None),
        ("torch._check_is_size", None),
        ("sklearn.linear_model.LogisticRegression", None),
        ("tensorflow.keras.layers", None),
        ("mypackage._internal.helpers", None),
    ],
)
def test_private_part(qualified, private):
    assert private_part(qualified) == private


def test_private_modules_imported_and_used_under_aliases_are_reported_once_each():
    findings = lint(
        """
        import torch
        import torch._dynamo as dynamo
        from sklearn.utils import _safe_indexing
        from sklearn.ensemble._forest import ForestClassifier

        def compile_model(model):
            dynamo.config.suppress_errors = True
            torch._dynamo.reset()
            return torch.compile(model)

        def subset(rows, index):
            return _safe_indexing(rows, index)
        """,
        "MLS412",
    )
    assert [(f.span.line, f.span.column) for f in findings] == [(2, 8), (3, 27), (4, 6)]
    assert findings[0].message.startswith("`torch._dynamo` is private to PyTorch (used 3 times in this file)")
    assert findings[1].message.startswith("`sklearn.utils._safe_indexing` is private to scikit-learn (used 2 times")


def test_private_attributes_only_of_objects_a_library_call_made():
    findings = lint(
        """
        from collections import namedtuple

        import torch
        from transformers import AutoTokenizer

        def inspect(checkpoint, other):
            tokenizer = AutoTokenizer.from_pretrained(checkpoint)
            backend = tokenizer._tokenizer
            layer = torch.nn.Linear(4, 2)
            count = len(layer._parameters)
            point = namedtuple("Point", "x y")(1, 2)._replace(x=3)
            result = torch.linalg.eigh(torch.eye(2))
            return backend, count, point, other._cache, result._asdict(), layer.weight
        """,
        "MLS412",
    )
    assert [f.span.line for f in findings] == [8, 10]
    assert findings[0].message.startswith("`tokenizer._tokenizer` (on an object transformers made) is private")


def test_a_name_rebound_to_project_code_is_no_longer_a_library_object():
    findings = lint(
        """
        from sklearn.preprocessing import StandardScaler

        def fit_scaler(frame, build_scaler):
            scaler = StandardScaler()
            scaler = build_scaler(scaler)
            return scaler._fitted
        """,
        "MLS412",
    )
    assert findings == []


def test_a_package_may_use_its_own_private_modules():
    code = """
        import torch
        from transformers.utils._import_utils import is_torch_available

        def tracing():
            return torch._C._get_tracing_state()
        """
    inside = lint(code, "MLS412", path="site-packages/transformers/models/bert/modeling_bert.py")
    outside = lint(code, "MLS412", path="src/churn/model.py")
    assert [f.message.split("`")[1] for f in inside] == ["torch._C"]
    assert [f.message.split("`")[1] for f in outside] == ["transformers.utils._import_utils", "torch._C"]


def test_relative_imports_and_public_names_are_fine():
    findings = lint(
        """
        import numpy as np
        import torch
        from torch.utils.data import DataLoader
        from ._private import helper

        def describe(model: torch.nn.Module, loader: DataLoader):
            return np.__version__, torch.cuda.is_available(), model.training, helper(loader)
        """,
        "MLS412",
    )
    assert findings == []


def test_private_attributes_the_project_sets_itself_are_its_own():
    findings = lint(
        """
        import numpy as np
        from sklearn.svm import LinearSVR

        def support_vectors(model, features, targets):
            off_margin = np.abs(targets - model.predict(features)) >= model.epsilon
            return np.argwhere(off_margin)

        regressor = LinearSVR(epsilon=0.5)
        regressor.fit(features, targets)
        regressor._support = support_vectors(regressor, features, targets)
        highlighted = features[regressor._support]
        """,
        "MLS412",
    )
    assert findings == []


def test_imports_with_an_import_error_fallback_are_compatibility_shims():
    findings = lint(
        """
        import torch
        from packaging import version

        try:
            from torch.hub import download_url_to_file
        except ImportError:
            from torch.utils.model_zoo import _download_url_to_file as download_url_to_file

        try:
            from sklearn.utils._testing import ignore_warnings
        except (ModuleNotFoundError, RuntimeError):
            ignore_warnings = None

        try:
            from sklearn.metrics._scorer import _SCORERS
        except KeyError:
            _SCORERS = {}

        def clear_workspaces():
            if hasattr(torch._C, "_cuda_clearCublasWorkspaces"):
                torch._C._cuda_clearCublasWorkspaces()

        if version.parse(torch.__version__) >= version.parse("2.9"):
            from torch._higher_order_ops.associative_scan import associative_scan
        else:
            associative_scan = None

        download_url_to_file("https://example.org/weights.pt", "weights.pt")
        print(torch._C._get_tracing_state())
        inductor = torch._inductor.config if hasattr(torch, "_inductor") else None
        compiling = torch._dynamo.is_compiling() if TRACE else False
        build_dir = torch.utils.cpp_extension._get_build_directory("ops", False)  # pylint: disable=protected-access
        graph = torch.fx._symbolic_trace.Tracer()  # noqa: SLF001
        """,
        "MLS412",
    )
    assert [f.span.line for f in findings] == [15, 29, 31]
