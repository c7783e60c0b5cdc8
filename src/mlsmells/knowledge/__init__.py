"""What mlsmells knows about libraries and values, shared by rules; no rule is defined here.

Each module answers one kind of question several rules must agree on: what a value is,
a pandas object, a PyTorch module, an estimator or an optimizer (`value_kinds`); which
calls draw from or seed a random generator (`randomness`); which calls load data, fit,
predict or split and which classes are preprocessors (`ml_api`); which loads reach a
model (`data_origins`); what pandas's API returns (`pandas_objects`); which calls build
PyTorch modules and which receivers are optimizers (`torch_models`); what serving code
is (`serving_code`); which string an expression holds (`string_values`); and which name a
literal is stored under (`named_literals`). Rules in `mlsmells.rules` import from here, never the reverse.
`string_values.ValueRule` is a base class for the rules that read string values; it has
no `code`, so it registers nothing (and the registry counts only classes defined under
`mlsmells.rules`).
"""
