"""MLS414, another language written inside Python strings: SQL queries and shell commands
assembled from values at run time (IND-3.7-common-smells, the multiple-language smell).

The rule reads the string a query or command argument holds as a template: its constant
text, and the holes where values are spliced in by an f-string, `+`, `%` or `.format`.
Names are followed through the file's own assignments (engine/dataflow.py), so
`query = BASE + f" WHERE day = '{day}'"` is read as one template. A hole whose value is
known (a constant, an element of a literal list of names, a number) is not a hole.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Sequence

import libcst as cst

from mlsmells.engine.calls import has_double_star, keyword_arg, keyword_literal
from mlsmells.engine.dataflow import Definition, Kind, ancestry, names_read
from mlsmells.findings import Family, Severity
from mlsmells.knowledge.string_values import argument
from mlsmells.rule import Rule

#: Methods that run SQL text, on whatever receiver: a DB-API cursor or connection, a
#: SQLAlchemy connection or session, a SparkSession, DuckDB, a BigQuery client, pandas.
_SQL_METHODS = frozenset({"execute", "executemany", "executescript", "sql", "query", "read_sql", "read_sql_query"})
#: Functions that take SQL text, imported by name.
_SQL_FUNCTIONS = frozenset(
    {
        "pandas.read_sql", "pandas.read_sql_query", "sqlalchemy.text", "sqlalchemy.sql.text",
        "sqlalchemy.sql.expression.text",
    }
)
_SQL_KEYWORDS = ("sql", "query", "sqlQuery", "operation", "statement", "text")
_PARAMETER_KEYWORDS = ("params", "parameters", "args")
_SQL_START = re.compile(
    r"\s*(?:--[^\n]*\n\s*)*\(?\s*(SELECT|WITH|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|TRUNCATE|MERGE|UPSERT|REPLACE\s+INTO"
    r"|COPY|GRANT|REVOKE|PRAGMA|EXPLAIN|DESCRIBE|SHOW|CALL|VACUUM|ATTACH)\b",
    re.IGNORECASE,
)
_SHELL_ALWAYS = frozenset({"os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput"})
_SHELL_IF_ASKED = frozenset(
    {"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen"}
)
_INSTALLERS = frozenset({"pip", "pip3", "conda", "mamba", "micromamba"})
#: Calls whose result cannot carry quotes or SQL: a number.
_NUMERIC = frozenset({"builtins.int", "builtins.float", "builtins.len", "builtins.round", "builtins.abs"})
#: Where text typed by a user, or sent by one over HTTP, comes from.
_UNTRUSTED = frozenset(
    {"builtins.input", "flask.request", "bottle.request", "streamlit.text_input", "streamlit.text_area", "gradio.Textbox"}
)
_SELF = frozenset({"self", "cls"})
#: Attributes that hold a number: the id a database gave the last row inserted, row counts, sizes.
_NUMERIC_ATTRIBUTES = frozenset({"lastrowid", "rowcount", "size", "ndim"})
_MAX_DEPTH = 12
#: Calls that quote a value for the shell: what they return is one safe word.
_SHELL_QUOTES = frozenset({"shlex.quote", "pipes.quote"})
#: `strftime` formats made only of numeric fields and separators no shell or SQL reads
#: (`"%Y%m%d_%H%M%S"`): the timestamp they give is digits.
_DIGIT_STAMP = re.compile(r"(?:%[YmdHMSjyfs]|[-_.:T0-9])+")
#: Methods that return rows read back from a database (a DB-API cursor, SQLAlchemy results).
_FETCHES = frozenset({"fetchone", "fetchall", "fetchmany", "fetchval", "scalar"})
#: Shell text that ends a command: what comes after a hole there is not its arguments.
_COMMAND_END = re.compile(r"\s*(?:$|[;|&>)]|\d?>)")
#: Shell text before a hole in command position: a command separator, then only `VAR=value`
#: assignments (`CUDA_VISIBLE_DEVICES=0 `).
_COMMAND_START = re.compile(r"(?:^|[;|&(\n])\s*(?:[A-Za-z_]\w*=\S*\s+)*$")
_PERCENT_FIELD = re.compile(r"%%|%(?:\([^)]*\))?[-+ #0-9.*]*[a-zA-Z]")
#: Fields that format a number: `%d`, `%.3f`, `{:d}`, `{0:.2e}`.
_NUMERIC_FIELD = re.compile(r"^%(?:\([^)]*\))?[-+ #0-9.*]*[diouxXeEfFgG]$|:[^{}:]*[bdoxXneEfFgG%]\}$")
_FORMAT_FIELD = re.compile(r"\{\{|\}\}|\{[^{}]*\}")
#: SQL text just before a value: a comparison, `IN`, `BETWEEN a AND`, a list after `IN (` or `VALUES (`.
_VALUE_POSITION = re.compile(
    r"(?:[=<>]|\bLIKE|\bIN|\bBETWEEN|\bBETWEEN\s[^()]*?\bAND|\b(?:IN|VALUES)\s*\((?:[^()]*,)?)\s*$", re.IGNORECASE
)
#: A clause that compares values: `x = {v}` there is a value, not an option (`COMPRESSION={c}`).
_CONDITION = re.compile(r"\b(?:WHERE|HAVING|ON|WHEN|SET|AND|OR|IN|VALUES|BETWEEN|LIKE)\b", re.IGNORECASE)
#: What stands for a hole when the template's text is read.
_GAP = "\x00"

Piece = str | cst.BaseExpression
Lookup = Callable[[str], tuple[Definition, ...]]


class _Template:
    """A string value as constant text and holes (the expressions spliced in), and the
    ways it was assembled (`an f-string`, `concatenation`...)."""

    def __init__(self) -> None:
        self.pieces: list[tuple[Piece, Lookup | None]] = []
        self.ways: list[str] = []

    @property
    def text(self) -> str:
        return "".join(piece if isinstance(piece, str) else _GAP for piece, _ in self.pieces)

    @property
    def holes(self) -> list[tuple[cst.BaseExpression, Lookup]]:
        return [(piece, lookup) for piece, lookup in self.pieces if not isinstance(piece, str)]

    def value_holes(
        self, number: Callable[[cst.BaseExpression, Lookup], bool]
    ) -> list[tuple[cst.BaseExpression, Lookup]]:
        """The holes where SQL expects a value (inside a quoted literal, after a comparison,
        in `IN (...)` or `VALUES (...)`), not a table, a column or a clause. A hole outside
        quotes that `number` says holds a number is left out: SQL reads it as one."""
        found, before = [], ""
        for piece, lookup in self.pieces:
            if isinstance(piece, str):
                before += piece
                continue
            if before.replace("''", "").count("'") % 2 == 1:
                found.append((piece, lookup))
            elif (
                _VALUE_POSITION.search(before) and _CONDITION.search(before.rsplit(";", 1)[-1])
                and not number(piece, lookup)
            ):
                found.append((piece, lookup))
            before += _GAP
        return found

    def argument_holes(self) -> list[tuple[cst.BaseExpression, Lookup]]:
        """The holes of a shell command where a space breaks it: not a hole the command
        already quotes (`"'{}' --version".format(cxx)`), and not one that is a whole command
        itself, standing alone between command separators (`f"CUDA_VISIBLE_DEVICES={gpu}
        {cmd}"`, `cmd + " > log.txt"`): a command line by design, which no argument list holds."""
        texts = [piece if isinstance(piece, str) else _GAP for piece, _ in self.pieces]
        found = []
        for index, (piece, lookup) in enumerate(self.pieces):
            if isinstance(piece, str):
                continue
            before, after = "".join(texts[:index]), "".join(texts[index + 1 :])
            whole_command = _COMMAND_START.search(before) and _COMMAND_END.match(after)
            if not whole_command and not _in_shell_quotes(before):
                found.append((piece, lookup))
        return found


class EmbeddedForeignLanguage(Rule):
    """
    SQL or shell code assembled in Python strings from run-time values:

    - a value spliced into SQL text with an f-string, `+`, `%` or `.format` where SQL
      expects a value (inside a quoted literal, after a comparison, in `IN (...)`,
      `BETWEEN` or `VALUES (...)`), and the text passed to `pd.read_sql`/`read_sql_query`,
      a cursor's or connection's `execute`/`executemany`, `spark.sql`, a client's `query`
      or `sqlalchemy.text`. A value from `input()` or an HTTP request (`flask.request`)
      makes the finding an error (SQL injection); one from a function parameter is named
      in the message as an injection risk.
      Constant SQL, queries that pass their values as parameters (`execute(sql, params)`,
      `read_sql(sql, con, params=...)`), numbers (`int(n)`, `{n:d}`, `%d`, `"{:.3f}".format(x)`, parameters annotated
      `int`/`float`) and values the file shows to be constants (a module constant, an
      element of a literal list) are fine. Table names, column names and clauses spliced
      in are not reported: parameters cannot carry them, and SQL generators build them so.
    - a shell command built the same way from values and run through a shell: `os.system`,
      `os.popen`, `subprocess.getoutput`, or `subprocess.run`/`call`/`check_output`/`Popen`
      with `shell=True`. Constant commands (`os.system("nvidia-smi")`) are not reported,
      and neither are package installs (MLS206 judges those) or notebook `!` lines. Values
      that cannot hold a space are fine (numbers, `%d`, digit-only `strftime` stamps, words
      passed through `shlex.quote`), and so are values inside quotes the command writes
      around them and whole command lines spliced in alone (`f"CUDA_VISIBLE_DEVICES={gpu} {cmd}"`).
    """

    code = "MLS414"
    name = "embedded-foreign-language"
    family = Family.ARCHITECTURE
    severity = Severity.ADVICE
    #: Security: a command or query a value can break, or inject into.
    security_severity = "5.0"
    summary = "SQL or a shell command is assembled in a Python string from run-time values."
    challenges = ("IND-3.7-common-smells",)
    uses_dataflow = True
    required_modules = frozenset(
        {
            "os", "subprocess", "pandas", "sqlite3", "sqlalchemy", "pyspark", "psycopg2", "psycopg", "pymysql",
            "MySQLdb", "mysql", "duckdb", "pyodbc", "snowflake", "cx_Oracle", "oracledb", "databricks", "google",
        }
    )
    why = (
        "A query or command glued together from strings is a second program hidden in the first: "
        "no tool checks its syntax, a value with a quote or a space breaks it, and a value from "
        "outside can rewrite it (SQL or shell injection). Salehi's industry survey (IND-3.7) names "
        "mixing several languages in one code base among the common smells of ML systems: the "
        "logic spread over Python, SQL and shell is hard to test and to change."
    )
    bad = (
        '''
        import pandas as pd

        def load_events(con, since):
            query = f"SELECT user_id, event, ts FROM events WHERE ts >= '{since}'"
            return pd.read_sql(query, con)
                   ^^^^^^^^^^^
        ''',
        '''
        import os

        for checkpoint in checkpoints:
            os.system("python evaluate.py --ckpt " + checkpoint + " | tee -a eval.log")
            ^^^^^^^^^
        ''',
    )
    good = (
        '''
        import subprocess
        import pandas as pd

        TABLES = ("events", "sessions")

        def load_events(con, since):
            query = "SELECT user_id, event, ts FROM events WHERE ts >= %(since)s"
            return pd.read_sql(query, con, params={"since": since})

        for table in TABLES:
            counts = pd.read_sql(f"SELECT COUNT(*) AS n FROM {table}", con)

        for checkpoint in checkpoints:
            subprocess.run(["python", "evaluate.py", "--ckpt", checkpoint], check=True)
        ''',
    )
    use_instead = (
        "Pass values to SQL as query parameters (`execute(sql, params)`, `read_sql(sql, con, "
        "params=...)`) and keep the query text constant, ideally in a `.sql` file or a query "
        "builder (SQLAlchemy Core). Run programs with an argument list and no shell "
        "(`subprocess.run([\"tool\", arg], check=True)`), or do the work in Python."
    )
    limitations = (
        "Assembled SQL and shell commands are advice (the rule is off by default); a finding is "
        "an error when a spliced-in "
        "value comes from `input()` or an HTTP request (Flask's `request`, Streamlit and Gradio "
        "text inputs). A value from a function parameter is named in the message as an "
        "injection risk but stays advice, because whether callers pass untrusted text is not "
        "visible in the function. SQL methods are recognised "
        "by name (`execute`, `sql`, `query`...) and SQL by its first keyword; values are followed "
        "within one file. Not reported, as nothing in them can break the text: "
        "numbers and digit-only timestamps (`strftime(\"%Y%m%d\")`), words `shlex.quote`d, "
        "and, where SQL reads a number (unquoted after `=`), a value read back from the "
        "database itself (`cursor.fetchone()[0]`). Shell values inside quotes the command writes "
        "(`\"'{}' --version\".format(cxx)`) are not reported, though a quote in them would "
        "still break it, nor are whole command lines spliced in alone (a launcher prefixing "
        "`CUDA_VISIBLE_DEVICES=0` to commands built elsewhere). Commands given as an argument "
        "list (`[\"bash\", \"-c\", cmd]`) and "
        "commands built wholly elsewhere (`\" \".join(parts)`) are not read. On the corpora "
        "measured (3,030 Kaggle kernels, the Feast feature store, research and tutorial "
        "repositories), 21 of 23 findings read were values that belonged in query parameters."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        #: The comprehensions around the walk: what each binds, and what it iterates over.
        self.comprehensions: list[dict[str, cst.BaseExpression]] = []

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._enter_comprehension(node)

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._enter_comprehension(node)

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._enter_comprehension(node)

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._enter_comprehension(node)

    def leave_ListComp(self, node: cst.ListComp) -> None:
        self.comprehensions.pop()

    def leave_SetComp(self, node: cst.SetComp) -> None:
        self.comprehensions.pop()

    def leave_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self.comprehensions.pop()

    def leave_DictComp(self, node: cst.DictComp) -> None:
        self.comprehensions.pop()

    def _enter_comprehension(self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp) -> None:
        bound: dict[str, cst.BaseExpression] = {}
        clause = node.for_in
        while clause is not None:
            if isinstance(clause.target, cst.Name):
                bound[clause.target.value] = clause.iter
            clause = clause.inner_for_in
        self.comprehensions.append(bound)

    def _comprehension_iterable(self, name: str) -> cst.BaseExpression | None:
        """What the comprehension binding `name` around the walk iterates over, if one does."""
        for bound in reversed(self.comprehensions):
            if name in bound:
                return bound[name]
        return None

    def visit_Call(self, node: cst.Call) -> None:
        names = self.file.qualified_names(node.func)
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else None
        if method in _SQL_METHODS or _SQL_FUNCTIONS.intersection(names):
            self._check_sql(node)
        elif _SHELL_ALWAYS.intersection(names) or (
            _SHELL_IF_ASKED.intersection(names) and keyword_literal(node, "shell") is True
        ):
            self._check_shell(node)

    # SQL -----------------------------------------------------------------------------

    def _check_sql(self, call: cst.Call) -> None:
        if has_double_star(call) or _passes_parameters(call):
            return
        query = argument(call, 0, *_SQL_KEYWORDS)
        template = self._template(query) if query is not None else None
        if template is None or not template.holes or not _SQL_START.match(template.text):
            return
        values = template.value_holes(self._read_from_database)
        if not values:
            return  # only identifiers or clauses are spliced in, which parameters cannot carry
        callee = self.file.module.code_for_node(call.func)
        message = (
            f"SQL assembled with {_listed(template.ways)} and run by `{callee}`: the query is text glued "
            "together at run time, which nothing checks and a quote in a value breaks; keep the SQL "
            "constant and pass values as query parameters"
        )
        self._report_with_risk(call.func, message, values, "SQL injection")

    # Shell ---------------------------------------------------------------------------

    def _check_shell(self, call: cst.Call) -> None:
        command = argument(call, 0, "args", "cmd", "command")
        template = self._template(command) if command is not None else None
        if template is None or _installs(template.text):
            return
        holes = template.argument_holes()
        if not holes:
            return  # only whole command lines are spliced in, or nothing
        callee = self.file.module.code_for_node(call.func)
        message = (
            f"shell command assembled with {_listed(template.ways)} and run through a shell by `{callee}`: "
            "a space or quote in a value breaks it; run the program with an argument list and no shell "
            '(`subprocess.run(["tool", arg], check=True)`) or do the work in Python'
        )
        self._report_with_risk(call.func, message, holes, "shell injection")

    # Templates -----------------------------------------------------------------------

    def _template(self, expr: cst.BaseExpression) -> _Template | None:
        """The template `expr` holds, or None when no part of it is known text."""
        template = _Template()
        self._add(template, expr, self._here, 0)
        if not any(isinstance(piece, str) and piece.strip() for piece, _ in template.pieces):
            return None
        return template

    def _here(self, name: str) -> tuple[Definition, ...]:
        flow = self.file.flow
        return flow.reaching(name) if flow is not None else ()

    def _add(self, template: _Template, expr: cst.BaseExpression, lookup: Lookup, depth: int) -> None:
        """Append the pieces of `expr` to `template`; names are looked up with `lookup`."""
        pieces = template.pieces
        if depth > _MAX_DEPTH:
            pieces.append((expr, lookup))
        elif isinstance(expr, cst.SimpleString):
            value = expr.evaluated_value
            pieces.append((value, None) if isinstance(value, str) else (expr, lookup))
        elif isinstance(expr, cst.ConcatenatedString):
            self._add(template, expr.left, lookup, depth + 1)
            self._add(template, expr.right, lookup, depth + 1)
        elif isinstance(expr, cst.FormattedString):
            for part in expr.parts:
                if isinstance(part, cst.FormattedStringText):
                    pieces.append((part.value, None))
                elif _numeric_spec(part):
                    pieces.append(("0", None))
                else:
                    template.ways.append("an f-string")
                    self._add(template, part.expression, lookup, depth + 1)
        elif isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            start = len(pieces)
            self._add(template, expr.left, lookup, depth + 1)
            self._add(template, expr.right, lookup, depth + 1)
            if any(isinstance(piece, str) for piece, _ in pieces[start:]):
                template.ways.append("concatenation")
        elif (
            isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo)
            and self._number(expr.left, lookup)
        ):
            pieces.append(("0", None))  # `idx % n_gpus`: arithmetic, not formatting
        elif isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Modulo):
            values = [element.value for element in expr.right.elements] if isinstance(expr.right, cst.Tuple) else [expr.right]
            self._fill(template, expr.left, [cst.Arg(value) for value in values], lookup, depth, "`%`")
        elif (
            isinstance(expr, cst.Call)
            and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value == "format"
            and isinstance(expr.func.value, cst.SimpleString | cst.ConcatenatedString | cst.Name)
        ):
            self._fill(template, expr.func.value, expr.args, lookup, depth, "`.format`")
        elif isinstance(expr, cst.Integer | cst.Float) or self._numeric(expr, lookup) or _digit_stamp(expr):
            pieces.append(("0", None))
        elif self._shell_quoted(expr):
            pieces.append(("<quoted>", None))
        elif isinstance(expr, cst.Name):
            self._add_name(template, expr, lookup, depth)
        elif self._project_constant(expr):
            pieces.append((f"<{self.file.module.code_for_node(expr)}>", None))
        else:
            pieces.append((expr, lookup))

    def _add_name(self, template: _Template, name: cst.Name, lookup: Lookup, depth: int) -> None:
        if lookup == self._here and self._closed_list(self._comprehension_iterable(name.value), lookup):
            template.pieces.append((f"<{name.value}>", None))
            return
        definitions = lookup(name.value)
        if not definitions and self._project_constant(name):
            template.pieces.append((f"<{name.value}>", None))  # `from config import TABLE`
            return
        if len(definitions) != 1:
            template.pieces.append((name, lookup))
            return
        definition = definitions[0]

        def inner(wanted: str) -> tuple[Definition, ...]:
            return tuple(source for source in definition.sources if source.name == wanted)

        if _numeric_definition(definition, self.file):
            template.pieces.append(("0", None))
        elif definition.kind is Kind.ASSIGN and definition.index is None and (
            _builds_text(definition.value) or isinstance(definition.value, cst.Attribute)
        ):
            self._add(template, definition.value, inner, depth + 1)
        elif definition.kind is Kind.UPDATE and isinstance(definition.node, cst.AugAssign):
            # `query += " AND day = '" + day + "'"`: the earlier text, then the new part
            earlier = inner(name.value)
            if len(earlier) == 1 and isinstance(definition.node.operator, cst.AddAssign):
                self._add_name(template, name, lambda wanted: earlier if wanted == name.value else inner(wanted), depth + 1)
                self._add(template, definition.node.value, inner, depth + 1)
                template.ways.append("concatenation")
            else:
                template.pieces.append((name, lookup))
        elif definition.kind is Kind.LOOP and self._closed_list(definition.value, inner):
            template.pieces.append((f"<{name.value}>", None))  # one of a closed list of names
        else:
            template.pieces.append((name, lookup))

    @staticmethod
    def _closed_list(iterable: cst.BaseExpression | None, lookup: Lookup) -> bool:
        """`for table in ["events", "sessions"]`, or over a name bound once to such a list."""
        if isinstance(iterable, cst.Name):
            bound = lookup(iterable.value)
            iterable = bound[0].value if len(bound) == 1 and bound[0].kind is Kind.ASSIGN and bound[0].index is None else None
        return _literal_strings(iterable)

    def _fill(
        self, template: _Template, form: cst.BaseExpression, args: Sequence[cst.Arg], lookup: Lookup, depth: int,
        way: str,
    ) -> None:
        """`form % values` or `form.format(...)`: the form's text with each field replaced
        by the pieces of the value it takes (`{name}` a keyword, `{}`/`{0}` a position, `%s`
        the next value); values no field takes are added at the end."""
        positional = [arg.value for arg in args if arg.keyword is None and not arg.star]
        keywords = {arg.keyword.value: arg.value for arg in args if arg.keyword is not None}
        unused = [*positional, *keywords.values()]
        inner = _Template()
        self._add(inner, form, lookup, depth + 1)
        fields = _PERCENT_FIELD if way == "`%`" else _FORMAT_FIELD
        filled, position = False, 0
        for piece, piece_lookup in inner.pieces:
            if not isinstance(piece, str):
                template.pieces.append((piece, piece_lookup))
                continue
            start = 0
            for field in fields.finditer(piece):
                template.pieces.append((piece[start : field.start()], None))
                start = field.end()
                if field.group() in ("%%", "{{", "}}"):
                    template.pieces.append((field.group()[0], None))
                    continue
                name = re.split(r"[!:.\[]", field.group().strip("{}"), maxsplit=1)[0] if way != "`%`" else ""
                if name.isdigit():
                    value = positional[int(name)] if int(name) < len(positional) else None
                elif name:
                    value = keywords.get(name)
                else:
                    value = positional[position] if position < len(positional) else None
                    position += 1
                if value is None:
                    template.pieces.append((field.group(), None))
                    continue
                if _NUMERIC_FIELD.search(field.group()):
                    template.pieces.append(("0", None))  # `%d`, `{:.3f}`: a number, whatever the value
                else:
                    self._add(template, value, lookup, depth + 1)
                unused = [other for other in unused if other is not value]
                filled = True
            template.pieces.append((piece[start:], None))
        for value in unused:
            self._add(template, value, lookup, depth + 1)
        if filled:
            template.ways.append(way)
        template.ways.extend(inner.ways)

    def _numeric(self, expr: cst.BaseExpression, lookup: Lookup) -> bool:
        """`int(n)`, `len(rows)`, `cursor.lastrowid`, `frame.shape[0]`: a value that cannot
        hold text (the callee is resolved where the walk is, which is where the template's
        names are, or close to it)."""
        if isinstance(expr, cst.Attribute):
            return expr.attr.value in _NUMERIC_ATTRIBUTES
        if isinstance(expr, cst.Subscript):
            return isinstance(expr.value, cst.Attribute) and expr.value.attr.value == "shape"
        return isinstance(expr, cst.Call) and bool(_NUMERIC.intersection(self.file.qualified_names(expr.func)))

    def _number(self, expr: cst.BaseExpression, lookup: Lookup) -> bool:
        """A number literal, a numeric call or attribute, or a name bound once to a number
        (a loop counter, arithmetic, a parameter annotated `int`)."""
        if isinstance(expr, cst.Integer | cst.Float) or self._numeric(expr, lookup):
            return True
        if not isinstance(expr, cst.Name):
            return False
        definitions = lookup(expr.value)
        return len(definitions) == 1 and _numeric_definition(definitions[0], self.file)

    def _shell_quoted(self, expr: cst.BaseExpression) -> bool:
        """`shlex.quote(path)`, or words joined after quoting each (`" ".join(map(shlex.quote,
        args))`, `" ".join(shlex.quote(a) for a in args)`): the shell reads each as one word."""
        if not isinstance(expr, cst.Call):
            return False
        if _SHELL_QUOTES.intersection(self.file.qualified_names(expr.func)):
            return True
        if not (isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "join" and len(expr.args) == 1):
            return False
        words = expr.args[0].value
        if isinstance(words, cst.GeneratorExp | cst.ListComp):
            return self._shell_quoted(words.elt)
        return (
            isinstance(words, cst.Call) and "builtins.map" in self.file.qualified_names(words.func) and bool(words.args)
            and bool(_SHELL_QUOTES.intersection(self.file.qualified_names(words.args[0].value)))
        )

    def _read_from_database(self, expr: cst.BaseExpression, lookup: Lookup) -> bool:
        """A value read back from a database (`cursor.fetchone()[0]`, a row of `fetchall()`),
        spliced where SQL reads a number: the key the database itself gave, not outside text."""
        definitions = [definition for name in names_read(expr) for definition in lookup(name.value)]
        return bool(definitions) and all(_is_fetch(definition.value) for definition in definitions)

    def _project_constant(self, expr: cst.BaseExpression) -> bool:
        """`config.TABLE`, or `TABLE` imported from the project's `config`: a literal string
        or number a project module defines, which cannot carry text from outside."""
        if not isinstance(expr, cst.Name | cst.Attribute):
            return False
        return any(self.file.project.constant(name) for name in self.file.qualified_names(expr))

    # Where values come from ----------------------------------------------------------

    def _report_with_risk(
        self, node: cst.CSTNode, message: str, holes: list[tuple[cst.BaseExpression, Lookup]], kind: str
    ) -> None:
        """Report, noting where spliced-in values come from when that is outside the code.

        Text typed by a user or sent in a request makes the finding an error: that is an
        injection, not a risk. A function parameter is only named, since whether callers
        pass untrusted text is not visible here.
        """
        for hole, lookup in holes:
            found = self._untrusted(hole, lookup)
            if found is not None:
                origin, certain = found
                if certain:
                    self.report(node, f"{message}; {origin}: {kind}", Severity.ERROR)
                else:
                    self.report(node, f"{message}; {origin}: {kind} risk if it can hold untrusted text")
                return
        self.report(node, message)

    def _untrusted(self, hole: cst.BaseExpression, lookup: Lookup) -> tuple[str, bool] | None:
        """Where a hole's value comes from outside the code, and whether that is certainly
        untrusted text (`input()`, a request) rather than a function parameter."""
        definitions: list[Definition] = []
        for name in names_read(hole):
            untrusted = _UNTRUSTED.intersection(self.file.qualified_names(name))
            if untrusted:
                return f"a spliced-in value comes from `{min(untrusted).split('.', 1)[1]}`", True
            definitions.extend(lookup(name.value))
        for definition in ancestry(definitions, _not_past_database_reads, limit=200):
            if definition.kind is Kind.PARAM and definition.name not in _SELF:
                return f"the value of the parameter `{definition.name}` is spliced in", False
            if definition.value is not None:
                for name in names_read(definition.value):
                    untrusted = _UNTRUSTED.intersection(self.file.qualified_names(name, definition.scopes))
                    if untrusted:
                        return f"`{definition.name}` comes from `{min(untrusted).split('.', 1)[1]}`", True
        return None


def _in_shell_quotes(before: str) -> bool:
    """Whether shell text ending in `before` leaves a `'...'` or `"..."` open: what comes
    next is inside quotes the author wrote."""
    quote = None
    escaped = False
    for char in before:
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote is None and char in "'\"":
            quote = char
        elif char == quote:
            quote = None
    return quote is not None


def _is_fetch(expr: cst.BaseExpression | None) -> bool:
    """`cursor.fetchone()`, `cur.fetchall()[0][1]`: rows read back from a database."""
    while isinstance(expr, cst.Subscript | cst.Attribute):
        expr = expr.value
    return isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in _FETCHES


def _not_past_database_reads(definition: Definition) -> tuple[Definition, ...]:
    """The sources of a definition, except of one read from a database: the rows come from
    the database, not from the connection parameter the cursor was made from."""
    return () if _is_fetch(definition.value) else definition.sources


def _digit_stamp(expr: cst.BaseExpression) -> bool:
    """`time.strftime("%Y%m%d")`, `now.strftime("%Y%m%d_%H%M%S")`: a timestamp of digits."""
    if not (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "strftime"):
        return False
    form = expr.args[0].value if expr.args else None
    return isinstance(form, cst.SimpleString) and isinstance(form.evaluated_value, str) and bool(
        _DIGIT_STAMP.fullmatch(form.evaluated_value)
    )


def _passes_parameters(call: cst.Call) -> bool:
    """`execute(sql, params)`, `read_sql(sql, con, params=...)`: values go as parameters."""
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    method = call.func.attr.value if isinstance(call.func, cst.Attribute) else ""
    if method in ("execute", "executemany") and len(positional) >= 2:
        return True
    return any(keyword_arg(call, keyword) is not None for keyword in _PARAMETER_KEYWORDS)


def _numeric_spec(part: cst.FormattedStringExpression) -> bool:
    """`{n:d}`, `{x:.3f}`: a number, whatever the expression."""
    spec = part.format_spec
    if not spec or not all(isinstance(piece, cst.FormattedStringText) for piece in spec):
        return False
    text = "".join(piece.value for piece in spec)
    return bool(re.fullmatch(r"[<>=^]?[+ -]?#?0?\d*[,_]?(\.\d+)?[bcdoxXneEfFgG%]", text))


_ARITHMETIC = (cst.Subtract, cst.Multiply, cst.Divide, cst.FloorDivide, cst.Power)
_NUMBER_TYPES = frozenset({"builtins.int", "builtins.float", "builtins.bool"})


def _numeric_definition(definition: Definition, file) -> bool:
    """A parameter annotated `int`/`float`, a variable bound to arithmetic (`(hi - lo) / n`)
    or to a timestamp of digits (`stamp = time.strftime("%Y%m%d")`), or a loop counter
    (`range`, the index of `enumerate`)."""
    if definition.kind is Kind.PARAM and isinstance(definition.node, cst.Param):
        annotation = definition.node.annotation
        return annotation is not None and bool(
            _NUMBER_TYPES.intersection(file.qualified_names(annotation.annotation, definition.scopes))
        )
    value = definition.value
    if definition.kind is Kind.LOOP and isinstance(value, cst.Call) and isinstance(definition.node, cst.For):
        # `for epoch in range(n)`, the index of `for i, row in enumerate(rows)`
        callee = file.qualified_names(value.func, definition.scopes)
        target = definition.node.target
        counter = target.elements[0].value if isinstance(target, cst.Tuple) and target.elements else None
        return ("builtins.range" in callee and isinstance(target, cst.Name)) or (
            "builtins.enumerate" in callee and isinstance(counter, cst.Name) and counter.value == definition.name
        )
    if definition.kind is not Kind.ASSIGN or definition.index is not None:
        return False
    return _digit_stamp(value) or isinstance(value, cst.BinaryOperation) and isinstance(value.operator, _ARITHMETIC)


def _builds_text(expr: cst.BaseExpression | None) -> bool:
    """Whether an assigned value is (or builds) a string the template can read on."""
    if isinstance(expr, cst.SimpleString | cst.ConcatenatedString | cst.FormattedString | cst.Name | cst.Integer | cst.Float):
        return True
    if isinstance(expr, cst.BinaryOperation):
        return isinstance(expr.operator, cst.Add | cst.Modulo)
    return isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "format"


def _literal_strings(expr: cst.BaseExpression | None) -> bool:
    """`["train", "valid"]`: a literal collection of strings, a closed list of names."""
    return isinstance(expr, cst.List | cst.Tuple | cst.Set) and bool(expr.elements) and all(
        isinstance(element.value, cst.SimpleString) for element in expr.elements
    )


def _installs(command: str) -> bool:
    """Whether a shell command installs packages (`pip install ...`): MLS206's business."""
    try:
        words = shlex.split(command.replace(_GAP, "x"), comments=True)
    except ValueError:
        return False
    return any(word in _INSTALLERS and words[index + 1 : index + 2] == ["install"] for index, word in enumerate(words))


def _listed(ways: Iterable[str]) -> str:
    unique = list(dict.fromkeys(ways)) or ["string building"]
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]
