"""Which files a run checks."""

from __future__ import annotations

from conftest import SMELLY, run_json


def paths(tmp_path, *args, cwd=None):
    return sorted({f["path"] for f in run_json(*args, cwd=cwd or tmp_path)[1]})


def test_default_excludes_and_gitignore(tmp_path, write):
    (tmp_path / ".git").mkdir()
    write("src/train.py", SMELLY)
    for skipped in (".venv/lib/x.py", "build/lib/x.py", "node_modules/x.py", "__pycache__/x.py",
                    ".ipynb_checkpoints/x.py", "env/x.py", "outputs/run1/x.py", "src/generated_x.py"):
        write(skipped, SMELLY)
    write(".gitignore", "outputs/\n")
    write("src/.gitignore", "generated_*.py\n")
    write("notes.txt", "not python")
    assert paths(tmp_path) == ["src/train.py"]


def test_exclude_and_extend_exclude(tmp_path, write):
    write("a/x.py", SMELLY)
    write("b/y.py", SMELLY)
    write("build/z.py", SMELLY)
    write("pyproject.toml", "[tool.mlsmells]\nextend-exclude = ['a/']\n")
    assert paths(tmp_path) == ["b/y.py"]
    write("pyproject.toml", "[tool.mlsmells]\nexclude = ['a/']\n")  # replaces the defaults
    assert paths(tmp_path) == ["b/y.py", "build/z.py"]


def test_explicit_paths_are_checked_unless_force_exclude(tmp_path, write):
    write("pyproject.toml", "[tool.mlsmells]\nextend-exclude = ['vendored/', 'scratch.py']\n")
    write("vendored/lib/x.py", SMELLY)
    write("scratch.py", SMELLY)
    write("main.py", SMELLY)
    assert paths(tmp_path) == ["main.py"]
    assert paths(tmp_path, "scratch.py", "vendored") == ["scratch.py", "vendored/lib/x.py"]
    assert paths(tmp_path, "--force-exclude", "scratch.py", "vendored", "main.py") == ["main.py"]


def test_excludes_still_apply_below_a_named_excluded_directory(tmp_path, write):
    write("pyproject.toml", "[tool.mlsmells]\nextend-exclude = ['fixtures/', 'skip_*.py']\n")
    write("fixtures/demo/train.py", SMELLY)
    write("fixtures/demo/skip_me.py", SMELLY)
    assert paths(tmp_path, "fixtures/demo") == ["fixtures/demo/train.py"]


def test_symlink_loops_and_dangling_links_do_not_trap_the_walk(tmp_path, write):
    write("pkg/a.py", SMELLY)
    (tmp_path / "pkg" / "loop").symlink_to(tmp_path / "pkg")
    (tmp_path / "pkg" / "dangling.py").symlink_to(tmp_path / "missing.py")
    assert paths(tmp_path) == ["pkg/a.py"]
