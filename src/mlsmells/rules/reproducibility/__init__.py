"""The reproducibility family (MLS1xx, `Family.REPRODUCIBILITY`): randomness left
unseeded or seeded too late, nondeterministic PyTorch data order and kernels, and tests
whose outcome depends on the last bits of a float, all of which make training runs, data
splits and test results impossible to repeat."""
