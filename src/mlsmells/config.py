"""Configuration: discovery, reading and validation of `[tool.mlsmells]`.

Configuration is data resolved once per run, never per file. Every mistake in it stops
the run with one message naming the file, the key and what was expected (exit code 2).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlsmells.discovery import invalid_glob
from mlsmells.escaping import printable
from mlsmells.reading import RefusedFile, read_bytes
from mlsmells.registry import all_rules, find_rule
from mlsmells.rule import Rule
from mlsmells.selection import SelectionLayer, UnknownSelector, resolve_selector

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

CONFIG_FILENAMES = ("mlsmells.toml", ".mlsmells.toml")
PYPROJECT = "pyproject.toml"

_LIST_KEYS = ("select", "extend-select", "ignore", "exclude", "extend-exclude")
_KNOWN_KEYS = frozenset(_LIST_KEYS + ("per-file-ignores", "rules", "baseline", "max-file-size-mb", "cache-dir", "fail-on"))
#: `fail-on` values: the least severe finding that makes the run fail.
FAIL_ON = ("error", "warning", "advice")
DEFAULT_MAX_FILE_SIZE_MB = 10
#: A configuration file larger than this is not read (real ones are a few kilobytes).
MAX_CONFIG_BYTES = 16 * 1024 * 1024


class ConfigError(Exception):
    """A configuration problem; the message names the file and key."""


@dataclass(frozen=True)
class Settings:
    """Resolved configuration. Globs are relative to `root`."""

    root: Path
    path: Path | None = None
    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The baseline file named in the configuration, resolved against its directory.
    baseline: Path | None = None
    #: Larger files are not read: they are reported as not analysed.
    max_file_size_mb: float = DEFAULT_MAX_FILE_SIZE_MB
    #: Where results are cached, if the configuration says (resolved against its directory).
    cache_dir: Path | None = None
    #: The least severe finding that fails the run (`FAIL_ON`); None: any finding.
    fail_on: str | None = None

    @property
    def selection(self) -> SelectionLayer:
        return SelectionLayer(self.select, self.extend_select, self.ignore)

    def options_for(self, rule: type[Rule]) -> dict[str, Any]:
        """The rule's options: its declared defaults, overridden by the configuration."""
        return {**rule.default_options(), **self.rule_options.get(rule.name, {})}


def find_config(start: Path) -> Path | None:
    """The nearest configuration file at or above `start`.

    In each directory `mlsmells.toml` and `.mlsmells.toml` come first; a `pyproject.toml`
    counts only if it has a `[tool.mlsmells]` table.
    """
    for directory in (start, *start.parents):
        for name in CONFIG_FILENAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
        candidate = directory / PYPROJECT
        if candidate.is_file() and _mlsmells_table(_read_toml(candidate)) is not None:
            return candidate
    return None


def load_settings(path: Path | None, cwd: Path) -> Settings:
    """Read and validate the configuration file at `path` (None: defaults rooted at `cwd`)."""
    if path is None:
        return Settings(root=cwd)
    data = _read_toml(path)
    if path.name == PYPROJECT:
        table = _mlsmells_table(data)
        table = {} if table is None else table
        prefix = "tool.mlsmells."
    else:
        table, prefix = data, ""
    return _validate(table, path, prefix)


def _mlsmells_table(pyproject: dict[str, Any]) -> Any:
    """`[tool.mlsmells]` of a `pyproject.toml`, or None (a `tool` that is not a table has none)."""
    tool = pyproject.get("tool")
    return tool.get("mlsmells") if isinstance(tool, dict) else None


