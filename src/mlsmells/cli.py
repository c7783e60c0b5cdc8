"""The command line: `mlsmells check | rules | explain | docs | clean`.

Exit codes: 0 no findings; 1 findings (unparsable files included); 2 usage or
configuration error, or an internal error (MLS002, or any other failure of mlsmells,
reported in one line; `--verbose` adds the traceback); 130 interrupted.
Everything printed passes through `escaping`, since paths and messages come from the
analysed project.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from collections import Counter
from pathlib import Path

import click

from mlsmells import __version__
from mlsmells.config import FAIL_ON, ConfigError, Settings, find_config, load_settings
from mlsmells.discovery import DEFAULT_EXCLUDE, FileFilter, MissingPath, discover
from mlsmells.docs import rule_json, rule_markdown, source_checkout_docs, stale_pages, write_pages
from mlsmells.escaping import printable
from mlsmells.findings import Finding, Severity
from mlsmells.baseline import BaselineError, apply_baseline, read_baseline
from mlsmells.baseline import write_baseline as write_baseline_file
from mlsmells.fingerprints import project_root
from mlsmells.output import FORMAT_NAMES, OutputContext, formats
from mlsmells.registry import all_rules, find_rule
from mlsmells.runner import RunResult, display_path, run
from mlsmells.cache import CACHE_DIR_NAME, CacheUnavailable, clean
from mlsmells.parallel import default_jobs
from mlsmells.progress import ProgressBar
from mlsmells.stack import call_with_large_stack, deferred_interrupts
from mlsmells.selection import SelectionLayer, UnknownSelector, close_matches, enabled_rules, resolve_selectors
from mlsmells.writing import write_atomically

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130

def _selectors(values: tuple[str, ...]) -> list[str] | None:
    """`--select A,B --select C` -> [A, B, C]; None when the flag was not given."""
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _fail(message: str) -> click.exceptions.Exit:
    click.echo(f"mlsmells: error: {printable(message)}", err=True)
    return click.exceptions.Exit(EXIT_ERROR)


class _Commands(click.Group):
    """The command group, and the last line of defence: an exception that escapes a command
    is a bug in mlsmells, reported in one line with exit code 2 (`--verbose` adds the
    traceback), never a traceback alone with exit code 1 that `--exit-zero` would hide."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except BrokenPipeError:
            # The reader stopped reading (`mlsmells rules | head`): nothing is wrong. click
            # ends such a run quietly with exit code 1, as it does when the pipe breaks later.
            raise
        except KeyboardInterrupt:
            for number in (signal.SIGINT, signal.SIGTERM):  # on the way out, another signal must not cut the exit short
                signal.signal(number, signal.SIG_IGN)
            click.echo("mlsmells: interrupted.", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except Exception as error:  # noqa: BLE001 - the one place every failure ends
            if ctx.meta.get(_VERBOSE):
                click.echo(printable("".join(traceback.format_exception(error))).replace("\\n", "\n"), err=True)
            where = traceback.extract_tb(error.__traceback__)[-1]
            raise _fail(
                f"internal error: {type(error).__name__}: {error} (in {where.name}, {Path(where.filename).name}:"
                f"{where.lineno}). This is a bug in mlsmells; please report it"
                + ("." if ctx.meta.get(_VERBOSE) else " with the traceback `--verbose` prints.")
            ) from None


_VERBOSE = "mlsmells.verbose"


def _remember_verbose(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    ctx.meta[_VERBOSE] = value
    return value


def resolve_settings(config: Path | None, isolated: bool, cwd: Path) -> Settings:
    if isolated:
        return Settings(root=cwd)
    path = config if config is not None else find_config(cwd)
    if config is not None and not config.is_file():
        raise ConfigError(f"{config}: configuration file not found")
    return load_settings(path, cwd)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mlsmells")
def main() -> None:
    """mlsmells: a linter for machine-learning code, Python modules and notebooks."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--output-format", type=click.Choice(FORMAT_NAMES), default="full", show_default=True,
              help="How findings are printed.")
@click.option("--output-file", "-o", type=click.Path(path_type=Path, dir_okay=False),
              help="Write findings to this file instead of standard output.")
@click.option("--statistics", is_flag=True, help="Print one line per rule (count, code, name) instead of findings.")
@click.option("--select", multiple=True, help="Rules to enable (codes, prefixes or names, comma-separated); replaces the configured selection.")
@click.option("--extend-select", multiple=True, help="Rules to enable on top of the selection.")
@click.option("--ignore", multiple=True, help="Rules to disable.")
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False),
              help="Use this configuration file instead of discovering one.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--force-exclude", is_flag=True, help="Apply excludes to files named on the command line too (for pre-commit).")
@click.option("--show-files", is_flag=True, help="List the files that would be checked, and exit.")
@click.option("--show-settings", is_flag=True,
              help="Print the resolved settings (configuration file, root, rules, excludes), and exit.")
@click.option("--exit-zero", is_flag=True, help="Exit with 0 even when there are findings.")
@click.option("--fail-on", type=click.Choice(FAIL_ON),
              help="Fail (exit 1) only on findings at least this severe; the others are still shown. [default: advice]")
@click.option("--quiet", "-q", is_flag=True, help="Do not print the summary on standard error.")
@click.option("--sarif-include-suppressed", is_flag=True,
              help="SARIF: include suppressed findings, marked with their suppression.")
@click.option("--baseline", "baseline_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Report only findings not recorded in this baseline file.")
@click.option("--write-baseline", type=click.Path(path_type=Path, dir_okay=False),
              help="Record the current findings in this baseline file and exit.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of CPUs available).")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Where to cache results (default: .mlsmells_cache at the project root).")
@click.option("--no-cache", is_flag=True, help="Do not read or write cached results.")
@click.option("--verbose", "-v", is_flag=True, is_eager=True, expose_value=False, callback=_remember_verbose,
              help="Print the traceback of an internal error.")
def check(
    paths: tuple[Path, ...],
    output_format: str,
    output_file: Path | None,
    statistics: bool,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    config: Path | None,
    isolated: bool,
    force_exclude: bool,
    show_files: bool,
    show_settings: bool,
    exit_zero: bool,
    fail_on: str | None,
    quiet: bool,
    sarif_include_suppressed: bool,
    baseline_path: Path | None,
    write_baseline: Path | None,
    jobs: int | None,
    cache_dir: Path | None,
    no_cache: bool,
) -> None:
    """Check Python files and notebooks under PATHS (default: the current directory)."""
    cwd = Path.cwd()
    try:
        settings = resolve_settings(config, isolated, cwd)
        cli_layer = SelectionLayer(_selectors(select), _selectors(extend_select) or (), _selectors(ignore) or ())
        rules = enabled_rules([settings.selection, cli_layer])
    except (ConfigError, UnknownSelector) as error:
        raise _fail(str(error)) from None
    baseline_file = baseline_path or settings.baseline
    baseline = None
    if baseline_file is not None and write_baseline is None:
        try:
            baseline = read_baseline(baseline_file)  # before the run: a bad baseline fails fast
        except BaselineError as error:
            raise _fail(str(error)) from None
    root = project_root(cwd, settings.root if settings.path else None)
    cache = None if no_cache else (cache_dir or settings.cache_dir or root / CACHE_DIR_NAME)
    if show_settings:
        click.echo(describe_settings(settings, rules, root, cache, baseline_file, fail_on or settings.fail_on))
        raise click.exceptions.Exit(EXIT_CLEAN)
    if show_files:
        file_filter = FileFilter(settings.root, settings.exclude, settings.extend_exclude)
        try:
            discovery = discover(list(paths) or [Path(".")], file_filter, force_exclude)
        except MissingPath as error:
            raise _fail(str(error)) from None
        for path in discovery.files:
            click.echo(printable(display_path(path, cwd)))
        raise click.exceptions.Exit(EXIT_CLEAN)
    bar = ProgressBar(enabled=not quiet and sys.stderr.isatty() and not os.environ.get("CI"))
    try:
        with deferred_interrupts():  # Ctrl-C and SIGTERM: the run stops its workers, then exits 130
            result = call_with_large_stack(
                lambda: run(
                    list(paths) or [Path(".")], settings, rules, cwd, force_exclude,
                    jobs=jobs or default_jobs(), cache_dir=cache, on_files=bar.start, progress=bar.advance,
                )
            )
    except MissingPath as error:
        raise _fail(str(error)) from None
    finally:
        bar.finish()
    for warning in result.warnings:
        click.echo(f"mlsmells: warning: {printable(warning)}", err=True)

    if write_baseline is not None:
        try:
            recorded, kept = write_baseline_file(write_baseline, result, cwd, root)
        except BaselineError as error:
            raise _fail(str(error)) from None
        if not quiet:
            kept_note = f", and kept {kept} entr{'y' if kept == 1 else 'ies'} for files or rules this run did not check" if kept else ""
            click.echo(f"mlsmells: recorded {recorded} finding(s) in {printable(str(write_baseline))}{kept_note}.", err=True)
        raise click.exceptions.Exit(EXIT_CLEAN)
    stale = apply_baseline(result, baseline, cwd, root).stale if baseline is not None else None

    colour = output_file is None and wants_colour(sys.stdout)
    context = OutputContext(result, rules, cwd, root, sarif_include_suppressed, colour)
    text = render_statistics(result.findings, output_format == "json") if statistics else formats()[output_format](context)
    if output_file is not None:
        try:
            write_atomically(output_file, text.encode("utf-8"))
        except OSError as error:
            raise _fail(f"{output_file}: cannot write: {error.strerror or error}") from None
    else:
        click.echo(text, nl=False, color=colour)
    if not quiet:
        click.echo(summary(result), err=True)
        if stale:
            click.echo(f"mlsmells: {stale} baseline entr{'y no longer occurs' if stale == 1 else 'ies no longer occur'}: "
                       "rewrite the baseline to drop them.", err=True)
    raise click.exceptions.Exit(exit_code(result, exit_zero, fail_on or settings.fail_on))


def wants_colour(stream) -> bool:
    """Colours on a terminal; `NO_COLOR` (any value) turns them off, `FORCE_COLOR` on
    elsewhere too (no-color.org, and as Ruff reads them)."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return stream.isatty()


def describe_settings(settings: Settings, rules, root: Path, cache: Path | None, baseline: Path | None,
                      fail_on: str | None) -> str:
    """What a run would use, one `key: value` per line, as the configuration resolved it."""
    excludes = list(DEFAULT_EXCLUDE if settings.exclude is None else settings.exclude) + list(settings.extend_exclude)
    lines = [
        f"configuration: {settings.path or '(none: defaults)'}",
        f"project root: {root}",
        f"rules: {' '.join(rule.code for rule in rules)}",
        f"exclude: {', '.join(excludes) or '(none)'}",
        *(f"per-file-ignores: {glob} = {', '.join(codes)}" for glob, codes in settings.per_file_ignores.items()),
        f"baseline: {baseline or '(none)'}",
        f"cache: {cache or '(off)'}",
        f"max-file-size-mb: {settings.max_file_size_mb:g}",
        f"fail-on: {fail_on or 'advice (any finding)'}",
    ]
    return "\n".join(printable(line) for line in lines)


def exit_code(result: RunResult, exit_zero: bool, fail_on: str | None = None) -> int:
    """0 clean, 1 findings (at least `fail_on` severe, when given), 2 a bug in mlsmells."""
    if exit_zero:
        return EXIT_CLEAN
    if result.internal_errors:
        return EXIT_ERROR
    failing = _AT_LEAST[fail_on or "advice"]
    return EXIT_FINDINGS if any(finding.severity in failing for finding in result.findings) else EXIT_CLEAN


#: For each `--fail-on` value, the severities that fail a run.
_AT_LEAST = {
    "error": {Severity.ERROR},
    "warning": {Severity.ERROR, Severity.WARNING},
    "advice": set(Severity),
}


def render_statistics(findings: list[Finding], as_json: bool = False) -> str:
    """One row per rule that reported, most frequent first: tab-separated, or JSON."""
    counts = Counter((finding.code, finding.name) for finding in findings)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    if as_json:
        return json.dumps([{"code": code, "name": name, "count": count} for (code, name), count in rows], indent=2) + "\n"
    return "".join(f"{count}\t{code}\t{name}\n" for (code, name), count in rows)


def summary(result: RunResult) -> str:
    files = f"{result.files_checked} file{'s' if result.files_checked != 1 else ''}"
    findings = len(result.findings)
    parts = [f"mlsmells: checked {files}, {findings} finding{'s' if findings != 1 else ''}"]
    if result.suppressed:
        parts.append(f"{result.suppressed} suppressed")
    if result.files_not_analysed:
        count = len(result.files_not_analysed)
        parts.append(f"{count} file{'s' if count != 1 else ''} could not be analysed")
    lines = [", ".join(parts) + "."]
    for path, language in result.skipped_notebooks:
        lines.append(f"mlsmells: skipped {printable(path)}: its kernel language is {printable(language)}, not Python.")
    for glob in result.unused_per_file_ignores:
        lines.append(f"mlsmells: warning: per-file-ignores pattern {printable(repr(glob))} matched no checked file.")
    if result.internal_errors:
        lines.append(
            f"mlsmells: {result.internal_errors} internal rule error(s) (MLS002): this is a bug in "
            "mlsmells; please report it with the file that triggered it."
        )
    return "\n".join(lines)


@main.command("rules")
@click.argument("selectors", nargs=-1)
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_rules(selectors: tuple[str, ...], output_format: str) -> None:
    """List the rules SELECTORS name (codes, prefixes such as MLS3, names; default: every
    rule): code, name, family, severity, and whether it is on by default."""
    try:
        chosen = resolve_selectors(selectors) if selectors else None
    except UnknownSelector as error:
        raise _fail(str(error)) from None
    rules = [rule for rule in all_rules() if chosen is None or rule in chosen]
    if output_format == "json":
        click.echo(json.dumps([
            {"code": r.code, "name": r.name, "family": r.family.title, "severity": r.severity.value,
             "default": r.is_default(), "summary": r.summary, "challenges": list(r.challenges)}
            for r in rules
        ], indent=2))
        return
    name_width = max(len("name"), *(len(rule.name) for rule in rules))
    family_width = max(len("family"), *(len(rule.family.title) for rule in rules))
    click.echo(f"{'code':<6}  {'name':<{name_width}}  {'family':<{family_width}}  {'severity':<8} default")
    for rule in rules:
        state = "on" if rule.is_default() else "off"
        click.echo(
            f"{rule.code}  {rule.name:<{name_width}}  {rule.family.title:<{family_width}}  {rule.severity.value:<8} {state}"
        )


@main.command()
@click.argument("rule")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def explain(rule: str, output_format: str) -> None:
    """Print the documentation of RULE (a code such as MLS101, or a name)."""
    found = find_rule(rule)
    if found is None:
        close = close_matches(rule)
        hint = f" Did you mean {', '.join(close)}?" if close else " `mlsmells rules` lists them all."
        raise _fail(f"unknown rule {rule!r}.{hint}")
    if output_format == "json":
        click.echo(json.dumps(rule_json(found), indent=2))
    else:
        click.echo(rule_markdown(found), nl=False)


@main.command()
@click.option("--check", "check_only", is_flag=True, help="Fail if the generated pages are out of date.")
@click.option("--output", type=click.Path(path_type=Path, file_okay=False),
              help="Write the pages under this directory (default: docs/ of the mlsmells source "
                   "checkout this command runs from).")
def docs(check_only: bool, output: Path | None) -> None:
    """Generate the rule documentation pages and the README's rule table (for developers of mlsmells).

    Without --output they go to mlsmells's own docs/ and README and nowhere else: run in a
    user's project, this command must not overwrite that project's files.
    """
    docs_dir = output or source_checkout_docs()
    if docs_dir is None:
        raise _fail("this mlsmells is not run from its source checkout: name the directory with --output DIR")
    # The README's rule table is refreshed only in mlsmells's own checkout, never beside --output.
    readme = docs_dir.parent / "README.md" if output is None else None
    if check_only:
        stale = stale_pages(docs_dir, readme)
        if stale:
            raise _fail(f"generated docs are out of date: {', '.join(stale)}; run `mlsmells docs`")
        click.echo("mlsmells: generated docs are up to date.", err=True)
        return
    try:
        written = write_pages(docs_dir, readme)
    except OSError as error:
        raise _fail(f"{docs_dir}: cannot write the pages: {error.strerror or error}") from None
    click.echo(printable(f"mlsmells: wrote {len(written)} page(s) under {docs_dir}."), err=True)


@main.command("clean")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False),
              help="The cache to empty (default: the configured one, or .mlsmells_cache at the project root).")
def clean_cache(cache_dir: Path | None) -> None:
    """Empty the results cache."""
    cwd = Path.cwd()
    try:
        settings = resolve_settings(None, False, cwd)
    except ConfigError as error:
        raise _fail(str(error)) from None
    directory = cache_dir or settings.cache_dir or project_root(cwd, settings.root if settings.path else None) / CACHE_DIR_NAME
    if not os.path.lexists(directory):
        click.echo(printable(f"mlsmells: no cache at {directory}."), err=True)
        return
    try:
        removed, left = clean(directory)
    except CacheUnavailable as error:
        raise _fail(str(error)) from None
    except OSError as error:
        raise _fail(f"{directory}: cannot empty the cache: {error.strerror or error}") from None
    kept = f"; left {left} file(s) mlsmells did not write" if left else ""
    click.echo(printable(f"mlsmells: removed {removed} cached result(s) from {directory}{kept}."), err=True)
