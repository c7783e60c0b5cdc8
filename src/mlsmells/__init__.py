"""mlsmells: a static-analysis linter for machine-learning code."""

__version__ = "0.1.0"
