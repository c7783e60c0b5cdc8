"""MLS301 to MLS303, missing data validation: data read from outside a program is trusted
as it comes. Teams "make but do not check assumptions about the data" (META-D1,
COLLAB-6.2-evolving-data), and validation is the step they most often skip (SLR-CM08,
SLR-CM09). The rules follow a loaded frame through the file's own assignments
(engine/dataflow.py) to the place a model learns from it or predicts on it."""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from mlsmells.engine.calls import (
    callee_name,
    code_of,
    has_double_star,
    is_true,
    keyword_arg,
)
from mlsmells.engine.dataflow import Definition, Kind
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.data_origins import (
    data_ancestry,
    data_names,
    is_dataset_class,
    loader_call,
    loads_reaching,
    training_data,
    validating_name,
)
from mlsmells.knowledge.ml_api import PREDICTION_METHODS, method_call
from mlsmells.knowledge.value_kinds import PANDAS, ValueKinds
from mlsmells.rule import Rule

#: Base classes whose construction validates the fields it is given.
SCHEMA_BASES = frozenset(
    {
        "pydantic.BaseModel", "pandera.DataFrameModel", "pandera.SchemaModel", "pandera.pandas.DataFrameModel",
        "pandera.api.pandas.model.DataFrameModel",
    }
)
#: pydantic's methods that validate without "validate" in their name.
_PARSING_METHODS = frozenset({"parse_obj", "parse_raw", "parse_file", "model_validate_json"})
#: What a condition reads of data when it checks it: nulls, types, columns, shape, range.
INSPECTIONS = frozenset(
    {
        "isna", "isnull", "notna", "notnull", "hasnans", "isnan", "isfinite", "isinf", "dtypes", "dtype",
        "columns", "shape", "empty", "duplicated", "is_unique", "nunique", "between", "min", "max",
    }
)
#: Functions and methods that write a file the program may read back later.
_WRITERS = frozenset(
    {
        "save", "savez", "savez_compressed", "savetxt", "tofile", "to_csv", "to_parquet", "to_pickle",
        "to_feather", "to_json", "to_hdf", "to_excel", "dump",
    }
)
def place(file, node: cst.CSTNode) -> str:
    """Where a node is, as a reader finds it: `line 12`, or `cell 4, line 2` in a notebook."""
    span = file.span_of(node)
    if file.notebook is None:
        return f"line {span.line}"
    cell, line, _ = file.notebook.locate(span.line, span.column)
    return f"cell {cell}, line {line}"


