"""MLS0xx: what the engine itself reports. These rules have no handlers; the engine
creates their findings when a file cannot be analysed or a rule fails."""

from mlsmells.findings import Family, Severity
from mlsmells.rule import Rule


class FileNotAnalysed(Rule):
    """
    A file that mlsmells could not analyse: it could not be read (permissions, a broken
    link), decoded (bytes that are not valid in its declared or default encoding), or
    parsed (a syntax error, or code nested too deeply to analyse safely). The finding
    names the reason and, for a syntax error, the line and column.
    """

    code = "MLS001"
    name = "file-not-analysed"
    family = Family.ENGINE
    severity = Severity.ERROR
    precision = "very-high"
    summary = "A file could not be read, decoded or parsed, so no rule checked it."
    challenges = ("META-C2",)
    why = (
        "A linter that silently skips files gives a false sense of safety: every smell in an "
        "unparsable file goes unreported. Saying which files were not analysed keeps the "
        "result honest, which matters most for the low-quality, half-finished code that "
        "META-C2 (low code quality in data science code, especially in notebooks) is about."
    )
    bad = (
        '''
        def train(model, loader)
                                ^
            for batch in loader:
                model.step(batch)
        ''',
    )
    good = (
        '''
        def train(model, loader):
            for batch in loader:
                model.step(batch)
        ''',
    )
    use_instead = "Fix the syntax error, or exclude the file if it is not meant to be Python."
    limitations = (
        "Syntax newer than the running Python is accepted when libcst can parse it. "
        "Files that are not meant to be analysed belong in `extend-exclude`; `ignore` or "
        "`per-file-ignores` can silence this rule, and the summary still counts such files."
    )


class InternalError(Rule):
    """
    A rule raised an exception on a file. The other rules still checked the file and the
    run went on, but the failing rule's results for that file are missing. The finding
    names the rule and the exception; the run exits with code 2.
    """

    code = "MLS002"
    name = "internal-rule-error"
    family = Family.ENGINE
    severity = Severity.ERROR
    precision = "very-high"
    summary = "A rule failed with an exception on a file; its results for that file are missing."
    challenges = ("META-C2",)
    why = (
        "A bug in one rule must not hide the findings of the others, nor end the run on a "
        "repository of thousands of files; but it must not pass silently either. This finding "
        "cannot be suppressed: please report it, with the file if you can share it."
    )
    use_instead = "Nothing to change in your code: report the bug to the mlsmells maintainers."
    limitations = "This finding cannot be suppressed by `noqa`, `ignore` or `per-file-ignores`."
