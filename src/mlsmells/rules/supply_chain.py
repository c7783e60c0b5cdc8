"""MLS205-MLS208, the supply chain: what a program installs, downloads, loads and saves
should be written down and fixed, not decided by whatever the network serves today
(SLR-CM21, IND-2.5-unstable-data-dependencies)."""

from __future__ import annotations

import re
import shlex

import libcst as cst

from mlsmells.findings import Family, Severity
from mlsmells.rule import Rule

_INSTALLERS = ("pip", "pip3", "conda", "mamba", "micromamba")
#: Options that take a value, which is not a package.
_OPTIONS_WITH_VALUES = frozenset(
    "-r --requirement -c --constraint -e --editable -i --index-url --extra-index-url -f --find-links "
    "-t --target --prefix --root --src --channel --name -n -p --python-version --platform".split()
)
#: `==1.2`, `===1.2`, `~=1.2`, and conda's `=1.2`.
_PINNED = re.compile(r"===?|~=|(?<![<>!=~])=(?!=)\d")
_VCS = ("git+", "hg+", "svn+", "bzr+")
_TOOLING = frozenset({"pip", "setuptools", "wheel"})
_SUBPROCESS_CALLS = frozenset(
    {"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output", "subprocess.Popen"}
)


def unpinned_packages(command: str) -> list[str]:
    """The packages an install command names without pinning a version, or [] if it is
    not an install command (or cannot be read)."""
    try:
        words = shlex.split(command, comments=True)
    except ValueError:
        return []
    # `python -m pip install`, `sys.executable -m pip install`, `%pip install`
    while words and words[0] not in _INSTALLERS:
        words = words[1:]
    if len(words) < 2 or words[1] != "install":
        return []
    unpinned, skip_next = [], False
    for word in words[2:]:
        if skip_next:
            skip_next = False
            continue
        if word in _OPTIONS_WITH_VALUES:
            skip_next = True
            continue
        if word.startswith("-") or any(mark in word for mark in "{}$"):
            continue  # a flag, or a value filled in at run time (IPython `{x}`, `$x`, a variable)
        if word.startswith((".", "/", "~")) or word.endswith((".whl", ".tar.gz", ".zip")):
            continue  # a local path or an archive: fixed content
        if word.startswith(_VCS):
            if not re.search(r"\.git@\S+$|@[\w.-]+$", word.split("://", 1)[-1].split("#")[0]):
                unpinned.append(word)  # a repository at whatever its branch points to today
            continue
        if re.split(r"[<>=!~\[; ]", word, maxsplit=1)[0].lower() in _TOOLING:
            continue  # upgrading the installer itself
        if not _PINNED.search(word):
            unpinned.append(word)
    return unpinned


def _message(command: str, packages: list[str]) -> str:
    names = ", ".join(packages[:5]) + (" and more" if len(packages) > 5 else "")
    return (
        f"`{command[:60]}` installs {names} without pinning a version, so the environment changes "
        "whenever a new release comes out; pin them (`package==1.2.3`) or install from a lock file"
    )


class UnpinnedInstall(Rule):
    """
    Packages installed from code without a pinned version: `!pip install torch`,
    `%pip install transformers`, `%conda install numpy`, `subprocess.run(["pip",
    "install", "x"])` or `os.system("pip install x")`. A package counts as pinned with
    `==`, `===`, `~=` (or conda's `=1.2`), or a VCS URL ending in a commit; requirement
    files (`-r requirements.txt`), constraint files, local paths and archives are fine.
    """

    code = "MLS206"
    name = "unpinned-install"
    family = Family.CONFIGURATION
    severity = Severity.WARNING
    summary = "Packages are installed from code without a pinned version."
    challenges = ("SLR-CM21", "META-D4")
    why = (
        "An unpinned install takes whatever was released last: the same notebook run next month "
        "trains with another library version, and results change or the code breaks. The "
        "review behind SLR-CM21 names maintaining reproducibility while software is updated as a "
        "deployment challenge; META-D4 covers the missing versioning of what ML products depend on."
    )
    bad = (
        '''
        import os
        import subprocess
        import sys

        os.system("pip install -q transformers datasets==2.19.0")
        ^^^^^^^^^
        subprocess.run([sys.executable, "-m", "pip", "install", "torch"], check=True)
        ^^^^^^^^^^^^^^
        ''',
    )
    good = (
        '''
        import subprocess
        import sys

        subprocess.run([sys.executable, "-m", "pip", "install", "-r", "requirements.txt"], check=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "torch==2.3.1", "-e", "."], check=True)
        subprocess.run(["git", "pull"], check=True)
        ''',
    )
    use_instead = (
        "Pin every package (`pip install torch==2.3.1`), or install from a requirements or lock "
        "file kept in version control."
    )
    notebook_behavior = (
        "`!pip install`, `%pip install` and `%conda install` lines in code cells are checked; "
        "findings point at the cell and line. Commands using IPython variables (`{pkg}`, `$pkg`) "
        "are checked for the packages that are written out."
    )
    limitations = (
        "Commands built at run time (from variables or f-strings) are not read. Version ranges "
        "(`>=`) count as unpinned."
    )

    def visit_Call(self, node: cst.Call) -> None:
        command = self._command(node)
        if command:
            packages = unpinned_packages(command)
            if packages:
                self.report(node.func, _message(command, packages))

    def _command(self, call: cst.Call) -> str | None:
        names = self.file.qualified_names(call.func)
        if not call.args:
            return None
        first = call.args[0].value
        if "os.system" in names and isinstance(first, cst.SimpleString):
            return first.evaluated_value
        if any(name in _SUBPROCESS_CALLS for name in names):
            if isinstance(first, cst.SimpleString):
                return first.evaluated_value
            if isinstance(first, cst.List | cst.Tuple):
                words = [
                    element.value.evaluated_value if isinstance(element.value, cst.SimpleString) else "$unknown"
                    for element in first.elements
                ]
                return shlex.join(words)
        return None

    def end_file(self) -> None:
        notebook = self.file.notebook
        if notebook is None:
            return
        for magic in notebook.magics:
            if magic.kind in ("shell", "line-magic"):
                packages = unpinned_packages(magic.command)
                if packages:
                    text = notebook.cell(magic.cell).lines[magic.cell_line - 1]
                    column = len(text) - len(text.lstrip()) + 1
                    self.file.report_cell(
                        self, magic.cell, _message(magic.command, packages), line=magic.cell_line, column=column
                    )
