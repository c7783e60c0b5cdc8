"""The rule registry: every `Rule` subclass defined in the `mlsmells.rules` package.

Rule modules are discovered, not listed: adding a rule means adding a class to a module
of its family's package (`mlsmells/rules/<family>/<topic>.py`, a new module there if no
module fits). Every module under `mlsmells.rules`, at any depth, is imported.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil

from mlsmells import rules as rules_package
from mlsmells.rule import Rule


@functools.cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every registered rule, ordered by code."""
    # Each module and package is imported as it is found, before walk_packages imports a
    # package to walk into it: an ImportError is raised here, not swallowed there.
    for module in pkgutil.walk_packages(rules_package.__path__, prefix=rules_package.__name__ + "."):
        importlib.import_module(module.name)
    # Only rules defined in the package count: a test's throwaway rule never registers.
    prefix = rules_package.__name__ + "."
    found = [cls for cls in _subclasses(Rule) if cls.code and cls.__module__.startswith(prefix)]
    codes = [cls.code for cls in found]
    names = [cls.name for cls in found]
    if len(set(codes)) != len(codes) or len(set(names)) != len(names):
        raise RuntimeError("two rules share a code or a name")
    return tuple(sorted(found, key=lambda cls: cls.code))


def find_rule(code_or_name: str) -> type[Rule] | None:
    """The rule with this code (any case) or name, if there is one."""
    wanted = code_or_name.strip()
    for cls in all_rules():
        if cls.code == wanted.upper() or cls.name == wanted.lower():
            return cls
    return None


def _subclasses(cls: type) -> list[type]:
    found, stack = [], list(cls.__subclasses__())
    while stack:
        sub = stack.pop()
        found.append(sub)
        stack.extend(sub.__subclasses__())
    return found
