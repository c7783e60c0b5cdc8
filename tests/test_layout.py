"""The layout of the source shows the architecture: each rule sits in the package of its
family, shared library knowledge sits in `mlsmells.knowledge` and defines no rule, the
wheel ships every package, and the engine's modules import one way (rule.py -> context
-> dataflow), counting the imports made for type checking only."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

from mlsmells import knowledge, rules
from mlsmells.registry import all_rules
from mlsmells.rule import Rule

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "mlsmells"


def test_every_rule_is_in_the_package_of_its_family():
    for rule in all_rules():
        package = f"mlsmells.rules.{rule.family.name.lower()}."
        assert rule.__module__.startswith(package), f"{rule.code} is in {rule.__module__}, not under {package}"
        assert rule.__module__.count(".") == 3, f"{rule.code}: {rule.__module__} is not a module of the package"


def test_the_rules_package_holds_family_packages_only():
    found = {(module.name, module.ispkg) for module in pkgutil.iter_modules(rules.__path__)}
    assert all(ispkg for _, ispkg in found), sorted(name for name, ispkg in found if not ispkg)
    families = {rule.family.name.lower() for rule in all_rules()}
    assert {name for name, _ in found} == families


def test_knowledge_defines_no_rule_and_imports_no_rule_module():
    for module in pkgutil.iter_modules(knowledge.__path__, prefix=knowledge.__name__ + "."):
        imported = importlib.import_module(module.name)
        defined = [
            cls for _, cls in inspect.getmembers(imported, inspect.isclass)
            if cls.__module__ == module.name and issubclass(cls, Rule)
        ]
        assert not [cls for cls in defined if cls.code], module.name
        assert not [name for name in _imports(Path(imported.__file__)) if name.startswith("mlsmells.rules")], module.name


def test_the_wheel_lists_every_package():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    packages = {
        ".".join(init.parent.relative_to(SOURCE.parent).parts) for init in SOURCE.rglob("__init__.py")
    }
    assert packages <= listed, sorted(packages - listed)


def test_the_engine_does_not_import_the_rule_base_class_back():
    context = _imports(SOURCE / "engine" / "context.py")
    dataflow = _imports(SOURCE / "engine" / "dataflow.py")
    assert "mlsmells.rule" not in context
    assert "mlsmells.rule" not in dataflow
    assert "mlsmells.engine.context" not in dataflow


def _imports(path: Path) -> set[str]:
    """The modules a file imports, at run time or under `TYPE_CHECKING` alike."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names
