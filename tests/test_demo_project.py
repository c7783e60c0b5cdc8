"""The README's first command, end to end: the demo project's findings are pinned."""

from __future__ import annotations

from pathlib import Path

from conftest import run_mlsmells

ROOT = Path(__file__).resolve().parents[1]

EXPECTED = """\
fixtures/demo-project/churn/data.py:103:26: MLS102 `train_test_split` shuffles without `random_state`, so results change on every run; pass random_state=SEED
fixtures/demo-project/evaluate.py:36:17: MLS101 `numpy.random.choice` draws from NumPy's global random generator, which this program never seeds; call np.random.seed(SEED) at start-up or use a seeded np.random.default_rng(SEED)
fixtures/demo-project/evaluate.py:45:13: MLS207 `joblib.load` unpickles `model_path`, and unpickling runs any code the file was made to hold; load only files this project wrote, or store the data in a format without code (JSON, Parquet, safetensors, `np.save`)
fixtures/demo-project/notebooks/exploration.ipynb:cell 8:1:1: MLS601 cell 8 ran as execution 6, after cell 9 below it (execution 5): the saved outputs do not come from a top-to-bottom run
fixtures/demo-project/notebooks/exploration.ipynb:cell 8:1:22: MLS602 `numeric_columns` is used in cell 8 but first defined in cell 9, further down: Restart & Run All fails here
fixtures/demo-project/notebooks/exploration.ipynb:cell 10:8:10: MLS102 `RandomForestClassifier` draws random numbers without `random_state`, so results change on every run; pass random_state=SEED
fixtures/demo-project/notebooks/exploration.ipynb:cell 12:1:1: MLS603 cell 12 was saved with an error output (NameError: name 'rng' is not defined)
fixtures/demo-project/notebooks/exploration.ipynb:cell 12:2:26: MLS602 `rng` is used in cell 12 but first defined in cell 13, further down: Restart & Run All fails here
fixtures/demo-project/serve.py:27:12: MLS207 `joblib.load` unpickles `path`, and unpickling runs any code the file was made to hold; load only files this project wrote, or store the data in a format without code (JSON, Parquet, safetensors, `np.save`)
fixtures/demo-project/train.py:94:44: MLS101 `torch.randn` draws from PyTorch's global random generator, which this program never seeds; call torch.manual_seed(SEED) at start-up or use a torch.Generator seeded with manual_seed
"""


def test_demo_project_findings_are_pinned():
    completed = run_mlsmells("check", "fixtures/demo-project", "--output-format", "concise", cwd=ROOT)
    assert completed.returncode == 1, completed.stderr
    assert completed.stdout == EXPECTED
    assert completed.stderr.strip() == "mlsmells: checked 7 files, 10 findings."


def test_demo_project_full_output_shows_code_and_challenges():
    completed = run_mlsmells("check", "fixtures/demo-project/train.py", cwd=ROOT)
    assert "94 |" in completed.stdout
    assert "= unseeded-random (challenges: SLR-CM25, SLR-CM30, ZHANG22-14)" in completed.stdout
