"""Rule families: one module per family, one class per rule.

Every module in this package is imported by the registry; every `Rule` subclass with a
`code` in them is a rule.
"""