class UnvalidatedData(Rule):
    """
    Data read from a source that can change between runs (`pd.read_csv` and the other
    pandas readers, `np.load`/`loadtxt`/`genfromtxt`, `json.load`, `datasets.load_dataset`,
    `spark.read.*`) reaches model training or inference in the same module or notebook
    (`.fit`, `.fit_transform`, `.partial_fit`, `.predict*`, `.score`, `.evaluate`,
    `train_test_split`, `cross_val_score` and the like, `DataLoader`/`TensorDataset`/
    `tf.data.Dataset.from_tensor_slices`, or a `torch.utils.data.Dataset` the file
    defines) with no check of it anywhere: no schema validation (pandera, pydantic,
    great_expectations, jsonschema, TFDV, or a function whose name says it validates or
    checks), no `assert` on it, no `if` that raises on it, and no condition that inspects
    its nulls, dtypes, columns, shape or range (`if df.isna().any().any():`). One finding
    per load, at the load call, naming the first place the data reaches a model.

    A source can change between runs when it is set by the command line (`sys.argv`,
    `parser.parse_args()`), an environment variable, a config file or the caller of a
    function (a parameter of a pipeline step), or when it is a database query or table, a
    cloud bucket (`s3://`, `gs://`...), a "latest" file, or, outside notebooks, a web
    address on a branch (`/master/`, `/main/`). A path written out in full names the same
    file every run and is not reported.

    A function of the project (in this file or another module) that returns what such a
    loader read, with no `assert` or `raise` in it and no validating call on the way, is a
    load too: `customers = load_customers()` from the project's `data.py`.
    """

    code = "MLS301"
    name = "unvalidated-data"
    family = Family.DATA
    #: Advice since the precision benchmark: data read in notebooks and examples is looked
    #: at, and whether an unchecked read is a problem depends on where the data comes from.
    severity = Severity.ADVICE
    precision = "low"
    summary = "Data from a source that can change between runs reaches training or inference without any check."
    challenges = ("META-D1", "SLR-CM08", "SLR-CM09", "COLLAB-6.2-evolving-data")
    required_modules = frozenset({"pandas", "numpy", "json", "datasets", "polars", "pyspark"})
    uses_dataflow = True
    why = (
        "A model trained on a file it never checked learns whatever the file holds today: a "
        "renamed column, a unit change, a new category or a column of nulls shifts the model "
        "without an error, and the drop in quality is found, if ever, long after. Practitioners "
        "call data quality important but hard to check and poorly supported by tools (META-D1); "
        "teams make assumptions about data that evolves without checking them "
        "(COLLAB-6.2-evolving-data); and keeping data validation in place is a named maintenance "
        "challenge that many teams skip altogether (SLR-CM08, SLR-CM09)."
    )
    bad = (
        '''
        import sys

        import pandas as pd
        from sklearn.linear_model import LogisticRegression

        churn = pd.read_csv(sys.argv[1])
                ^^^^^^^^^^^^^^^^^^^^^^^^
        features = churn.drop(columns=["churned"])
        model = LogisticRegression().fit(features, churn["churned"])
        ''',
    )
    good = (
        '''
        import sys

        import pandas as pd
        import pandera as pa
        from sklearn.linear_model import LogisticRegression

        schema = pa.DataFrameSchema({
            "tenure_months": pa.Column(int, pa.Check.ge(0)),
            "monthly_fee": pa.Column(float, pa.Check.gt(0)),
            "churned": pa.Column(bool),
        })

        churn = schema.validate(pd.read_csv(sys.argv[1]))
        features = churn.drop(columns=["churned"])
        model = LogisticRegression().fit(features, churn["churned"])
        ''',
        '''
        import sys

        import pandas as pd
        from sklearn.linear_model import LogisticRegression

        EXPECTED = {"tenure_months", "monthly_fee", "churned"}

        churn = pd.read_csv(sys.argv[1])
        missing = EXPECTED - set(churn.columns)
        if missing or churn.isna().any().any():
            raise ValueError(f"{sys.argv[1]}: missing columns {missing} or null values")
        model = LogisticRegression().fit(churn.drop(columns=["churned"]), churn["churned"])
        ''',
    )
    use_instead = (
        "Check the data before the model sees it: validate it against a schema (a pandera "
        "`DataFrameSchema` or `DataFrameModel`, a pydantic model per record, great_expectations, "
        "TFDV), or at least `assert` (or `if ...: raise`) the columns, dtypes, value ranges and "
        "absence of nulls the training code relies on."
    )
    limitations = (
        "Advice (off by default; select it for pipelines that read data others produce). "
        "Only data whose source can change between runs is reported: a path written out in "
        "full (a file committed beside the code, a Kaggle input, a file an earlier step wrote "
        "under a fixed name), a dataset named by a literal (`load_dataset(\"imdb\")`) and, in "
        "notebooks, any web address are taken to hold the same data every run, since someone "
        "who looked at it once knows what it holds. A file the program itself writes under the "
        "same path (`df.to_parquet(out)` ... `pd.read_parquet(out)`) is not outside data. Where "
        "a source comes from is followed through assignments in the file; a path held by an "
        "attribute (`self.data_path`) or an imported constant is not followed, and a "
        "function's parameter counts as set by its caller even when every caller passes a "
        "literal. Data is followed through assignments in one module or notebook, and into "
        "the project's loading functions; data that reaches a model through a function's "
        "parameters or an attribute of an object is not followed, and calling a model directly "
        "(`model(batch)`) is not a sink. A loading function that checks anything (an `assert` "
        "or `raise` anywhere in it) counts as checking what it returns. Any check on the data "
        "or on anything derived from it counts, wherever it is in the file, so a weak check "
        "(`assert len(df) > 0`) silences the rule; so does passing the data to any function "
        "whose name contains `validate`, `check`, `verify`, `expect` or `ensure`, or calling a "
        "pandera schema on it (`schema(df)`)."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        #: Each load call that reaches a sink, with the first sink it reaches, in walk order.
        self.reached: dict[cst.Call, tuple[Definition, cst.Call, str]] = {}
        #: Loads whose source is written out in full, so the data is the same every run.
        self.fixed: set[cst.Call] = set()
        #: Ids of every definition some check read, with everything it was derived from.
        self.checked: set[int] = set()
        #: Calls to local functions, with the definitions of their arguments: a check when
        #: the function checks its parameters.
        self.local_calls: list[tuple[str, tuple[Definition, ...]]] = []
        #: Local functions that check one of their parameters.
        self.checking_functions: set[str] = set()
        #: Local classes that validate what they are built from, or wrap data for training.
        self.schema_classes: set[str] = set()
        self.dataset_classes: set[str] = set()
        #: The paths (as written) of files the program saves: reading them back is not
        #: reading data from outside.
        self.written: set[str] = set()
        self.origins = Origins(file)

    # -- checks ---------------------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = {name for base in node.bases for name in self.file.qualified_names(base.value)}
        if bases & SCHEMA_BASES:
            self.schema_classes.add(node.name.value)
        if is_dataset_class(self.file, node):
            self.dataset_classes.add(node.name.value)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        decorators = (name for d in node.decorators for name in self.file.qualified_names(_callee(d.decorator)))
        if any(name.startswith("pandera.") for name in decorators):
            self.checking_functions.add(node.name.value)  # @pa.check_types, @pa.check_input

    def visit_Assert(self, node: cst.Assert) -> None:
        self._check(node.test)

    def visit_If(self, node: cst.If) -> None:
        if _raises(node.body) or _inspects(node.test):
            self._check(node.test)

    def _check(self, expr: cst.BaseExpression) -> None:
        """A condition checks the data it reads; in a function, checking a parameter makes
        the function a check for what its callers pass."""
        definitions = self.file.flow.sources(expr)
        for definition in data_ancestry(definitions):
            if definition.kind is Kind.PARAM:
                function = definition.scopes[-1].node
                if isinstance(function, cst.FunctionDef):
                    self.checking_functions.add(function.name.value)
        self._mark(definitions)

    def _mark(self, definitions: Iterable[Definition]) -> None:
        for definition in data_ancestry(definitions):
            self.checked.add(id(definition))

    def _validates(self, call: cst.Call) -> bool:
        name = callee_name(call.func) or ""
        if validating_name(name) or name in _PARSING_METHODS:
            return True
        if isinstance(call.func, cst.Name) and (name in self.schema_classes or self._is_schema(call.func)):
            return True
        return any(map(validating_name, self.file.qualified_names(call.func)))

    def _is_schema(self, name: cst.Name) -> bool:
        """Whether a variable holds a schema, which validates what it is called on:
        `schema(df)` after `schema = pa.DataFrameSchema({...})` or `Sales.to_schema()`."""
        for definition in self.file.flow.reaching(name.value):
            value = definition.value
            if definition.kind is not Kind.ASSIGN or not isinstance(value, cst.Call):
                continue
            made_by = value.func.value if isinstance(value.func, cst.Attribute) else value.func
            if isinstance(made_by, cst.Name) and made_by.value in self.schema_classes:
                return True
            if any(map(validating_name, self.file.qualified_names(value.func, definition.scopes))):
                return True
        return False

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._check_elements(node)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._check_elements(node)

    def _check_elements(self, node: cst.ListComp | cst.GeneratorExp) -> None:
        """`[Ticket(**row) for row in rows]`: each element of `rows` is validated."""
        if isinstance(node.elt, cst.Call) and self._validates(node.elt):
            self._mark(self.file.flow.sources(node.for_in.iter))

    # -- loads and sinks --------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        flow = self.file.flow
        if callee_name(node.func) in _WRITERS:
            self.written.update(_paths(node))
        if self._validates(node):
            self._mark(d for arg in node.args for d in flow.sources(arg.value))
            return
        if isinstance(node.func, cst.Name):
            self.local_calls.append((node.func.value, flow.sources(node)))
        for definition, load in loads_reaching(self.file, node, self.dataset_classes):
            if load in self.reached or load in self.fixed:
                continue
            origin = self.origins.of_load(load, definition)
            if origin is None:
                self.fixed.add(load)  # the same data every run
            else:
                self.reached[load] = (definition, node, origin)

    def end_file(self) -> None:
        for name, definitions in self.local_calls:
            if name in self.checking_functions:
                self._mark(definitions)
        for load, (definition, sink, origin) in self.reached.items():
            if id(definition) in self.checked or self.written.intersection(_paths(load)):
                continue  # checked, or a file the program wrote itself
            self.report(
                load,
                f"data loaded by `{code_of(load.func)}` comes from {origin}, so it can change between runs, "
                f"and reaches `{_sink_name(sink)}` ({place(self.file, sink)}) with no check in this file: "
                "validate it against a schema (pandera, pydantic) or assert the columns, dtypes, ranges "
                "and nulls the model relies on",
            )


def _callee(expr: cst.BaseExpression) -> cst.BaseExpression:
    return expr.func if isinstance(expr, cst.Call) else expr


def _paths(call: cst.Call) -> set[str]:
    """The code of the paths a call reads or writes, directly or through `open(...)`: its
    positional arguments that are names, attributes, strings or paths built from them."""
    paths = set()
    for arg in call.args:
        value = arg.value
        if isinstance(value, cst.Call) and callee_name(value.func) == "open" and value.args:
            value = value.args[0].value
        if arg.keyword is None and not isinstance(value, cst.Call | cst.Lambda):
            paths.add(code_of(value))
    return paths


def _raises(body: cst.BaseSuite) -> bool:
    """Whether a block stops on what its condition found: it raises or exits."""
    statements = body.body
    for statement in statements:
        small = statement.body if isinstance(statement, cst.SimpleStatementLine) else ()
        for part in small:
            if isinstance(part, cst.Raise):
                return True
            if isinstance(part, cst.Expr) and isinstance(part.value, cst.Call) and (
                callee_name(part.value.func) in ("exit", "abort", "warn")
            ):
                return True
    return False


def _inspects(test: cst.BaseExpression) -> bool:
    """Whether a condition looks at the nulls, types, columns, shape or range of data."""
    stack: list[cst.CSTNode] = [test]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Attribute) and node.attr.value in INSPECTIONS:
            return True
        if isinstance(node, cst.Call) and callee_name(node.func) in INSPECTIONS:
            return True
        if not isinstance(node, cst.Lambda):
            stack.extend(node.children)
    return False


