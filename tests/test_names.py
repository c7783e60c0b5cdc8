"""The import resolver maps local spellings to qualified names, and refuses to guess."""

from __future__ import annotations

import textwrap

import libcst as cst

from mlsmells.engine.context import FileContext
from mlsmells.engine.names import NameResolver
from mlsmells.engine.walker import Dispatcher, walk


def resolved_calls(code: str) -> list[tuple[str, tuple[str, ...]]]:
    """(callee as written, qualified names) for every call, resolved where it stands."""
    module = cst.parse_module(textwrap.dedent(code))
    context = FileContext("t.py", code, module, NameResolver(module))
    seen = []
    dispatcher = Dispatcher()
    dispatcher.on_visit(cst.Call, lambda node: seen.append(
        (module.code_for_node(node.func), context.qualified_names(node.func))
    ))
    walk(module, dispatcher, context.enter, context.leave, lambda owner, error: None)
    return seen


def test_aliases_dotted_imports_and_from_imports():
    calls = resolved_calls(
        """
        import numpy as np
        import torch.nn as nn
        import os.path
        from sklearn.model_selection import train_test_split as tts
        from torch import optim as o
        np.random.rand(3)
        nn.Linear(2, 3)
        os.path.join("a", "b")
        tts(X, y)
        o.SGD(params, lr=0.1)
        """
    )
    assert calls == [
        ("np.random.rand", ("numpy.random.rand",)),
        ("nn.Linear", ("torch.nn.Linear",)),
        ("os.path.join", ("os.path.join",)),
        ("tts", ("sklearn.model_selection.train_test_split",)),
        ("o.SGD", ("torch.optim.SGD",)),
    ]


def test_imports_inside_functions_apply_to_that_function_only():
    ordered = resolved_calls(
        """
        def sample():
            import numpy as npx
            return npx.random.randn(2)

        def other():
            return npx.random.randn(2)
        """
    )
    assert [names for _, names in ordered] == [("numpy.random.randn",), ()]


def test_conditional_import_gives_every_candidate():
    calls = resolved_calls(
        """
        try:
            import ujson as json
        except ImportError:
            import json
        json.loads(text)
        """
    )
    assert calls == [("json.loads", ("json.loads", "ujson.loads"))]


def test_a_name_both_imported_and_assigned_resolves_to_nothing():
    calls = resolved_calls(
        """
        import random
        random = make_rng()
        random.shuffle(items)
        """
    )
    assert calls[-1] == ("random.shuffle", ())


def test_parameters_and_locals_shadow_module_imports():
    calls = resolved_calls(
        """
        import random

        def pick(items, random):
            return random.choice(items)

        def pick_local(items):
            random = Random(3)
            return random.choice(items)

        def pick_global(items):
            return random.choice(items)
        """
    )
    by_callee = [names for callee, names in calls if callee == "random.choice"]
    assert by_callee == [(), (), ("random.choice",)]


def test_class_bodies_do_not_enclose_methods():
    calls = resolved_calls(
        """
        import numpy as np

        class Sampler:
            np = None

            def draw(self):
                return np.random.rand()
        """
    )
    assert calls == [("np.random.rand", ("numpy.random.rand",))]


def test_builtins_and_relative_imports():
    calls = resolved_calls(
        """
        from . import utils
        from .seeding import fix_seed
        open("data.csv")
        utils.load()
        fix_seed(1)
        """
    )
    assert calls == [
        ("open", ("builtins.open",)),
        ("utils.load", (".utils.load",)),
        ("fix_seed", (".seeding.fix_seed",)),
    ]


def test_unresolvable_callees():
    calls = resolved_calls(
        """
        import numpy as np
        np.random.default_rng(0).normal()
        get_model()(x)
        """
    )
    assert ("np.random.default_rng(0).normal", ()) in calls
    assert ("get_model()", ()) in calls
