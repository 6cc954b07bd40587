"""The wheel carries the whole course: a fresh venv with only the wheel runs it.

Issue 12: ``pip install netpol-lab`` must give the notebooks, exercises and solutions,
and ``netpol-lab exercises`` / ``grade`` must find them without a repository checkout.
This test builds the wheel from the checkout, installs it into a new venv in a temporary
folder (the repository is never on its ``sys.path``), copies the course with
``netpol-lab course DIR --no-lab``, checks and grades exercises against solutions from
the copy, and executes notebook 00 from the copy.

To stay fast and offline the new venv borrows the dependencies (pandas, JupyterLab, ...)
of the running venv through a ``.pth`` file; only netpol-lab itself comes from the
wheel (``--no-deps``), which the test proves by asking the kernel where it imported
``netpol_lab`` from. About 40 s; deselect with ``-m "not packaging"``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.packaging

REPO = Path(__file__).resolve().parent.parent
EXERCISE = "selectors-01-or-two-items"
#: What the build reads: the package, the course and the packaging files.
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "netpol_lab", "notebooks",
           "exercises", "solutions")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "course_files")


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: int = 300,
         check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(command)} exited {result.returncode}\n"
                    f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Build the wheel, make a venv outside the repository and install the wheel into it."""
    tmp = tmp_path_factory.mktemp("packaging")
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "NETPOL_LAB_EXERCISES")}
    # build from a copy: setuptools leaves build/ behind, and a stale build/lib of the
    # checkout could slip removed modules into the wheel
    source = tmp / "source"
    source.mkdir()
    for name in SOURCES:
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy2
        copy(REPO / name, source / name, **({"ignore": IGNORED} if copy is shutil.copytree
                                           else {}))
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp / "dist"),
          str(source)], cwd=tmp, env=env)
    wheel = next((tmp / "dist").glob("netpol_lab-*.whl"))
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp, env=env)
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                      "['purelib'])"], cwd=tmp, env=env).stdout.strip())
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--no-index", "--quiet", str(wheel)], cwd=tmp, env=env)
    env = {**env, "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
           "JUPYTER_DATA_DIR": str(tmp / "jupyter-data"), "JUPYTER_PATH": "",
           "JUPYTER_CONFIG_DIR": str(tmp / "jupyter-config"),
           "IPYTHONDIR": str(tmp / "ipython")}
    return {"tmp": tmp, "wheel": wheel, "bin": venv / "bin", "env": env, "site": site}


def test_the_wheel_holds_every_course_file(installed: dict) -> None:
    names = set(zipfile.ZipFile(installed["wheel"]).namelist())
    for part in ("notebooks", "exercises", "solutions"):
        expected = {f"netpol_lab/course_files/{part}/{p.name}" for p in (REPO / part).iterdir()
                    if p.is_file()}
        assert expected and expected <= names, f"{part}: missing {sorted(expected - names)[:3]}"


def test_a_fresh_venv_runs_the_course_and_the_cli(installed: dict) -> None:
    tmp, bin_, env = installed["tmp"], installed["bin"], installed["env"]
    work = tmp / "learner"
    work.mkdir()
    where = _run([str(bin_ / "python"), "-c", "import netpol_lab; print(netpol_lab.__file__)"],
                 cwd=work, env=env).stdout
    assert where.startswith(str(installed["site"])), where

    out = _run([str(bin_ / "netpol-lab"), "course", "course", "--no-lab"], cwd=work, env=env)
    course = work / "course"
    assert "0 kept" in out.stdout
    assert (course / "notebooks" / "00-start-here.ipynb").is_file()
    solution = course / "solutions" / f"{EXERCISE}.yaml"

    listing = _run([str(bin_ / "netpol-lab"), "exercises", "list"], cwd=work, env=env).stdout
    assert EXERCISE in listing
    passed = _run([str(bin_ / "netpol-lab"), "exercises", "check", EXERCISE, str(solution)],
                  cwd=work, env=env, check=False)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    starter = work / "starter.yaml"
    starter.write_text(_run([str(bin_ / "netpol-lab"), "exercises", "show", EXERCISE,
                             "--starter"], cwd=work, env=env).stdout)
    failed = _run([str(bin_ / "netpol-lab"), "exercises", "check", EXERCISE, str(starter)],
                  cwd=work, env=env, check=False)
    assert failed.returncode == 1, failed.stdout + failed.stderr

    for learner, answer in (("alice", solution), ("bob", starter)):
        (work / "class" / learner).mkdir(parents=True)
        (work / "class" / learner / f"{EXERCISE}.yaml").write_text(answer.read_text())
    graded = _run([str(bin_ / "netpol-lab"), "grade", "class"], cwd=work, env=env).stdout
    assert "1 of 2 answers pass" in graded

    again = _run([str(bin_ / "netpol-lab"), "course", "course", "--no-lab"], cwd=work, env=env)
    assert "0 files copied" in again.stdout and "0 kept" in again.stdout


NOTEBOOK_RUNNER = """
import json, sys
import nbclient, nbformat
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "import json, sys, netpol_lab; print('WHERE ' + json.dumps([sys.executable, netpol_lab.__file__]))"))
nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                        resources={"metadata": {"path": str(__import__("pathlib").Path(path).parent)}}).execute()
for output in nb.cells[-1].outputs:
    for line in output.get("text", "").splitlines():
        if line.startswith("WHERE "):
            print(line)
"""


@pytest.mark.notebook
def test_notebook_00_runs_from_the_copy(installed: dict) -> None:
    tmp, bin_, env = installed["tmp"], installed["bin"], installed["env"]
    course = tmp / "notebook-course"
    _run([str(bin_ / "netpol-lab"), "course", str(course), "--no-lab", "--no-solutions"],
         cwd=tmp, env=env)
    out = _run([str(bin_ / "python"), "-c", NOTEBOOK_RUNNER,
                str(course / "notebooks" / "00-start-here.ipynb")], cwd=tmp, env=env).stdout
    line = next(x for x in out.splitlines() if x.startswith("WHERE "))
    executable, module = json.loads(line.removeprefix("WHERE "))
    assert executable.startswith(str(bin_)), executable  # the fresh venv's kernel
    assert module.startswith(str(installed["site"])), module  # the wheel's netpol_lab