def _read_toml(path: Path) -> dict[str, Any]:
    shown = printable(str(path))
    try:
        return tomllib.loads(read_bytes(path, MAX_CONFIG_BYTES).decode("utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{shown}: invalid TOML: {printable(str(error))}") from None
    except RecursionError:
        raise ConfigError(f"{shown}: invalid TOML: nested too deeply to read") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{shown}: cannot read: not UTF-8 (byte offset {error.start})") from None
    except RefusedFile as error:
        raise ConfigError(f"{shown}: {error}") from None
    except OSError as error:
        raise ConfigError(f"{shown}: cannot read: {error.strerror or error}") from None


def _validate(table: dict[str, Any], path: Path, prefix: str) -> Settings:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {prefix.rstrip('.')}: expected a table")

    def fail(key: str, expected: str) -> ConfigError:
        return ConfigError(printable(f"{path}: {prefix}{key}: {expected}"))

    unknown = sorted(set(table) - _KNOWN_KEYS)
    if unknown:
        known = ", ".join(sorted(_KNOWN_KEYS))
        raise fail(unknown[0], f"unknown key (known keys: {known})")

    lists: dict[str, tuple[str, ...]] = {}
    for key in _LIST_KEYS:
        if key in table:
            value = table[key]
            if not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
                raise fail(key, f"expected a list of strings, got {_describe(value)}")
            lists[key] = tuple(value)
    for key in ("select", "extend-select", "ignore"):
        for selector in lists.get(key, ()):
            _check_selector(selector, fail, key)
    for key in ("exclude", "extend-exclude"):
        for glob in lists.get(key, ()):
            _check_glob(glob, fail, key)

    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise fail("per-file-ignores", f"expected a table of glob = [selectors], got {_describe(per_file)}")
    per_file_ignores: dict[str, tuple[str, ...]] = {}
    for glob, selectors in per_file.items():
        key = f'per-file-ignores."{glob}"'
        if not (isinstance(selectors, list) and all(isinstance(item, str) for item in selectors)):
            raise fail(key, f"expected a list of rule codes or names, got {_describe(selectors)}")
        for selector in selectors:
            _check_selector(selector, fail, key)
        _check_glob(glob[1:] if glob.startswith("!") else glob, fail, key)
        per_file_ignores[glob] = tuple(selectors)

    paths = {}
    for key in ("baseline", "cache-dir"):
        value = table.get(key)
        if value is not None and not (isinstance(value, str) and value):
            raise fail(key, f"expected a path, got {_describe(value)}")
        paths[key] = path.parent.resolve() / value if value else None

    size = table.get("max-file-size-mb", DEFAULT_MAX_FILE_SIZE_MB)
    if isinstance(size, bool) or not isinstance(size, int | float) or size <= 0:
        raise fail("max-file-size-mb", f"expected a positive number, got {_describe(size)}")

    fail_on = table.get("fail-on")
    if fail_on is not None and fail_on not in FAIL_ON:
        raise fail("fail-on", f"expected one of {', '.join(FAIL_ON)}, got {_describe(fail_on)}")

    return Settings(
        fail_on=fail_on,
        max_file_size_mb=size,
        baseline=paths["baseline"],
        cache_dir=paths["cache-dir"],
        root=path.parent.resolve(),
        path=path,
        select=lists.get("select"),
        extend_select=lists.get("extend-select", ()),
        ignore=lists.get("ignore", ()),
        exclude=lists.get("exclude"),
        extend_exclude=lists.get("extend-exclude", ()),
        per_file_ignores=per_file_ignores,
        rule_options=_validate_rule_options(table.get("rules", {}), fail),
    )


def _validate_rule_options(rules: Any, fail) -> dict[str, dict[str, Any]]:
    if not isinstance(rules, dict):
        raise fail("rules", f"expected a table of rule tables, got {_describe(rules)}")
    resolved: dict[str, dict[str, Any]] = {}
    for rule_key, options in rules.items():
        key = f"rules.{rule_key}"
        rule = find_rule(rule_key)
        if rule is None:
            names = ", ".join(cls.name for cls in all_rules() if cls.options)
            raise fail(key, f"unknown rule (rules with options: {names or 'none'})")
        if not isinstance(options, dict):
            raise fail(key, f"expected a table of options, got {_describe(options)}")
        declared = {option.name: option for option in rule.options}
        for name, value in options.items():
            option = declared.get(name)
            if option is None:
                known = ", ".join(declared) or "this rule has no options"
                raise fail(f"{key}.{name}", f"unknown option ({known})")
            if not option.accepts(value):
                raise fail(f"{key}.{name}", f"expected {option.kind}, got {_describe(value)}")
        resolved.setdefault(rule.name, {}).update(options)
    return resolved


def _check_selector(selector: str, fail, key: str) -> None:
    try:
        resolve_selector(selector)
    except UnknownSelector as error:
        raise fail(key, str(error)) from None


def _check_glob(glob: str, fail, key: str) -> None:
    reason = invalid_glob(glob)
    if reason is not None:
        raise fail(key, f"{glob!r} is not a valid glob ({reason})")


def _describe(value: Any) -> str:
    type_names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string",
                  list: "a list", dict: "a table"}
    return f"{type_names.get(type(value), type(value).__name__)} ({value!r})"
