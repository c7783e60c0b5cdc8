"""The notebooks family (MLS6xx, `Family.NOTEBOOKS`): what only a saved notebook can get
wrong, cells run out of order or skipped, names used before the cell defining them,
saved error outputs and imports scattered down the notebook. These rules run on
notebooks only."""
