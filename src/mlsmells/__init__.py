"""mlsmells: a static-analysis linter for machine-learning code."""

__version__ = "0.1.0"

#: Where the project lives; SARIF and the docs link here.
PROJECT_URL = "https://github.com/mlsmells/mlsmells"
