"""The rules: one package per rule family, one class per rule.

Each subpackage holds the rules of one `Family` (`engine`, MLS0xx; `reproducibility`,
MLS1xx; `configuration`, MLS2xx; `data`, MLS3xx; `architecture`, MLS4xx; `training`,
MLS5xx; `notebooks`, MLS6xx) in modules named for what their rules share. The registry
imports every module under this package; every `Rule` subclass with a `code` in them is
a rule. What several rules know about libraries and values lives in `mlsmells.knowledge`,
which defines no rule.
"""
