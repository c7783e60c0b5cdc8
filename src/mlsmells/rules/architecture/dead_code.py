"""MLS401 and MLS403, dead experimental codepaths: code that can never run, and code kept
as comments. Both are what experiments leave behind when nobody cleans up after them
(IND-3.7-dead-experimental-codepaths, SCULLEY15-dead-experimental-codepaths, SLR-CM28)."""

from __future__ import annotations

import ast
import io
import keyword
import re
import tokenize
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import libcst as cst

from mlsmells.engine.calls import callee_name, code_of
from mlsmells.engine.names import dotted_name, target_names
from mlsmells.engine.positions import FALLBACK
from mlsmells.findings import Family, Severity
from mlsmells.rule import Option, RepositoryReport, Rule

# MLS401 ------------------------------------------------------------------------------------

#: Statements that end their block, by keyword: nothing after them in the same block runs.
_TERMINATORS = {cst.Return: "return", cst.Raise: "raise", cst.Continue: "continue", cst.Break: "break"}
#: Builtins that read or write module globals by name: a file calling them may change any flag.
_DYNAMIC_GLOBALS = frozenset({"builtins.globals", "builtins.vars", "builtins.locals", "builtins.exec", "builtins.eval"})
#: Names that are false for the interpreter but true for type checkers: their blocks are read.
_TYPE_CHECKING_FLAGS = frozenset({"TYPE_CHECKING", "MYPY"})


def _constant(expr: cst.BaseExpression) -> bool | None:
    """The truth of `False`, `True`, `None`, `0` or `1` written as a test, else None."""
    if isinstance(expr, cst.Name) and expr.value in ("True", "False", "None"):
        return expr.value == "True"
    if isinstance(expr, cst.Integer) and expr.value in ("0", "1"):
        return expr.value == "1"
    return None


def _statements(block: cst.BaseSuite) -> list[cst.BaseStatement | cst.BaseSmallStatement]:
    """The statements of a block, each small statement of `a; b` on its own."""
    if isinstance(block, cst.SimpleStatementSuite):
        return list(block.body)
    flat: list[cst.BaseStatement | cst.BaseSmallStatement] = []
    for statement in block.body:
        if isinstance(statement, cst.SimpleStatementLine):
            flat.extend(statement.body)
        else:
            flat.append(statement)
    return flat


def _only(block: cst.BaseSuite, kinds: tuple[type[cst.CSTNode], ...]) -> bool:
    """Whether every statement of the block is an expression or statement of `kinds`."""
    return all(
        isinstance(statement, kinds)
        or (isinstance(statement, cst.Expr) and isinstance(statement.value, kinds))
        for statement in _statements(block)
    )


def _is_empty_generator_tail(statements: list[cst.CSTNode]) -> bool:
    """`return` followed by `yield`: the idiom that makes a function an empty generator."""
    return all(isinstance(s, cst.Expr) and isinstance(s.value, cst.Yield) for s in statements)


