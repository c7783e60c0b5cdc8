"""MLS424: a script or notebook written as one long run of top-level code, with no
function or class to name, test or reuse any step of it (IND-3.7-abstraction-debt,
META-B1)."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from mlsmells.engine.calls import is_main_guard
from mlsmells.findings import Family, Severity
from mlsmells.rule import Option, Rule

#: Statements that do no work of their own: they are not counted.
_NOT_WORK = (cst.Import, cst.ImportFrom, cst.Pass, cst.Global, cst.Nonlocal)
#: Libraries that only show things: calls into them are display, not steps of a pipeline.
_DISPLAY_PACKAGES = frozenset({"matplotlib", "seaborn", "plotly", "IPython", "bokeh", "altair", "missingno"})
#: Methods called for what they show (`df.head()`, `ax.set_title(...)`, `model.summary()`).
_DISPLAY_METHODS = frozenset(
    {
        "head", "tail", "describe", "info", "summary", "value_counts", "show", "plot", "hist",
        "imshow", "scatter", "bar", "barh", "boxplot", "heatmap", "legend", "annotate", "text",
        "set_title", "set_xlabel", "set_ylabel", "set_xticks", "set_yticks", "set_xticklabels",
        "set_yticklabels", "set_xlim", "set_ylim", "axis", "grid", "tight_layout", "savefig",
        "suptitle", "title", "xlabel", "ylabel", "xticks", "yticks", "colorbar", "subplot",
    }
)


class MonolithicScript(Rule):
    """
    A module or notebook that defines no function and no class anywhere, and runs more
    top-level statements than a threshold (separate thresholds for Python files and
    notebooks). Counted are the statements that do work, at any depth: every simple
    statement and every `if`, `for`, `while`, `with`, `try` and `match` (so the body of a
    long loop counts in full, and so does the body of `if __name__ == "__main__":`, whose
    test is not counted). Not counted: imports, docstrings and other bare strings, `pass`,
    `...`, `global`, assignments of plain literals (`BATCH_SIZE = 64`,
    `LABELS = ["cat", "dog"]`), so a configuration module of constants is not a script, and
    statements that only show something (`print(...)`, `display(...)`, `frame.head()`,
    `model.summary()`, matplotlib, seaborn and plotly calls and the charts they build, a
    bare value at the end of a cell), so an exploratory analysis is measured by its steps,
    not by its charts.
    Only files that import an ML library are checked.
    """

    code = "MLS424"
    name = "monolithic-script"
    family = Family.ARCHITECTURE
    severity = Severity.ADVICE
    precision = "medium"
    summary = "A long script or notebook with no functions or classes."
    challenges = ("IND-3.7-abstraction-debt", "META-B1")
    #: ML code only: a long function-free script that trains nothing is not this smell.
    required_modules = frozenset(
        {
            "sklearn", "torch", "tensorflow", "keras", "xgboost", "lightgbm", "catboost",
            "transformers", "statsmodels", "imblearn", "fastai", "lightning", "pytorch_lightning",
            "sentence_transformers", "timm", "prophet", "gensim", "mlflow",
        }
    )
    options = (
        Option(
            "max-statements",
            "int",
            60,
            "Most statements a function-free Python file may run. Default 60: function-free "
            "modules in the transformers, timm, sentence-transformers and Lightning wheels run at "
            "most 39, nanoGPT's sample.py 44; the training scripts of pytorch/examples (77) and "
            "PyTorch-GAN (71, 76) and the chapter scripts of machine-learning-book (62 to 89) run more.",
        ),
        Option(
            "max-notebook-statements",
            "int",
            120,
            "Most statements a function-free notebook may run. Default 120: the Python Data "
            "Science Handbook's function-free notebooks run at most 40; of the 179 function-free "
            "ML notebooks among 1,215 Kaggle kernels, the median runs 45, one in ten more than "
            "107, and 13 more than 120.",
        ),
    )
    why = (
        "A script with no functions is one long chain of global state: no step of it can be "
        "tested, reused, or run again on its own, and turning it into a pipeline means "
        "rewriting it. IND-3.7 names this abstraction debt; META-B1 reports that exploratory "
        "model code, often in notebooks, is hard to move into production pipelines. Short "
        "scripts are fine; the threshold is where the missing structure starts to cost."
    )
    bad = (
        '''
        import joblib
        import numpy as np
        import pandas as pd
        from sklearn.ensemble import GradientBoostingClassifier
        from sklearn.metrics import classification_report, roc_auc_score
        from sklearn.model_selection import train_test_split

        customers = pd.read_csv("data/customers.csv")
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
        usage = pd.read_csv("data/usage.csv")
        tickets = pd.read_csv("data/tickets.csv")
        plans = pd.read_csv("data/plans.csv").set_index("plan")
        customers = customers.drop_duplicates("customer_id")
        customers = customers.dropna(subset=["signup_date"])
        customers["signup_date"] = pd.to_datetime(customers["signup_date"])
        customers["tenure_days"] = (pd.Timestamp("2024-01-01") - customers["signup_date"]).dt.days
        customers["tenure_years"] = customers["tenure_days"] / 365
        customers["is_business"] = customers["plan"].str.startswith("biz").astype(int)
        customers["region"] = customers["region"].fillna("unknown")
        usage["month"] = pd.to_datetime(usage["month"])
        usage = usage[usage["month"] >= "2023-01-01"]
        monthly = usage.groupby("customer_id")["minutes"].agg(["mean", "std", "max"])
        monthly.columns = ["minutes_mean", "minutes_std", "minutes_max"]
        monthly["minutes_std"] = monthly["minutes_std"].fillna(0)
        data_usage = usage.groupby("customer_id")["megabytes"].sum().rename("megabytes_total")
        trend = usage.sort_values("month").groupby("customer_id")["minutes"].apply(lambda m: m.iloc[-3:].mean() - m.mean())
        trend = trend.rename("minutes_trend")
        tickets["opened"] = pd.to_datetime(tickets["opened"])
        recent = tickets[tickets["opened"] >= "2023-07-01"]
        ticket_counts = recent.groupby("customer_id").size().rename("tickets_recent")
        complaints = recent[recent["kind"] == "complaint"].groupby("customer_id").size().rename("complaints")
        frame = customers.set_index("customer_id")
        frame = frame.join(monthly).join(data_usage).join(trend)
        frame = frame.join(ticket_counts).join(complaints)
        frame[["tickets_recent", "complaints"]] = frame[["tickets_recent", "complaints"]].fillna(0)
        frame = frame.fillna(frame.median(numeric_only=True))
        frame["complaint_rate"] = frame["complaints"] / (frame["tickets_recent"] + 1)
        frame["log_megabytes"] = np.log1p(frame["megabytes_total"])
        frame = pd.get_dummies(frame, columns=["region", "plan"])
        frame = frame.join(plans, on="plan")
        frame["price_per_minute"] = frame["monthly_price"] / (frame["minutes_mean"] + 1)
        labels = frame.pop("churned")
        frame = frame.drop(columns=["signup_date", "tenure_days", "megabytes_total"])
        churn_rate = labels.mean()
        X_train, X_test, y_train, y_test = train_test_split(frame, labels, test_size=0.2, stratify=labels, random_state=7)
        weights = np.where(y_train == 1, (1 - churn_rate) / churn_rate, 1.0)
        model = GradientBoostingClassifier(n_estimators=300, learning_rate=0.05, max_depth=3, random_state=7)
        model.fit(X_train, y_train, sample_weight=weights)
        train_scores = model.predict_proba(X_train)[:, 1]
        test_scores = model.predict_proba(X_test)[:, 1]
        train_auc = roc_auc_score(y_train, train_scores)
        test_auc = roc_auc_score(y_test, test_scores)
        predictions = (test_scores > 0.5).astype(int)
        report = classification_report(y_test, predictions, output_dict=True)
        importances = pd.Series(model.feature_importances_, index=frame.columns)
        importances = importances.sort_values(ascending=False)
        importances = importances / importances.sum()
        top_features = importances.index[:15]
        model_small = GradientBoostingClassifier(n_estimators=300, learning_rate=0.05, max_depth=3, random_state=7)
        model_small.fit(X_train[top_features], y_train, sample_weight=weights)
        small_scores = model_small.predict_proba(X_test[top_features])[:, 1]
        small_auc = roc_auc_score(y_test, small_scores)
        results = X_test.assign(score=test_scores, churned=y_test)
        results["decile"] = pd.qcut(results["score"], 10, labels=False)
        lift = results.groupby("decile")["churned"].mean() / results["churned"].mean()
        lift = lift.rename("lift")
        lift.to_csv("outputs/lift.csv")
        importances.to_csv("outputs/importances.csv")
        results.to_csv("outputs/test_scores.csv")
        joblib.dump(model, "outputs/churn-model.joblib")
        joblib.dump(list(frame.columns), "outputs/churn-columns.joblib")
        summary = pd.Series({"train_auc": train_auc, "test_auc": test_auc, "small_auc": small_auc})
        summary["recall_churned"] = report["1"]["recall"]
        summary.to_json("outputs/metrics.json")
        ''',
    )
    good = (
        '''
        import pandas as pd
        from sklearn.linear_model import LogisticRegression

        def load_customers(path):
            frame = pd.read_csv(path).dropna(subset=["tenure"])
            frame["tenure_years"] = frame["tenure"] / 12
            return frame

        def train(frame):
            features = frame[["tenure_years", "monthly_charges"]]
            return LogisticRegression().fit(features, frame["churned"])

        if __name__ == "__main__":
            print(train(load_customers("churn.csv")).score)
        ''',
    )
    use_instead = (
        "Name the steps: move loading, feature preparation, training and evaluation into "
        "functions (or a `Pipeline`) and keep the top level to a few calls under "
        "`if __name__ == \"__main__\":`. In a notebook, define the reusable steps in a module "
        "and import them."
    )
    notebook_behavior = (
        "The code cells are counted as one module, against `max-notebook-statements`: a "
        "notebook is top-level code by nature, so it gets its own, higher threshold. The "
        "finding points at the first counted statement; `# noqa: MLS424` on that line (or "
        "`# mlsmells: noqa: MLS424` on a line of its own) silences it."
    )
    limitations = (
        "The defaults were measured on the function-free files that import an ML library: "
        "Python files in the transformers, timm, sentence-transformers and Lightning wheels, "
        "pytorch/examples, nanoGPT, PyTorch-GAN, ML-From-Scratch and machine-learning-book, "
        "and notebooks in the Python Data Science Handbook, handson-ml2/3 (none is "
        "function-free) and 1,215 Kaggle kernels. A script that defines one trivial function "
        "is not reported however long its top level is. Long exploratory analyses and book "
        "chapters written as one linear narrative are reported too, and their authors may "
        "prefer them linear: of 30 Kaggle findings read, 23 were end-to-end training "
        "workflows that functions would help, 7 chart-heavy analyses. Plotting through an object "
        "counts unless the method is a known display method (`ax.set_title`, `ax.plot`). "
        "The finding is at the first counted statement, where `# noqa: MLS424` silences it."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.statements = 0
        self.defines = False
        self.first: cst.CSTNode | None = None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.defines = True

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.defines = True

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._count(node.body)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._count(node.body)

    def _count(self, statements: Sequence[cst.BaseSmallStatement]) -> None:
        for statement in statements:
            if _does_work(statement) and not self._displays(statement):
                self.statements += 1
                if self.first is None:
                    self.first = statement

    def _displays(self, statement: cst.BaseSmallStatement) -> bool:
        """A statement that shows something: `frame.head()`, `plt.show()`, `print(score)`,
        `sns.histplot(...)`, a notebook cell's last value (`frame`), or a chart being built
        (`fig, ax = plt.subplots()`, `trace = go.Bar(...)`)."""
        if isinstance(statement, cst.Assign | cst.AnnAssign) and isinstance(statement.value, cst.Call):
            names = self.file.qualified_names(statement.value.func)
            return any(name.split(".", 1)[0] in _DISPLAY_PACKAGES for name in names)
        if not isinstance(statement, cst.Expr):
            return False
        value = statement.value
        if not isinstance(value, cst.Call):
            return True
        names = self.file.qualified_names(value.func)
        if isinstance(value.func, cst.Name) and value.func.value == "display" and not names:
            return True  # IPython's `display`, available in notebooks without an import
        return (
            any(name in ("builtins.print", "IPython.display.display") for name in names)
            or any(name.split(".", 1)[0] in _DISPLAY_PACKAGES for name in names)
            or isinstance(value.func, cst.Attribute) and value.func.attr.value in _DISPLAY_METHODS
        )

    def visit_If(self, node: cst.If) -> None:
        if not is_main_guard(node.test):
            self._count_compound(node)

    def visit_For(self, node: cst.For) -> None:
        self._count_compound(node)

    def visit_While(self, node: cst.While) -> None:
        self._count_compound(node)

    def visit_With(self, node: cst.With) -> None:
        self._count_compound(node)

    def visit_Try(self, node: cst.Try) -> None:
        self._count_compound(node)

    def visit_Match(self, node: cst.Match) -> None:
        self._count_compound(node)

    def _count_compound(self, node: cst.BaseCompoundStatement) -> None:
        self.statements += 1
        if self.first is None:
            self.first = node

    def end_file(self) -> None:
        if self.defines or self.first is None:
            return
        notebook = self.file.notebook is not None
        limit = self.settings["max-notebook-statements" if notebook else "max-statements"]
        if self.statements <= limit:
            return
        kind = "notebook" if notebook else "script"
        self.report(
            self.first,
            f"this {kind} runs {self.statements} top-level statements (threshold {limit}) and "
            "defines no function or class: no step of it can be tested or reused on its own; "
            "move loading, preparation, training and evaluation into named functions",
        )


def _does_work(statement: cst.BaseSmallStatement) -> bool:
    """Whether a simple statement counts: not an import, a string, `pass` or a constant."""
    if isinstance(statement, _NOT_WORK):
        return False
    if isinstance(statement, cst.Expr):
        return not isinstance(statement.value, cst.SimpleString | cst.ConcatenatedString | cst.Ellipsis)
    if isinstance(statement, cst.Assign | cst.AnnAssign):
        return statement.value is None or not _is_literal(statement.value)
    return True


def _is_literal(expr: cst.BaseExpression) -> bool:
    """`64`, `-1e-3`, `"resnet50"`, `None`, `(224, 224)`, `["cat", "dog"]`, `{"lr": 0.1}`."""
    if isinstance(expr, cst.Integer | cst.Float | cst.Imaginary | cst.SimpleString | cst.ConcatenatedString):
        return True
    if isinstance(expr, cst.Name):
        return expr.value in ("True", "False", "None")
    if isinstance(expr, cst.UnaryOperation):
        return _is_literal(expr.expression)
    if isinstance(expr, cst.List | cst.Tuple | cst.Set):
        return all(isinstance(e, cst.Element) and _is_literal(e.value) for e in expr.elements)
    if isinstance(expr, cst.Dict):
        return all(
            isinstance(e, cst.DictElement) and _is_literal(e.key) and _is_literal(e.value) for e in expr.elements
        )
    return False
