"""The configuration, environment and supply chain family (MLS2xx,
`Family.CONFIGURATION`): settings written into the code instead of its configuration
(machine paths, hyperparameters, devices, secrets), what a program downloads, installs
and unpickles without a pinned version or a trusted source, and model artifacts saved
with nothing to tell one run's model from another's."""