def _sink_name(call: cst.Call) -> str:
    """`model.fit` for `model.fit(X, y)`, `.fit` when the receiver is long, else the callee."""
    func = call.func
    if isinstance(func, cst.Attribute):
        receiver = code_of(func.value)
        return f"{receiver}.{func.attr.value}" if len(receiver) <= 30 else f"….{func.attr.value}"
    return code_of(func)


#: Readers whose data is the answer to a query: the table behind it changes between runs.
_QUERY_READERS = frozenset(
    {"pandas.read_sql", "pandas.read_sql_query", "pandas.read_sql_table", "pandas.read_gbq"}
)
#: Keywords of a loader that say where the data is, not how to parse it.
_SOURCE_KEYWORDS = frozenset(
    {
        "filepath_or_buffer", "path", "path_or_buf", "io", "fname", "file", "source", "sql", "table_name",
        "path_or_paths", "paths", "data_files", "data_dir", "dataset_path", "name",
    }
)
#: URL schemes of cloud storage and distributed file systems: what a bucket holds changes.
_BUCKET_SCHEMES = ("s3://", "s3a://", "s3n://", "gs://", "gcs://", "az://", "abfs://", "abfss://", "wasbs://", "hdfs://", "dbfs:/")
#: Parts of a web address that name a moving version: a branch or "latest", not a commit or a release.
_MOVING_URL_PARTS = ("/master/", "/main/", "/head/", "/refs/heads/", "latest")
#: Functions whose result is a value from the environment of the run.
_ENVIRONMENT = frozenset({"os.getenv", "os.environ.get", "os.environ", "os.getenvb"})
#: Methods that parse the command line.
_ARGUMENT_PARSERS = frozenset({"parse_args", "parse_known_args"})
#: Loaders of configuration files: the values they return are set outside the code.
_CONFIG_LOADERS = frozenset(
    {
        "yaml.safe_load", "yaml.load", "yaml.full_load", "toml.load", "tomllib.load", "json.load", "json.loads",
        "omegaconf.OmegaConf.load", "omegaconf.OmegaConf.create", "hydra.compose", "configparser.ConfigParser",
    }
)


