"""First contact: the course opens JupyterLab on notebook 00, clean and quiet.

Issue 12: JupyterLab must open on the first notebook (not the Launcher), without the
"Jupyter news?" pop-up, and the notebooks must not open as modified (JupyterLab marks a
notebook modified when its ``language_info`` differs from what the kernel reports) nor
untrusted. Two ways in, each started with its own real command:

- ``netpol-lab course`` on a copy (:func:`netpol_lab.course.lab_command`);
- ``bash scripts/course`` on the repository's own ``notebooks/``: the command is read
  from the script's ``exec`` line, so the test follows the script. Afterwards
  ``git status`` of ``notebooks/`` must be what it was before: opening the course
  never rewrites the tracked files.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netpol_lab.cli import main
from netpol_lab.course import lab_command

from .conftest import _processes_mentioning, _wait_ready, free_port, require_chromium
from .test_playground_browser import KERNEL_READY

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
#: JupyterLab's own view of the open notebook: modified? every cell trusted?
DIRTY = "() => jupyterapp.shell.currentWidget.context.model.dirty"
UNTRUSTED_CELLS = """() => {
  const cells = jupyterapp.shell.currentWidget.content.model.cells;
  let untrusted = 0;
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type === 'code' && !cell.trusted) { untrusted++; }
  }
  return untrusted;
}"""


def _isolated_jupyter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Fresh config, data (signing key), runtime and IPython folders for this test."""
    dirs = {name: tmp_path / name for name in ("config", "data", "runtime", "ipython")}
    for name, path in dirs.items():
        path.mkdir()
        monkeypatch.setenv(f"JUPYTER_{name.upper()}_DIR" if name != "ipython" else "IPYTHONDIR",
                           str(path))
    return dirs


def _server_options(port: int, token: str) -> list[str]:
    return ["--no-browser", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True"]


@contextlib.contextmanager
def _running(command: list[str], env: dict[str, str], port: int, token: str,
             tmp_path: Path, runtime: Path) -> Iterator[tuple[str, Path]]:
    """Start ``command`` (a JupyterLab server), yield its URL and log, then stop it and
    fail if any process (a kernel) outlives it."""
    log = tmp_path / "jupyterlab.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, url, token, log, time.monotonic() + 60)
        yield url, log
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        survivors = _processes_mentioning(str(runtime))
        for pid in survivors:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        assert not survivors, f"processes outlived the JupyterLab server: {survivors}"


def _open_until_idle(page, address: str) -> None:
    """Open ``address`` and wait until the notebook's kernel is idle and its reply landed."""
    page.goto(address)
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
    page.wait_for_function(KERNEL_READY, timeout=60_000)
    page.wait_for_timeout(1000)                            # let metadata updates land


def test_course_opens_on_notebook_00_unmodified_and_quiet(tmp_path: Path, browser,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    require_chromium()
    dirs = _isolated_jupyter(tmp_path, monkeypatch)
    folder = tmp_path / "netpol-course"
    assert main(["course", str(folder), "--no-lab"]) == 0   # signs into this test's data dir
    port, token = free_port(), secrets.token_hex(16)
    command, env = lab_command(folder, extra=_server_options(port, token))
    assert command[0] == sys.executable
    with _running(command, env, port, token, tmp_path, dirs["runtime"]) as (url, log):
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        try:
            page = context.new_page()
            page.set_default_timeout(30_000)
            _open_until_idle(page, f"{url}/?token={token}")  # what the browser opens
            assert "/lab/tree/notebooks/00-start-here.ipynb" in page.url
            tabs = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab").all_inner_texts()
            assert tabs == ["00-start-here.ipynb"], tabs
            assert page.locator(".jp-Launcher").count() == 0
            assert page.locator(".Toastify__toast").count() == 0
            assert page.evaluate(DIRTY) is False
            assert page.evaluate(UNTRUSTED_CELLS) == 0
            assert "is not trusted" not in log.read_text()
        finally:
            context.close()


def _scripts_course_command() -> list[str]:
    """The command ``bash scripts/course`` ends with (its ``exec`` line), for this Python.

    Reading it from the script keeps the test honest: change the script, and this test
    starts what the script now starts.
    """
    script = (REPO / "scripts" / "course").read_text(encoding="utf-8")
    line = next(line for line in script.splitlines() if line.startswith("exec "))
    words = shlex.split(line)[1:]
    assert words[0] == ".venv/bin/python" and words[-1] == "$@", line
    return [sys.executable, *words[1:-1]]


def _git_status(path: Path) -> str:
    return subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", str(path)], capture_output=True, text=True, check=True).stdout


def test_scripts_course_opens_the_repository_notebooks_unmodified(
        tmp_path: Path, browser, monkeypatch: pytest.MonkeyPatch) -> None:
    """The repository's notebooks carry a minimal ``language_info`` on purpose; opening them
    with ``scripts/course`` must still show them unmodified and trusted, and leave the
    checkout as it was (no rewritten notebook, no signature in it; the git-ignored
    ``.ipynb_checkpoints`` JupyterLab makes on opening is removed again by the test)."""
    require_chromium()
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs a git checkout of the repository")
    dirs = _isolated_jupyter(tmp_path, monkeypatch)
    before = _git_status(REPO / "notebooks")
    checkpoints = REPO / "notebooks" / ".ipynb_checkpoints"   # JupyterLab makes one on open
    had_checkpoints = checkpoints.exists()                    # (git-ignored, like everywhere)
    port, token = free_port(), secrets.token_hex(16)
    command = _scripts_course_command()
    state = tmp_path / "state"                            # the script uses .venv/.netpol-lab
    command = [str(state) if word == ".venv/.netpol-lab" else word for word in command]
    command += _server_options(port, token)             # lab_command adds --allow-root
    env = {**os.environ, "MPLBACKEND": "Agg"}
    try:
        with _running(command, env, port, token, tmp_path, dirs["runtime"]) as (url, log):
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            try:
                page = context.new_page()
                page.set_default_timeout(30_000)
                _open_until_idle(page, f"{url}/?token={token}")
                assert "/lab/tree/00-start-here.ipynb" in page.url, page.url
                assert page.evaluate(DIRTY) is False, "notebook 00 opened as modified"
                assert page.evaluate(UNTRUSTED_CELLS) == 0, "notebook 00 opened untrusted"
                _open_until_idle(page, f"{url}/lab/tree/03-selector-combination.ipynb"
                                       f"?token={token}&reset")
                assert page.evaluate(
                    "() => jupyterapp.shell.currentWidget.context.path") \
                    == "03-selector-combination.ipynb"
                assert page.evaluate(DIRTY) is False, "notebook 03 opened as modified"
                assert page.evaluate(UNTRUSTED_CELLS) == 0, "notebook 03 opened untrusted"
                assert not re.search(r"Notebook \S+ is not trusted", log.read_text())
            finally:
                context.close()
    finally:
        if not had_checkpoints:
            shutil.rmtree(checkpoints, ignore_errors=True)
    assert _git_status(REPO / "notebooks") == before, "opening the course changed the checkout"
