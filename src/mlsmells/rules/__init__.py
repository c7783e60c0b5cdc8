"""The rules: one class per rule, in modules named for what their rules share.

Every module in this package is imported by the registry; every `Rule` subclass with a
`code` in them is a rule. Modules without rules hold knowledge several rules share
(`randomness.py`, `string_values.py`, `named_literals.py`).
"""