class Origins:
    """Whether the data a load reads can change from one run of the program to the next,
    judged from how its source is written: a path from the command line, the environment,
    a config file or a function's caller, a database query, a cloud bucket, a web address
    on a branch or a "latest" file can; a literal path to a file (in the repository or not)
    names the same data every run, so checking its schema once by eye is enough."""

    #: How far a name is followed back through assignments.
    DEPTH = 12

    def __init__(self, file) -> None:
        self.file = file

    def of_load(self, load: cst.Call, definition: Definition) -> str | None:
        """What makes a load's data vary between runs, as a phrase for a message, or None."""
        names = self.file.qualified_names(load.func, definition.scopes)
        if _QUERY_READERS.intersection(names):
            return "a database query"
        if callee_name(load.func) == "table" and not names:
            return "a database table"  # spark.read.table("db.customers")
        for arg in load.args:
            if arg.keyword is None or arg.keyword.value in _SOURCE_KEYWORDS:
                origin = self.of(arg.value, definition.scopes, self.DEPTH)
                if origin is not None:
                    return origin
        return None

    def of(self, expr: cst.CSTNode, scopes, depth: int) -> str | None:
        """What in `expr` varies between runs, following names back `depth` assignments."""
        if depth <= 0 or isinstance(expr, cst.Lambda):
            return None
        if isinstance(expr, cst.SimpleString):
            return self._of_text(str(expr.evaluated_value))
        if isinstance(expr, cst.BaseExpression):
            found = self._of_run(expr, scopes)
            if found is not None:
                return found
        if isinstance(expr, cst.Name):
            return self._of_name(expr, scopes, depth)
        if isinstance(expr, cst.Call) and callee_name(expr.func) in _ARGUMENT_PARSERS:
            return "a source set on the command line"
        for child in expr.children:
            found = self.of(child, scopes, depth)
            if found is not None:
                return found
        if isinstance(expr, cst.FormattedString):  # after its values: `{sys.argv[1]}` says more
            return self._of_text("".join(part.value for part in expr.parts if isinstance(part, cst.FormattedStringText)))
        return None

    def _of_text(self, text: str) -> str | None:
        """A written address whose contents change: a cloud bucket, a "latest" file, or,
        in a program, a web address on a branch. A notebook reading a web address is
        someone looking at a published dataset, and sees what it holds."""
        lowered = text.lower()
        if lowered.startswith(_BUCKET_SCHEMES):
            return "a cloud bucket"
        if "://" in lowered:
            moving = self.file.notebook is None and any(part in lowered for part in _MOVING_URL_PARTS)
            return "a web address not pinned to a version" if moving else None
        if "latest" in lowered:
            return "a \"latest\" file"
        return None

    def _of_run(self, expr: cst.BaseExpression, scopes) -> str | None:
        """`sys.argv[1]`, `os.environ["DATA"]`, `os.getenv("DATA")`, `yaml.safe_load(f)`."""
        target = expr.func if isinstance(expr, cst.Call) else expr
        if not isinstance(target, cst.Name | cst.Attribute):
            return None
        names = set(self.file.qualified_names(target, scopes))
        if "sys.argv" in names:
            return "a source set on the command line"
        if names & _ENVIRONMENT:
            return "a source set by an environment variable"
        if isinstance(expr, cst.Call) and names & _CONFIG_LOADERS:
            return "a source set in a config file"
        return None

    def _of_name(self, name: cst.Name, scopes, depth: int) -> str | None:
        """Follow a variable to what it was bound to; a function's parameter is set by its caller."""
        for definition in self.file.flow.reaching(name.value, scopes):
            if definition.kind is Kind.PARAM:
                function = definition.scopes[-1].node if definition.scopes else None
                if isinstance(function, cst.FunctionDef) and definition.name not in ("self", "cls"):
                    return f"a source passed to `{function.name.value}`"
                continue
            node = definition.node
            value = node.iter if isinstance(node, cst.For) else definition.value
            if definition.kind in (Kind.ASSIGN, Kind.LOOP) and value is not None:
                found = self.of(value, definition.scopes, depth - 1)
                if found is not None:
                    return found
        return None