class DeadBranch(Rule):
    """
    Code that can never run:

    - the body of `if False:`, `if 0:`, `while False:` and `while 0:`;
    - the `else` (or `elif`) of `if True:`, `if 1:` or `while True:`;
    - statements after `return`, `raise`, `continue` or `break` in the same block;
    - the body of `if FLAG:` where `FLAG` is a module-level constant bound once, to `False`,
      `0` or `None`, that nothing changes: not rebound in the file (not even through
      `global`, `globals()` or `exec`), and not imported, assigned as `module.FLAG = ...`
      or patched with `setattr(..., "FLAG", ...)` by any other file of the repository.
      That is an experiment switched off and left in place.

    `if TYPE_CHECKING:` (and an `if False:` holding only imports, its older spelling) is
    read by type checkers and is not reported; neither is `return` followed only by
    `yield`, which makes a function an empty generator.
    """

    code = "MLS401"
    name = "dead-branch"
    family = Family.ARCHITECTURE
    severity = Severity.ADVICE
    needs_whole_repository = True
    summary = "Code that can never run: a constant-false branch, or statements after return/raise."
    challenges = ("IND-3.7-dead-experimental-codepaths", "SCULLEY15-dead-experimental-codepaths", "SLR-CM28")
    why = (
        "A branch switched off with `if False:` or a flag nobody sets is an experiment that "
        "ended without being removed. Readers must still understand it, it is never tested, and "
        "it rots: when someone turns it back on it no longer matches the code around it. "
        "Sculley et al. (SCULLEY15) and Salehi's industry survey (IND-3.7) name dead "
        "experimental codepaths as technical debt specific to ML systems; SLR-CM28 lists "
        "redundant experimental code paths among what makes ML code hard to test and maintain."
    )
    bad = (
        '''
        # file: train.py
        import torch

        USE_MIXUP = False

        def train_step(model, batch, optimizer):
            inputs, targets = batch
            if USE_MIXUP:
               ^^^^^^^^^
                inputs, targets = mixup(inputs, targets, alpha=0.2)
            loss = torch.nn.functional.cross_entropy(model(inputs), targets)
            loss.backward()
            optimizer.step()
            return loss.item()
            print("step done")
            ^^^^^^^^^^^^^^^^^^
        ''',
        '''
        if False:
           ^^^^^
            model = build_resnet(depth=101)
            model.load_state_dict(torch.load("resnet101-experiment.pt"))
        ''',
    )
    good = (
        '''
        import argparse
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from torch import nn

        USE_MIXUP = False

        def train_step(model: "nn.Module", batch, optimizer):
            inputs, targets = batch
            if USE_MIXUP:
                inputs, targets = mixup(inputs, targets, alpha=0.2)
            return fit(model, inputs, targets, optimizer)

        if __name__ == "__main__":
            parser = argparse.ArgumentParser()
            parser.add_argument("--mixup", action="store_true")
            USE_MIXUP = parser.parse_args().mixup
        ''',
        '''
        # file: augment.py
        USE_MIXUP = False

        def augment(inputs, targets):
            if USE_MIXUP:
                return mixup(inputs, targets)
            return inputs, targets
        # file: sweep.py
        import augment

        augment.USE_MIXUP = True
        ''',
    )
    use_instead = (
        "Delete code that cannot run; version control keeps it. An experiment that should stay "
        "available belongs behind a real configuration option (a command-line flag, a config "
        "file entry) that runs in tests."
    )
    notebook_behavior = (
        "Code cells are one module: a flag set in one cell and tested in another is followed "
        "across cells. `if 0:` and `if False:` used to switch a cell off are reported: the cell "
        "is dead code in the saved notebook. Top-level statements after a `raise` are not "
        "reported in notebooks, where later cells are often run by hand after a deliberate stop."
    )
    limitations = (
        "Only constant tests are read, never conditions that are false for other reasons "
        "(`if x and not x`). Flags are only reported when mlsmells was given directories: a run "
        "on named files (pre-commit) cannot see the other files that may set them. A flag counts "
        "as changed by another file when that file imports "
        "or assigns any name spelled the same (from whatever module), or binds it to `True` at "
        "its top level (`kernel_mode = True` in a sibling script): the repository pass keys "
        "flags by name only, which keeps it linear and errs towards silence. Flags set from "
        "outside Python (a templating step, `sed`) cannot be seen. Measured: 4 findings in the "
        "transformers wheel (three `if 0:` debugging blocks, a second `return`), none in timm, "
        "Lightning, sentence-transformers, pytorch/examples or nanoGPT (whose flags are overridden "
        "through `exec`, which the rule respects), 128 in 3,032 Kaggle kernels, 74 of them "
        "flags such as `develop = False` or `OPTIMIZE_ROUNDS = False` left off. A Colab form "
        "field (`use_gpu = False  #@param`) is set by the reader, and a switch with its other "
        "position written beside it (`# debug_mode = True`) is flipped by hand: neither is "
        "reported."
    )

    def __init__(self, file, options) -> None:
        super().__init__(file, options)
        #: Module-level bindings per name: the statements that bind it at module level.
        self.module_bindings: dict[str, list[cst.CSTNode]] = {}
        #: Names of module-level constants bound to a false literal, and the binding statement.
        self.false_constants: dict[str, tuple[cst.CSTNode, str]] = {}
        #: Names declared `global` somewhere: functions may rebind them.
        self.global_names: set[str] = set()
        #: `if FLAG:` tests that read a module-level name, with the size of their body.
        self.flag_tests: list[tuple[cst.Name, int]] = []
        #: Names this file may change in other modules: imported by name, assigned as attributes.
        self.touched_names: set[str] = set()
        self.dynamic_globals = False

    # Constant tests -----------------------------------------------------------------------

    def visit_If(self, node: cst.If) -> None:
        truth = _constant(node.test)
        if truth is False:
            if _only(node.body, (cst.Import, cst.ImportFrom)):
                return  # the pre-TYPE_CHECKING spelling: imports only type checkers read
            if _only(node.body, (cst.Yield,)):
                return  # `if False: yield`, which makes a function a generator
            self.report(node.test, f"`if {code_of(node.test)}:` never runs its body{_size(node.body)}; {_ADVICE}")
        elif truth is True and node.orelse is not None:
            branch = "elif" if isinstance(node.orelse, cst.If) else "else"
            self.report(
                node.test,
                f"`if {code_of(node.test)}:` is always true, so its `{branch}` branch never runs; {_ADVICE}",
            )
        elif isinstance(node.test, cst.Name):
            self._flag_test(node.test, node.body)

    def visit_While(self, node: cst.While) -> None:
        truth = _constant(node.test)
        if truth is False:
            self.report(node.test, f"`while {code_of(node.test)}:` never runs its body{_size(node.body)}; {_ADVICE}")
        elif truth is True and node.orelse is not None:
            self.report(
                node.test,
                f"`while {code_of(node.test)}:` only ends by `break`, `return` or `raise`, so its `else` "
                f"branch never runs; {_ADVICE}",
            )

    # Statements after return, raise, continue, break ----------------------------------------

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._after_terminator(_statements(node))

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._after_terminator(list(node.body))

    def visit_Module(self, node: cst.Module) -> None:
        if self.file.notebook is None:
            self._after_terminator(_statements(node))

    def _after_terminator(self, statements: list[cst.CSTNode]) -> None:
        for index, statement in enumerate(statements[:-1]):
            keyword = _TERMINATORS.get(type(statement))
            if keyword is not None:
                rest = statements[index + 1:]
                if not _is_empty_generator_tail(rest):
                    count = len(rest)
                    what = "this statement" if count == 1 else f"this statement and the {count - 1} after it"
                    self.report(
                        rest[0],
                        f"{what} can never run: `{keyword}` above leaves the block first; "
                        f"delete {'it' if count == 1 else 'them'}",
                    )
                return

    # Flags: module-level constants bound once to a false literal -------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind_target(node, target.target, node.value if len(node.targets) == 1 else None)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind_target(node, node.target, node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind_target(node, node.target, None)

    def visit_For(self, node: cst.For) -> None:
        self._bind_target(node, node.target, None)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._bind_target(node, node.asname.name, None)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node, node.target, None)

    def visit_Del(self, node: cst.Del) -> None:
        self._bind_target(node, node.target, None)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._bind(node, node.name.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._bind(node, node.name.value)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            local = alias.asname.name if alias.asname is not None else alias.name
            self._bind(node, (dotted_name(local) or "").split(".")[0])

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            self._bind(node, "*")  # any name may come from there
            return
        for alias in node.names:
            self.touched_names.add(dotted_name(alias.name) or "")
            local = alias.asname.name if alias.asname is not None else alias.name
            self._bind(node, dotted_name(local) or "")

    def visit_Global(self, node: cst.Global) -> None:
        self.global_names.update(item.name.value for item in node.names)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind_target(node, node.name.name, None)

    def visit_Call(self, node: cst.Call) -> None:
        if any(name in _DYNAMIC_GLOBALS for name in self.file.qualified_names(node.func)):
            self.dynamic_globals = True
        elif callee_name(node.func) == "setattr":
            # setattr(module, "FLAG", True), monkeypatch.setattr("pkg.module.FLAG", True)
            for arg in node.args[:2]:
                if isinstance(arg.value, cst.SimpleString) and isinstance(arg.value.evaluated_value, str):
                    self.touched_names.add(arg.value.evaluated_value.rsplit(".", 1)[-1])

    def _bind_target(self, node: cst.CSTNode, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if isinstance(target, cst.Attribute):
            self.touched_names.add(target.attr.value)  # `config.USE_AMP = True`
            return
        for name in target_names(target):
            self._bind(node, name.value)
            constant = _constant(value) if isinstance(target, cst.Name) and value is not None else None
            if constant is False and self.file.in_module_scope:
                self.false_constants.setdefault(name.value, (node, code_of(value)))
            elif constant is True and self.file.in_module_scope:
                self.touched_names.add(name.value)  # another script of the project may run with it on

    def _bind(self, node: cst.CSTNode, name: str) -> None:
        if self.file.in_module_scope:
            self.module_bindings.setdefault(name, []).append(node)

    def _flag_test(self, test: cst.Name, body: cst.BaseSuite) -> None:
        """Remember `if NAME:` when NAME is the module's own binding, not a local one."""
        name = test.value
        innermost = self.file.scopes[-1]
        for scope in reversed(self.file.scopes[1:]):
            if isinstance(scope.node, cst.ClassDef) and scope is not innermost:
                continue
            if name in scope.others or name in scope.imports:
                return
        self.flag_tests.append((test, len(_statements(body))))

    def file_facts(self) -> Any:
        """The flags this file holds findings for, and the names it may change elsewhere."""
        held = []
        if not self.dynamic_globals and "*" not in self.module_bindings:
            for test, size in self.flag_tests:
                message = self._flag_message(test.value, size)
                if message is not None:
                    held.append([test.value, self.hold(test, message), message])
        if not held and not self.touched_names:
            return None
        return {"flags": held, "touched": sorted(self.touched_names)}

    def _flag_message(self, name: str, size: int) -> str | None:
        """Why `if NAME:` never runs, or None if NAME may be true at some point."""
        if name not in self.false_constants or name in self.global_names or name in _TYPE_CHECKING_FLAGS:
            return None
        binding, value = self.false_constants[name]
        if self.module_bindings.get(name) != [binding] or self._form_field(binding) or self._hand_switch(binding, name):
            return None
        statements = "statement" if size == 1 else "statements"
        return (
            f"`if {name}:` never runs its body ({size} {statements}): `{name}` is bound once, to `{value}`, "
            f"{self._where(binding)}, and nothing in the repository changes it; {_ADVICE}"
        )

    def _form_field(self, binding: cst.CSTNode) -> bool:
        """`use_gpu = False  #@param {type:"boolean"}`: a Colab form's checkbox, set by the reader."""
        line = self.file.spans_near([binding]).get(binding, FALLBACK).line
        return re.search(r"#\s*@param", self.file.source_line(line)) is not None

    def _hand_switch(self, binding: cst.CSTNode, name: str) -> bool:
        """`DEBUG = False` with `# DEBUG = True` on its line or the next to it: a switch the
        author flips by hand, its other position written out."""
        line = self.file.spans_near([binding]).get(binding, FALLBACK).line
        other = re.compile(rf"#\s*{re.escape(name)}\s*=\s*(True|1)\b")
        return any(other.search(self.file.source_line(number)) for number in (line - 1, line, line + 1))

    def _where(self, node: cst.CSTNode) -> str:
        line = self.file.spans_near([node]).get(node, FALLBACK).line
        if self.file.notebook is None:
            return f"on line {line}"
        cell, cell_line, _ = self.file.notebook.locate(line, 1)
        return f"in cell {cell}, line {cell_line}"

    @classmethod
    def check_repository(cls, facts: Mapping[str, Any]) -> Iterable[RepositoryReport]:
        """Flags no other file imports or assigns: keyed by name, one pass over the facts."""
        touched_by: dict[str, set[str]] = {}
        for path, file_facts in facts.items():
            for name in file_facts["touched"]:
                touched_by.setdefault(name, set()).add(path)
        for path, file_facts in facts.items():
            for name, held, message in file_facts["flags"]:
                if not touched_by.get(name, set()) - {path}:
                    yield RepositoryReport(path, held, message)


_ADVICE = "delete the dead code, or make the experiment a real configuration option"


def _size(block: cst.BaseSuite) -> str:
    count = len(_statements(block))
    return f" ({count} statement{'s' if count != 1 else ''})"


# MLS403 ------------------------------------------------------------------------------------

#: Comments that tools read (`# pylint: disable=x` even parses, as an annotated assignment).
_PRAGMA = re.compile(
    r"(type|pylint|mypy|pyright|isort|fmt|yapf|ruff|pragma|cython|vim|mlsmells)\s*:|(noqa|nosec)\b|%%|-\*-",
    re.IGNORECASE,
)
_STRING = re.compile(r"""("|')(?:\\.|(?!\1).)*\1""")
#: Two words in a row outside strings: prose, unless a keyword joins them (`for x in xs`).
_TWO_WORDS = re.compile(r"\b([A-Za-z_]\w*)\s+([A-Za-z_]\w*)\b")
_KEYWORDS = frozenset({*keyword.kwlist, "print"})
_OPENING, _CLOSING = "([{", ")]}"
#: A clause that continues a compound statement: parsed after a dummy statement it can follow.
_CLAUSES = {"elif": "if x:\n pass\n", "else": "if x:\n pass\n", "except": "try:\n pass\n", "finally": "try:\n pass\n"}
#: How far a bracketed statement may run over comment lines before it is taken for prose.
_MAX_STATEMENT_LINES = 30

#: Prose that introduces what follows: an example, an alternative or an optional step offered
#: to the reader (`# Alternative: use the GPU version`, `# If you want the full
#: report, ...`), the script that generated a file (`# Autogen with`), or code a
#: `TODO`/`FIXME` says is waiting for something (tracked, not abandoned).
_INTRODUCTION = re.compile(
    r":\s*$|\buncomment|\b(example|e\.g\.|for instance|usage|todo|fixme)\b"
    r"|\b(alternative(ly)?|optional(ly)?)\b|\b(if you|in case|you (can|could|may))\b"
    r"|\b(as follows|shown (here|below)|like (this|so))\b|\b(as|like)\s*[.:]?\s*$"
    r"|\b(multiple|several|many|different|other) (ways|options|approaches)\b|\bstarting point\b"
    r"|\bauto-?gen|\b(generated|produced|obtained) (with|by|using|via)\b",
    re.IGNORECASE,
)
#: An item of a numbered list (`# 2. Confusion matrix with seaborn`): in an introduced
#: example it names the next alternative of a menu, and does not end the example.
_NUMBERED_ITEM = re.compile(r"\s*\d{1,2}[.)]\s+\S")
#: A cell marker of a notebook exported as a script (`# In[12]:`, `# %%`) ends in `:` or
#: opens a cell, but introduces nothing: the code after it is the cell's.
_CELL_MARKER = re.compile(r"#*\s*((In|Out)\s*\[[^\]]*\]\s*:?|%%.*)\s*")


def _is_introduction(text: str) -> bool:
    """Whether a line of prose introduces the code after it (see `_INTRODUCTION`)."""
    return bool(_INTRODUCTION.search(text)) and not _CELL_MARKER.fullmatch(text.strip())


CODE, NEUTRAL, PROSE = "code", "neutral", "prose"


def _looks_like_prose(text: str) -> bool:
    """A quick filter before parsing: two words side by side, which Python only writes
    around keywords (`# load the data`, `# see above`)."""
    for match in _TWO_WORDS.finditer(_STRING.sub('""', text)):
        if match.group(1) not in _KEYWORDS and match.group(2) not in _KEYWORDS:
            return True
    return False


def _without_trailing_comment(text: str) -> str:
    """`model.fit(x)  # takes an hour` without its note: the code before it decides."""
    masked = _STRING.sub(lambda match: "_" * len(match.group()), text)
    cut = masked.find("#")
    return text if cut <= 0 else text[:cut].rstrip()


def _parse(source: str) -> list[ast.stmt] | None:
    """The statements of `source`, or None if it is not Python. Parsing never runs anything."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # `# path = "C:\data"`: an invalid escape, not our concern
            return ast.parse(source).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _depth(text: str) -> int:
    """How many brackets `text` leaves open (negative: it closes more than it opens)."""
    text = _STRING.sub('""', text)
    return sum(text.count(c) for c in _OPENING) - sum(text.count(c) for c in _CLOSING)


def _acts(node: ast.AST, lines: list[str]) -> bool:
    """Whether an expression does something: calls a function. Names, attributes, tuples
    and arithmetic alone are how prose parses (`# train`, `# e.g`, `# (batch, seq_len)`,
    `# pre-processing`), and so does a name with a space before its brackets."""
    return any(isinstance(part, ast.Call) and not _spaced_call(part, lines) for part in ast.walk(node))


def _spaced_call(call: ast.Call, lines: list[str]) -> bool:
    """`x (batch, seq_len, features)`: a name, a space, then brackets of names. That is how
    a shape or a signature is annotated in prose; code writes the brackets against the
    name it calls (`print (x)`, old Python 2 style, stays code)."""
    func = call.func
    if not isinstance(func, ast.Name) or func.id in _KEYWORDS or call.keywords:
        return False
    if not all(isinstance(arg, ast.Name | ast.Constant) for arg in call.args):
        return False
    line = lines[func.end_lineno - 1] if func.end_lineno is not None and func.end_lineno <= len(lines) else ""
    return line[func.end_col_offset : func.end_col_offset + 1].isspace()


def _is_code(statement: ast.stmt, lines: list[str]) -> bool:
    """Whether a parsed comment is a statement nobody would write as prose."""
    if isinstance(statement, ast.Assign | ast.AugAssign | ast.Import | ast.ImportFrom | ast.Delete | ast.Assert):
        return True
    if isinstance(statement, ast.Expr | ast.Return | ast.Raise):
        value = statement.exc if isinstance(statement, ast.Raise) else statement.value
        return value is not None and _acts(value, lines)
    if isinstance(statement, ast.If | ast.While):  # not `# if so:`, `# while training:`
        return any(isinstance(part, ast.Call | ast.Compare | ast.Attribute | ast.Subscript) for part in ast.walk(statement.test))
    if isinstance(statement, ast.With):
        return any(_acts(item.context_expr, lines) for item in statement.items)
    # `for`, `def`, `class`, `try`: the keyword and its punctuation are not prose.
    return isinstance(statement, ast.For | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Try)


def _classify_statement(text: str) -> str | None:
    """CODE or NEUTRAL for a comment that parses as one or more statements, or as the header
    of a compound statement (`# for batch in loader:`); None if it does not parse."""
    statements = _parse(text)
    if statements is None and text.startswith("@"):
        return CODE if _parse(f"{text}\ndef f(): pass") is not None else None  # `# @register_model`
    if statements is None and text.endswith(":"):
        keyword = text.split(maxsplit=1)[0].rstrip(":")
        prefix = _CLAUSES.get(keyword, "")
        statements = _parse(f"{prefix}{text}\n pass")
        if statements is not None and prefix:
            return CODE  # `else:`, `except ValueError:`: only code reads like that
    if statements is None:
        return None
    lines = text.splitlines()
    return CODE if statements and all(_is_code(statement, lines) for statement in statements) else NEUTRAL


def classify_comments(texts: list[str], introduced: bool = False) -> list[str]:
    """CODE, NEUTRAL or PROSE for each line of a block of comments (their text after `#`).

    Each line is parsed alone, or joined with the lines after it while brackets stay open.
    Blank comments, comments inside commented code (`# # load`) and statements that prose
    also parses to (a lone name, an annotation like `# Note: slow`) are NEUTRAL.
    `introduced`: prose above the block, past blank lines, introduces it (see `_introduces`).
    """
    kinds = [PROSE] * len(texts)
    index = 0
    while index < len(texts):
        text = texts[index].strip()
        if text.startswith("#") and _is_introduction(text):
            index += 1  # `# # Uncomment for the full report:` introduces what follows
            continue
        if not text or text.startswith("#"):
            kinds[index] = NEUTRAL
            index += 1
            continue
        if _PRAGMA.match(text) or _looks_like_prose(_without_trailing_comment(text)):
            index += 1
            continue
        depth, end = _depth(text), index + 1
        while (depth > 0 or texts[end - 1].rstrip().endswith("\\")) and end < len(texts) and end - index < _MAX_STATEMENT_LINES:
            depth += _depth(texts[end])
            end += 1
        kind = _classify_statement("\n".join(line.strip() for line in texts[index:end])) if depth == 0 else None
        if kind is None:
            # A bracket this line opens is not closed as Python: what it holds is not code
            # either, even where it parses alone (`backends=(` in `# @requires(backends=(...))`).
            index = end if end - index > 1 else index + 1
            continue
        kinds[index:end] = [kind] * (end - index)
        index = end
    _skip_examples(texts, kinds, introduced)
    return kinds


def _introduces(texts: list[str]) -> bool:
    """Whether a comment block is prose that introduces the code after it, across blank
    lines (`# Uncomment to train from scratch:`, a blank line, `# model.fit(...)`): no line of
    it is code, and one says what the code after it is for."""
    kinds = classify_comments(texts)
    return CODE not in kinds and any(
        kind == PROSE and _is_introduction(text) for text, kind in zip(texts, kinds, strict=True)
    )


def _skip_examples(texts: list[str], kinds: list[str], introduced: bool = False) -> None:
    """Make NEUTRAL the code that documents rather than disables: up to the next line of
    prose, code after prose that introduces it (`# For example:`, `# Usage`, `# To train on
    a TPU, uncomment this:`), code indented under the prose before it (a Markdown code
    block, in notebooks exported as scripts), and code between ``` fences. `introduced`: the
    block starts inside an example introduced above it."""
    in_example, fenced = introduced, False
    prose_indent: int | None = None
    for index, text in enumerate(texts):
        if text.strip().startswith("```"):
            fenced, kinds[index] = not fenced, PROSE
            continue
        if kinds[index] == PROSE:
            # Pseudo-code in an example (`cocoGt=..., cocoDt=...`) does not end it, nor does
            # the next item of a numbered menu of alternatives; other prose does.
            still_example = in_example and (
                not _looks_like_prose(_without_trailing_comment(text)) or bool(_NUMBERED_ITEM.match(text))
            )
            in_example = still_example or _is_introduction(text)
            prose_indent = _indent(text)
        elif kinds[index] == CODE and prose_indent is not None:
            in_example = in_example or _indent(text) >= prose_indent + 4
            prose_indent = None  # only the first code line after prose is compared
        if (in_example or fenced) and kinds[index] != PROSE:
            kinds[index] = NEUTRAL


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


class CommentedOutCode(Rule):
    """
    A run of consecutive comment lines that are Python statements: code switched off by
    commenting it out. A line counts when it parses as Python and reads as code, not prose:
    an assignment, an import, a call (`# model.fit(x, y)`), `del`, `assert`, a `return` or
    `raise` of a call, or the header of a `for`, `def`, `class`, `try`, `else` or of an
    `if`/`with` on a call or a comparison. Statements spread over several comment lines
    (open brackets) count with all their lines.

    Comments that parse but read as prose are not counted and do not break a run: a lone
    word (`# train`, `# pass`, `# TODO`), an annotation (`# Note: slow`, `# returns: Tensor`),
    shapes and arithmetic without calls (`# (batch, seq_len)`, `# pre-processing`), and a
    name with a space before brackets of names (`# x (batch, seq_len, features)`). A line
    of prose, a pragma (`# type:`, `# noqa`, `# pragma:`, `# fmt:`, `# pylint:`), a blank
    line or code ends a run; strings (docstring examples) are not comments at all.

    Code that documents rather than disables is left alone: code after prose that
    introduces it (a line ending in `:`, or mentioning an example, usage, "uncomment", an
    alternative or an optional step, "if you..."/"in case...", "as follows", "like shown
    here", "there are several ways"), also when blank lines stand between the prose and the
    code, and across the numbered items of such a menu (`# 2. As a heatmap`); code indented
    under the prose above it or between Markdown code fences (as in notebooks exported as
    scripts). A run that only gives one variable other values (`# url = "http://localhost"`,
    `# url = "http://staging"`...) is a menu of settings switched by hand, not reported.
    """

    code = "MLS403"
    name = "commented-out-code"
    family = Family.ARCHITECTURE
    severity = Severity.ADVICE
    summary = "Several consecutive comment lines are commented-out Python code."
    challenges = ("IND-3.7-dead-experimental-codepaths", "SCULLEY15-dead-experimental-codepaths")
    options = (
        Option(
            "min_lines",
            "int",
            3,
            "Commented-out code lines a run needs to be reported. Default 3: of 1,040 runs measured "
            "in 13 corpora, 74% are one line and 16% two, mostly an alternative kept beside the live "
            "line or a formula; every run of 3 or more lines read was a disabled block.",
        ),
    )
    why = (
        "Commented-out code is an experiment nobody finished removing. It cannot be tested, "
        "it drifts from the code around it, and readers cannot tell whether it is meant to come "
        "back. Salehi's industry survey (IND-3.7) and Sculley et al. (SCULLEY15) name dead "
        "experimental codepaths as technical debt of ML systems; version control already keeps "
        "old code."
    )
    bad = (
        '''
        def evaluate(model, loader):
            model.eval()
            # scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10)
            ^
            # for epoch in range(10):
            #     scheduler.step()
            return accuracy(model, loader)
        ''',
    )
    good = (
        '''
        # Copyright 2024 The Churn Team. Licensed under the Apache License, Version 2.0.
        def evaluate(model, loader):
            # Note: the model must be in eval mode, or dropout stays on.
            # Shapes: logits (batch, classes), labels (batch,)
            model.eval()
            # scheduler.step() is called by the trainer
            return accuracy(model, loader)  # type: ignore[arg-type]
        ''',
    )
    use_instead = (
        "Delete the code; version control keeps it. If the alternative must stay available, "
        "make it a configuration option that runs in tests."
    )
    notebook_behavior = (
        "Comments in code cells count; a run never spans two cells. The finding points at the "
        "first line of the run in its cell."
    )
    limitations = (
        "Runs made only of lines prose can also parse to are not reported (three lone names, "
        "or `# Note: ...` annotations), nor code offered to the reader after an introduction, "
        "directly above or past blank lines (`# To use Prometheus, uncomment:`, `# Alternative: "
        "...`, `# Optionally ...`, `# If you want ...`, `# ... as follows`, `# There are several ways "
        "...` and the numbered alternatives after it, `# Generated with`) or a `TODO`/`FIXME` saying what it waits "
        "for. Shape annotations written like calls with a space (`# x (batch, seq_len)`) are prose, "
        "and a run that only assigns one variable values that do not read it (alternative URLs "
        "or paths kept side by side) is a menu of settings, not reported. Code kept under prose "
        "that explains why it is kept, without announcing it, is still reported. Debugging code "
        "disabled under a comment that only names it (`# debug printing`) "
        "is reported: it is the dead code the rule is about; "
        "formulas written as valid Python "
        "(`# loss = -log(p)`) count as code. Default 3 lines: measured on the transformers, "
        "timm, sentence-transformers and Lightning wheels, pytorch/examples, nanoGPT, PyTorch-GAN, "
        "ML-From-Scratch, handson-ml2/3, both machine-learning books and 180 Kaggle kernels, "
        "1,040 runs of commented-out code: 766 one line, 166 two, 108 three or more (24 in "
        "transformers, 18 in timm, 55 in the Kaggle kernels). Two-line runs often explain code "
        "(`# same as: idx = ...`); at three lines and more, the 86 runs read were all disabled code."
    )

    def end_file(self) -> None:
        lines = self.file.text.splitlines()
        comment_lines: set[int] | None = None  # found by tokenizing, only if a run is found
        minimum = self.settings["min_lines"]
        for start, texts, introduced in self._comment_blocks(lines, minimum):
            kinds = classify_comments(texts, introduced)
            for offset, count in _code_runs(kinds, minimum):
                if _menu_of_values(_run_code(texts, kinds, offset, count)):
                    continue
                first = start + offset
                if comment_lines is None:
                    comment_lines = _comment_lines(self.file.text)
                if first in comment_lines:
                    column = len(lines[first - 1]) - len(lines[first - 1].lstrip()) + 1
                    self.file.report_line(
                        self, first, f"{count} lines of commented-out code (threshold {minimum}); delete them, "
                        "version control keeps old code", column
                    )

    def _comment_blocks(self, lines: list[str], minimum: int) -> Iterator[tuple[int, list[str], bool]]:
        """(first line, texts after `#`, whether prose above introduces it) of each block of
        at least `minimum` consecutive comment-only lines, within one notebook cell. The
        prose introducing a block may stand above it with blank lines between."""
        notebook = self.file.notebook
        block: list[str] = []
        above: list[str] = []  # the block before, if only blank lines lie between
        start = cell = 0
        for number, line in enumerate([*lines, ""], start=1):
            stripped = line.lstrip()
            here = notebook.locate(number, 1)[0] if notebook is not None and number <= len(lines) else None
            if stripped.startswith("#") and (not block or here == cell):
                if not block:
                    if here != cell:
                        above = []
                    start, cell = number, here
                block.append(stripped[1:])
                continue
            if len(block) >= minimum:
                yield start, block, bool(above) and _introduces(above)
            if (stripped and not stripped.startswith("#")) or here != cell:
                above = []  # code, or another cell, between the prose and the next block
            elif block:
                above = block
            block = [stripped[1:]] if stripped.startswith("#") else []
            start, cell = number, here


def _code_runs(kinds: list[str], minimum: int) -> Iterator[tuple[int, int]]:
    """(index of the first CODE line, number of CODE lines) of each run between PROSE lines
    with at least `minimum` CODE lines."""
    first, count = None, 0
    for index, kind in enumerate([*kinds, PROSE]):
        if kind == CODE:
            first = index if first is None else first
            count += 1
        elif kind == PROSE:
            if count >= minimum:
                yield first, count
            first, count = None, 0


def _run_code(texts: list[str], kinds: list[str], first: int, count: int) -> list[str]:
    """The `count` CODE lines of the run starting at index `first`."""
    return [text for text, kind in zip(texts[first:], kinds[first:], strict=True) if kind == CODE][:count]


def _menu_of_values(code: list[str]) -> bool:
    """Every line gives the same variable another value that does not read it (`# url =
    "http://localhost:9696"`, `# url = "http://staging:9696"`...): settings kept side by
    side to switch between by hand, not a block of code switched off. A pipeline that
    rebinds a name from itself (`# x = scale(x)`, `# x = crop(x)`) is code."""
    names = set()
    for text in code:
        statements = _parse(text.strip())
        if not statements or len(statements) != 1 or not isinstance(statements[0], ast.Assign):
            return False
        targets = statements[0].targets
        if len(targets) != 1 or not isinstance(targets[0], ast.Name):
            return False
        name = targets[0].id
        if any(isinstance(part, ast.Name) and part.id == name for part in ast.walk(statements[0].value)):
            return False
        names.add(name)
    return len(names) == 1


def _comment_lines(text: str) -> set[int]:
    """The lines holding nothing but a comment, by Python's tokenizer: a `#` inside a string
    (a docstring example) is not a comment."""
    found: set[int] = set()
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT and not token.line[: token.start[1]].strip():
                found.add(token.start[0])
    except (tokenize.TokenError, SyntaxError):
        pass  # what was read is right; the rest is left unreported
    return found
