"""Fixtures for the real-browser tests: a throwaway JupyterLab server and headless Chromium.

The recipe follows /work/shared/notes/browser-testing.md (measured on this
machine): each test gets its own server with fresh config, data, runtime and
IPython directories (so no saved workspace, settings or kernels leak between
tests), on a free loopback port with a random token; the browser is Debian's
``/usr/bin/chromium`` driven by Playwright (no ``playwright install``).

Without Chromium the tests are skipped, except in CI (``CI=true``), where a
missing browser is a failure: the browser test is what proves the widgets
work in a real JupyterLab.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("NETPOL_CHROMIUM", "/usr/bin/chromium"))
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
NOTIFICATIONS_OFF = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                     "checkForUpdates": False},
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_chromium() -> None:
    """Skip without Chromium, but fail in CI."""
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing (apt-get install -y chromium)"
    if in_ci():
        pytest.fail(message + "; in CI the browser test must run, not skip", pytrace=False)
    pytest.skip(message)


@dataclass
class Lab:
    """A running JupyterLab: its base URL, token, root directory and log file."""

    url: str
    token: str
    root: Path
    log: Path

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes_mentioning(text: str) -> list[int]:
    """PIDs whose command line contains ``text`` (procfs scan, Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(entry.name))
    return found


def _wait_ready(proc: subprocess.Popen, url: str, token: str, log: Path, deadline: float) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(f"JupyterLab did not answer within 60 s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def lab(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Lab]:
    """A fresh JupyterLab server for one test; the notebooks are written by the test.

    Teardown stops the server (SIGTERM, then SIGKILL to its process group),
    then kills by PID any process still mentioning this test's runtime
    directory (kernels run in their own session) and fails if there was one.
    """
    require_chromium()
    root, dirs = tmp_path / "root", {}
    root.mkdir()
    for name in ("config", "data", "runtime", "ipython"):
        dirs[name] = tmp_path / name
        dirs[name].mkdir()
    labconfig = dirs["config"] / "labconfig"
    labconfig.mkdir()
    (labconfig / "default_setting_overrides.json").write_text(json.dumps(NOTIFICATIONS_OFF))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(dirs["config"]),
           "JUPYTER_DATA_DIR": str(dirs["data"]), "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
           "IPYTHONDIR": str(dirs["ipython"]), "MPLBACKEND": "Agg"}
    port, token = free_port(), secrets.token_hex(16)
    log = tmp_path / "jupyterlab.log"
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
               f"--port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
               "--allow-root", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--LabApp.extension_manager=readonly", "--LabApp.expose_app_in_browser=True"]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(proc, url, token, log, time.monotonic() + 60)
        yield Lab(url, token, root, log)
    finally:
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
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            print(log.read_text()[-4000:])
        assert not survivors, f"processes outlived the JupyterLab server: {survivors}"


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """Headless Chromium (Debian's) through Playwright, shared by the session."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    home = tmp_path_factory.mktemp("chromium-home")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[],
            env={**os.environ, "XDG_CONFIG_HOME": str(home / "config"),
                 "XDG_CACHE_HOME": str(home / "cache")})
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Remember each phase's report on the item, so fixtures can print logs on failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