#: pandas parsers that turn what they cannot parse into NaN (or NaT) with `errors="coerce"`.
COERCING_PARSERS = frozenset({"pandas.to_numeric", "pandas.to_datetime", "pandas.to_timedelta"})
#: Methods that apply a function given as their first argument (`df.apply(pd.to_numeric, errors="coerce")`).
_APPLIERS = frozenset({"apply", "applymap", "map", "transform", "agg"})
#: What looks at, or deliberately handles, the nulls a coercion made.
NULL_HANDLING = frozenset(
    {
        "isna", "isnull", "notna", "notnull", "hasnans", "isnan", "dropna", "fillna", "interpolate",
        "ffill", "bfill", "count", "info",
    }
)
#: Methods whose result a model computed: numbers by construction.
MODEL_OUTPUTS = PREDICTION_METHODS | {"transform", "inverse_transform", "predict_on_batch"}
#: pandas readers whose bad-line options drop rows.
_READERS = frozenset(f"pandas.{name}" for name in ("read_csv", "read_table", "read_fwf"))


class SilentDataCoercion(Rule):
    """
    Options and calls that silently drop or corrupt data. `pd.to_numeric`, `pd.to_datetime`
    or `pd.to_timedelta` called with `errors="coerce"` (directly or through
    `df.apply(pd.to_numeric, errors="coerce")`) and assigned to a variable that nothing
    afterwards checks for nulls: no `isna`/`notna`/`dropna`/`fillna`/`count`/`info` on it
    or on anything derived from it, no `assert` or raising `if` about it; unless what it
    coerces is a model's output (`predict`, `predict_proba`, `transform`, or a frame built
    from one), which is numeric by construction. And
    `pd.read_csv`/`read_table`/`read_fwf` told to skip malformed lines with
    `on_bad_lines="skip"`, or `error_bad_lines=False` with `warn_bad_lines=False` (alone,
    `error_bad_lines=False` still warns about each line it skips). And a blanket `frame.dropna()` or
    `frame.fillna(0)` on a whole DataFrame (no `subset=`, `thresh=` or `how=`) that holds
    data loaded from outside (not a frame a join, pivot or reindex just made), whose nulls
    nothing looked at before, and whose result reaches model training (`.fit` and the
    other sinks of MLS301).
    """

    code = "MLS302"
    name = "silent-data-coercion"
    family = Family.DATA
    #: Advice since the precision benchmark: on unseen code its findings coerced values
    #: that could not fail to parse, and none was a real problem.
    severity = Severity.ADVICE
    precision = "low"
    summary = "Unparsable values become NaN, bad lines are skipped, or every null is dropped or zeroed, uncounted."
    challenges = ("META-D1", "SLR-CM04")
    required_modules = frozenset({"pandas"})
    uses_dataflow = True
    why = (
        "`errors=\"coerce\"` replaces every value that does not parse with NaN, and "
        "`on_bad_lines=\"skip\"` drops every row that does not fit: when an upstream export "
        "changes its decimal separator or date format, the column quietly becomes mostly "
        "null and training goes on with what is left. Practitioners find data quality hard to "
        "check and handle data errors by hand (META-D1); missing values and errors have to be "
        "handled during preprocessing without hurting data quality (SLR-CM04), which requires "
        "knowing how many there are."
    )
    bad = (
        '''
        import pandas as pd

        orders = pd.read_csv("orders.csv", on_bad_lines="skip")
                                           ^^^^^^^^^^^^^^^^^^^
        orders["amount"] = pd.to_numeric(orders["amount"], errors="coerce")
                                                           ^^^^^^^^^^^^^^^
        revenue_by_day = orders.groupby("day")["amount"].sum()
        ''',
        '''
        import pandas as pd
        from sklearn.ensemble import GradientBoostingRegressor

        visits = pd.read_csv("visits.csv")
        visits = visits.fillna(0)
                 ^^^^^^^^^^^^^^^^
        model = GradientBoostingRegressor().fit(visits.drop(columns="spend"), visits["spend"])
        ''',
    )
    good = (
        '''
        import pandas as pd

        orders = pd.read_csv("orders.csv")
        amounts = pd.to_numeric(orders["amount"], errors="coerce")
        unparsed = amounts.isna() & orders["amount"].notna()
        if unparsed.mean() > 0.01:
            raise ValueError(f"{unparsed.sum()} amounts do not parse, e.g. {orders.loc[unparsed, 'amount'].head(3).tolist()}")
        orders["amount"] = amounts
        ''',
        '''
        import pandas as pd
        from sklearn.ensemble import GradientBoostingRegressor

        visits = pd.read_csv("visits.csv")
        visits = visits.dropna(subset=["spend"])
        visits["pages"] = visits["pages"].fillna(0)
        model = GradientBoostingRegressor().fit(visits.drop(columns="spend"), visits["spend"])
        ''',
    )
    use_instead = (
        "Let parsing fail loudly (`errors=\"raise\"`, the default; `on_bad_lines=\"error\"`), "
        "or keep `errors=\"coerce\"` and count what it turned into NaN right after: assert the "
        "share is below a threshold, log it, and drop or fill those rows deliberately."
    )
    limitations = (
        "Advice (off by default; select it for code that parses data others produce): on "
        "repositories nobody here had read, none of the 4 findings of the evaluation half was a "
        "real problem to its maintainers (bench/precision: 2 false, 2 debatable; all coerced "
        "values a model computed, numeric by construction, in a model server), and the "
        "development half had no finding at all. "
        "A coercion whose result is returned or passed on without being assigned is not "
        "reported: the caller may check it. Coercing what a model computed (the output of "
        "`predict`, `predict_proba`, `transform`, or a frame built from it, with nothing loaded "
        "from a file on the way) is not reported: those values are numbers by construction and "
        "the coercion only prepares a response; a frame holding both loaded columns and "
        "predictions is still reported. Values of unknown origin are reported. Any later look at the nulls of the result "
        "(`isna`, `dropna`, `fillna`, `count`, `info`) counts as a check, even a `fillna` that "
        "hides them as silently; imputers (`SimpleImputer`) are not recognised as handling them. "
        "A blanket `dropna()`/`fillna(0)` is accepted once the nulls of the frame, or of any frame "
        "it was derived from, were looked at (`df.isnull().sum()`), even only printed; `fillna` "
        "with values other than 0 and frames not known to be pandas are not reported."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        #: Coercions inside the assignment being walked, innermost assignment last.
        self.assigning: list[list[cst.Arg]] = []
        #: Each assigned coercion with the ids of the definitions holding its result.
        self.coerced: list[tuple[cst.Arg, set[int]]] = []
        #: Coercions handled in place (`pd.to_numeric(s, errors="coerce").fillna(0)`).
        self.handled_calls: set[cst.Call] = set()
        #: Ids of definitions some null check or check reads, with their data ancestry.
        self.checked: set[int] = set()
        #: Blanket `dropna()`/`fillna(0)` calls, with the ids of the definitions holding
        #: their result, and those already reported.
        self.blanket: list[tuple[cst.Call, set[int]]] = []
        self.blanket_in_assignment: list[list[cst.Call]] = []
        self.reported: set[cst.Call] = set()
        self.dataset_classes: set[str] = set()
        self.kinds = file.shared(ValueKinds)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if is_dataset_class(self.file, node):
            self.dataset_classes.add(node.name.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        self.assigning.append([])
        self.blanket_in_assignment.append([])

    def leave_Assign(self, node: cst.Assign) -> None:
        arguments = self.assigning.pop()
        blanket = self.blanket_in_assignment.pop()
        if arguments or blanket:
            results = {id(definition) for definition in self.file.flow.defined_by(node)}
            self.coerced.extend((argument, results) for argument in arguments)
            self.blanket.extend((call, results) for call in blanket)

    def visit_Assert(self, node: cst.Assert) -> None:
        self._mark(node.test)

    def visit_If(self, node: cst.If) -> None:
        self._mark(node.test)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        name = callee_name(func)
        if self.blanket:
            self._check_training(node)
        if self._is_blanket(node) and not self._inspected(func.value):
            if is_true(_keyword_value(node, "inplace")):
                receiver = self.file.flow.definitions(func.value)
                self.blanket.append((node, {id(definition) for definition in receiver}))
            elif self.blanket_in_assignment:
                self.blanket_in_assignment[-1].append(node)
        if name in NULL_HANDLING:
            if isinstance(func, cst.Attribute):
                if isinstance(func.value, cst.Call):
                    self.handled_calls.add(func.value)
                self._mark(func.value)
            for arg in node.args:
                self._mark(arg.value)
            return
        if _READERS.intersection(self.file.qualified_names(func)):
            self._check_bad_lines(node)
            return
        coerce = keyword_arg(node, "errors")
        if coerce is None or _literal(coerce.value) != "coerce" or not self._parses(node):
            return
        if node in self.handled_calls:
            return
        if self.assigning and not self._model_output(self._coerced(node)):
            self.assigning[-1].append(coerce)

    def _coerced(self, call: cst.Call) -> cst.BaseExpression | None:
        """What a coercion parses: `s` in `pd.to_numeric(s, ...)` and `df.apply(pd.to_numeric, ...)`."""
        if COERCING_PARSERS.intersection(self.file.qualified_names(call.func)):
            positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
            return positional[0] if positional else _keyword_value(call, "arg")
        return call.func.value if isinstance(call.func, cst.Attribute) else None

    def _model_output(self, values: cst.BaseExpression | None) -> bool:
        """Whether the coerced values are what a model computed (`predict`, `predict_proba`,
        `transform` outputs, or frames built from them) and nothing loaded: numbers by
        construction, whose coercion is serialisation, not parsing data read from outside."""
        if values is None:
            return False
        if self._predicts(values, self.file.scopes):
            return True
        names = data_names(values)
        sources = [d for d in self.file.flow.sources(values) if d.name in names]
        predicted = loaded = False
        for definition in data_ancestry(sources, stop=self._made_by_model):
            if self._made_by_model(definition):
                predicted = True
            elif loader_call(self.file, definition) is not None:
                loaded = True
        return predicted and not loaded

    def _made_by_model(self, definition: Definition) -> bool:
        """`proba = model.predict_proba(X)`, `out = pd.DataFrame(clf.predict(X), columns=...)`."""
        return (
            definition.kind is Kind.ASSIGN
            and definition.value is not None
            and self._predicts(definition.value, definition.scopes)
        )

    def _predicts(self, expr: cst.BaseExpression, scopes) -> bool:
        """Whether `expr` calls a model's prediction method (a pandas `transform` is not one)."""
        stack: list[cst.CSTNode] = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Lambda):
                continue
            if isinstance(node, cst.Call) and method_call(node, MODEL_OUTPUTS):
                if not self.kinds.holds(node.func.value, PANDAS, scopes):
                    return True
            stack.extend(node.children)
        return False

    def _parses(self, call: cst.Call) -> bool:
        """`pd.to_numeric(...)`, or `frame.apply(pd.to_numeric, ...)`."""
        if COERCING_PARSERS.intersection(self.file.qualified_names(call.func)):
            return True
        return (
            callee_name(call.func) in _APPLIERS
            and bool(call.args)
            and call.args[0].keyword is None
            and bool(COERCING_PARSERS.intersection(self.file.qualified_names(call.args[0].value)))
        )

    def _is_blanket(self, call: cst.Call) -> bool:
        """`frame.dropna()` or `frame.fillna(0)` on a whole DataFrame variable: every column
        at once, with no `subset=`, `thresh=` or `how=` saying which nulls matter."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return False
        options = [arg for arg in call.args if not (arg.keyword is not None and arg.keyword.value == "inplace")]
        if func.attr.value == "dropna":
            blanket = not options
        elif func.attr.value == "fillna":
            keyword = options[0].keyword.value if len(options) == 1 and options[0].keyword else None
            blanket = len(options) == 1 and keyword in (None, "value") and _is_zero(options[0].value)
        else:
            return False
        return blanket and self.kinds.holds(func.value, PANDAS) and self._missing_from_the_source(func.value)

    def _missing_from_the_source(self, frame: cst.Name) -> bool:
        """Whether the frame's nulls can be missing data: it was loaded from outside, and was
        not just made by a join, pivot or reindex, whose nulls mean "no such pair" (a count
        of 0 after `counts.join(other, how="outer")` is right)."""
        definitions = self.file.flow.definitions(frame)
        if any(_reshaped(definition) for definition in definitions):
            return False
        return any(loader_call(self.file, d) is not None for d in data_ancestry(definitions))

    def _inspected(self, frame: cst.BaseExpression) -> bool:
        """Whether the nulls of this frame, or of one it was derived from, were looked at
        before (`print(df.isnull().sum())`): the drop or fill is then a decision, not silent."""
        return any(id(d) in self.checked for d in data_ancestry(self.file.flow.definitions(frame)))

    def _check_training(self, call: cst.Call) -> None:
        """Report the blanket drops and fills whose result this call trains on."""
        trained_on = training_data(self.file, call, self.dataset_classes)
        pending = {key: blanket for blanket, ids in self.blanket if blanket not in self.reported for key in ids}
        if not (trained_on and pending):
            return
        for data in trained_on:
            names = data_names(data)
            sources = [d for d in self.file.flow.sources(data) if d.name in names]
            for definition in data_ancestry(sources):
                blanket = pending.get(id(definition))
                if blanket is None or blanket in self.reported:
                    continue
                self.reported.add(blanket)
                what = (
                    "`dropna()` drops every row with a null in any column"
                    if blanket.func.attr.value == "dropna"
                    else "`fillna(0)` turns every missing value of every column into a real-looking 0"
                )
                self.report(
                    blanket,
                    f"{what}, with no look at the nulls first, and the result reaches `{_sink_name(call)}` ({place(self.file, call)}): "
                    "handle nulls per column (`subset=`, a fill value that means something, an imputer "
                    "with missing indicators) and count what changes",
                )

    def _check_bad_lines(self, call: cst.Call) -> None:
        skip = keyword_arg(call, "on_bad_lines")
        if skip is not None and _literal(skip.value) == "skip":
            self.report(skip, "rows that do not parse are dropped without a word: read with "
                        "`on_bad_lines=\"warn\"` or a callable that counts them, and fail when there are too many")
        old, warn = keyword_arg(call, "error_bad_lines"), keyword_arg(call, "warn_bad_lines")
        if old is not None and _is_false(old.value) and warn is not None and _is_false(warn.value):
            self.report(old, "`error_bad_lines=False` with `warn_bad_lines=False` drops the rows that do not "
                        "parse without a word: let them warn, or count them and fail when there are too many")

    def _mark(self, expr: cst.BaseExpression) -> None:
        for definition in data_ancestry(self.file.flow.sources(expr)):
            self.checked.add(id(definition))

    def end_file(self) -> None:
        for argument, results in self.coerced:
            if results and not results & self.checked:
                self.report(
                    argument,
                    "values that do not parse become NaN here and nothing afterwards checks how many: "
                    "count them and fail above a threshold, or drop or fill them deliberately",
                )


def _keyword_value(call: cst.Call, name: str) -> cst.BaseExpression | None:
    arg = keyword_arg(call, name)
    return arg.value if arg is not None else None


#: Methods whose result has nulls where there was no matching row or column.
_RESHAPING = frozenset(
    {"join", "merge", "pivot", "pivot_table", "unstack", "reindex", "crosstab", "concat", "align", "combine_first"}
)


def _reshaped(definition: Definition) -> bool:
    value = definition.value
    return isinstance(value, cst.Call) and callee_name(value.func) in _RESHAPING


def _is_false(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Name) and value.value == "False"


def _is_zero(value: cst.BaseExpression) -> bool:
    return isinstance(value, cst.Integer | cst.Float) and float(value.evaluated_value) == 0


def _literal(value: cst.BaseExpression) -> object:
    return value.evaluated_value if isinstance(value, cst.SimpleString) else None


#: Readers that infer every column's type unless told: `dtype=` or `usecols=` says what to expect.
_TYPE_INFERRING_READERS = frozenset({"pandas.read_csv", "pandas.read_table", "pandas.read_excel"})


class ReadWithoutDtype(Rule):
    """
    `pd.read_csv`, `pd.read_table` or `pd.read_excel` is called without `dtype=` and
    without `usecols=` (nor `**options` that may hold them), and the frame it reads
    reaches model training or inference in the same module or notebook (the sinks of
    MLS301). One finding per read.
    """

    code = "MLS303"
    name = "read-without-dtype"
    family = Family.DATA
    severity = Severity.ADVICE
    summary = "A CSV or Excel file read for training leaves its columns and their types to inference."
    challenges = ("ZHANG22-4",)
    required_modules = frozenset({"pandas"})
    uses_dataflow = True
    why = (
        "Without `dtype=`, pandas guesses each column's type from the values in this file: an "
        "identifier with leading zeros becomes an integer, a column with one stray string becomes "
        "`object`, and a new column in the export appears among the features. Choosing the columns "
        "and their types makes the schema explicit and makes a change in the file fail at the read "
        "(ZHANG22-4, Columns and DataType Not Explicitly Set)."
    )
    bad = (
        '''
        import pandas as pd
        from sklearn.linear_model import LogisticRegression

        loans = pd.read_csv("loans.csv")
                ^^^^^^^^^^^^^^^^^^^^^^^^
        LogisticRegression().fit(loans[["income", "term"]], loans["default"])
        ''',
    )
    good = (
        '''
        import pandas as pd
        from sklearn.linear_model import LogisticRegression

        COLUMNS = {"income": "float64", "term": "int32", "default": "bool"}

        loans = pd.read_csv("loans.csv", usecols=list(COLUMNS), dtype=COLUMNS)
        LogisticRegression().fit(loans[["income", "term"]], loans["default"])
        ''',
    )
    use_instead = (
        "Name the columns the model uses and their types where the file is read: "
        "`pd.read_csv(path, usecols=[...], dtype={...})` (with `parse_dates=` for dates), "
        "or validate the frame against a schema right after the read."
    )
    limitations = (
        "Only reads whose frame reaches a model through assignments in the same module or "
        "notebook are reported (see MLS301). `usecols=` alone is accepted: it fixes which "
        "columns are read, though not their types."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        self.reported: set[cst.Call] = set()
        self.dataset_classes: set[str] = set()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if is_dataset_class(self.file, node):
            self.dataset_classes.add(node.name.value)

    def visit_Call(self, node: cst.Call) -> None:
        for definition, load in loads_reaching(self.file, node, self.dataset_classes):
            if load in self.reported or not self._infers_types(load, definition):
                continue
            self.reported.add(load)
            self.report(
                load,
                f"`{code_of(load.func)}` guesses which columns there are and their types, and this frame "
                f"reaches `{_sink_name(node)}` ({place(self.file, node)}): pass `usecols=` and `dtype=`",
            )

    def _infers_types(self, load: cst.Call, definition: Definition) -> bool:
        if not _TYPE_INFERRING_READERS.intersection(self.file.qualified_names(load.func, definition.scopes)):
            return False
        return not (has_double_star(load) or keyword_arg(load, "dtype") or keyword_arg(load, "usecols"))
