"""First contact: ``netpol-lab course`` opens JupyterLab on notebook 00, clean and quiet.

Issue 12: JupyterLab must open on the first notebook (not the Launcher), without the
"Jupyter news?" pop-up, and the notebook must not open as modified (JupyterLab marks a
notebook modified when its ``language_info`` differs from what the kernel reports) nor
untrusted. The server is started with the course's own command and settings
(:func:`netpol_lab.course.lab_command`), on a copy made by ``netpol-lab course``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from netpol_lab.cli import main
from netpol_lab.course import lab_command

from .conftest import _processes_mentioning, _wait_ready, free_port, require_chromium
from .test_playground_browser import KERNEL_READY

pytestmark = pytest.mark.browser


def test_course_opens_on_notebook_00_unmodified_and_quiet(tmp_path: Path, browser,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    require_chromium()
    dirs = {name: tmp_path / name for name in ("config", "data", "runtime", "ipython")}
    for name, path in dirs.items():
        path.mkdir()
        monkeypatch.setenv(f"JUPYTER_{name.upper()}_DIR" if name != "ipython" else "IPYTHONDIR",
                           str(path))
    folder = tmp_path / "netpol-course"
    assert main(["course", str(folder), "--no-lab"]) == 0   # signs into this test's data dir
    port, token = free_port(), secrets.token_hex(16)
    command, env = lab_command(folder, extra=[
        "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True"])
    assert command[0] == sys.executable
    log = tmp_path / "jupyterlab.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    context = None
    try:
        _wait_ready(proc, url, token, log, time.monotonic() + 60)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{url}/?token={token}")                   # what the browser opens
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
        page.wait_for_function(KERNEL_READY, timeout=60_000)
        page.wait_for_timeout(1000)                            # let metadata updates land
        assert "/lab/tree/notebooks/00-start-here.ipynb" in page.url
        tabs = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab").all_inner_texts()
        assert tabs == ["00-start-here.ipynb"], tabs
        assert page.locator(".jp-Launcher").count() == 0
        assert page.locator(".Toastify__toast").count() == 0
        assert page.evaluate("() => jupyterapp.shell.currentWidget.context.model.dirty") is False
        assert "is not trusted" not in log.read_text()
    finally:
        if context is not None:
            context.close()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        survivors = _processes_mentioning(str(dirs["runtime"]))
        for pid in survivors:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        assert not survivors, f"processes outlived the JupyterLab server: {survivors}"
