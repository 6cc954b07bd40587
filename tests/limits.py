"""Run the ``netpol-lab`` command in a child process under resource limits.

The hostile-input tests use it so that a regression (a hang, a file read
without end, a quadratic blow-up) fails one test with a clear message instead
of eating the machine: the child gets an address-space and a CPU-time limit
(``resource.setrlimit``) and a wall-clock timeout. The margins are generous;
no test asserts how fast the happy path is.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

MEMORY_BYTES = 2 * 1024**3  # address space: python + pandas fit in well under this
CPU_SECONDS = 60
WALL_SECONDS = 120


def _limits() -> None:  # runs in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def run_cli(*argv: str | Path, stdin: bytes | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``netpol-lab ARGV`` in a limited child; returns its exit code, stdout and stderr."""
    return subprocess.run([sys.executable, "-m", "netpol_lab.cli", *map(str, argv)],
                          input=stdin, capture_output=True, timeout=WALL_SECONDS,
                          preexec_fn=_limits, cwd=cwd, check=False)


def run_python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Python ``code`` in a limited child (for API calls that must not hang or blow up)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True,
                          timeout=WALL_SECONDS, preexec_fn=_limits, cwd=cwd, check=False)
