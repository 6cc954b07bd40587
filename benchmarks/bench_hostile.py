"""Time and peak memory of the hostile inputs of issue 11, each in a child process.

    python benchmarks/bench_hostile.py [--tree SRC]

Writes each case into a temporary folder, runs the ``netpol-lab`` command on
it in a child process (address space limited to 4 GB, 150 s timeout) and
prints the wall time and the child's peak memory (``wait4`` rusage). With
``--tree SRC`` the child imports netpol_lab from another checkout (for
example a ``git worktree`` of the commit before issue 11), to measure before
and after on the same machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HEAD = ("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
        "metadata: {name: p, namespace: production}\nspec:\n"
        "  podSelector: {matchLabels: {app: api}}\n  ingress:\n")


def many_ports(n: int) -> str:
    """Two rules of ``n`` ports each, open peers (the issue's lint case)."""
    return HEAD + "".join(
        "    - from: [{namespaceSelector: {}}]\n      ports: ["
        + ", ".join(f"{{port: {1000 + i + r}}}" for i in range(n)) + "]\n" for r in range(2))


CASES = {  # name: (file text, command after "netpol-lab")
    "lint, 2 rules x 1,000 ports": (many_ports(1000), ["lint", "--policies", "{f}"]),
    "lint, 2 rules x 3,000 ports": (many_ports(3000), ["lint", "--policies", "{f}"]),
    "check, 2 rules x 3,000 ports": (many_ports(3000),
                                     ["exercises", "check", "ingress-01-frontend-only", "{f}"]),
    "base-60 integer, 600 KB": (HEAD + "    - ports:\n        - port: 1" + ":59" * 200_000 + "\n",
                                ["table", "--policies", "{f}"]),
    "list of 90,000 ports, 1 MB": (HEAD + "    - ports: [" + ", ".join(["{port: 80}"] * 90_000)
                                   + "]\n", ["table", "--policies", "{f}"]),
}


def limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (4 * 10**9, 4 * 10**9))


def run(command: list[str], env: dict, cwd: str) -> str:
    started = time.perf_counter()  # cwd: not the checkout, or "-m" would import from it
    proc = subprocess.Popen([sys.executable, "-m", "netpol_lab.cli", *command], env=env,
                            cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=limit)
    timer = threading.Timer(150, proc.kill)
    timer.start()
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak memory
    timer.cancel()
    took = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    tail = proc.stderr.read().decode(errors="replace").strip().splitlines()[-1:] or [""]
    return (f"{took:6.2f} s  {usage.ru_maxrss // 1024:5d} MiB  exit {code}  {tail[0][:70]}"
            + ("  (killed at 150 s)" if code == -9 else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", help="import netpol_lab from this source tree")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.tree:
        env["PYTHONPATH"] = args.tree
    with tempfile.TemporaryDirectory() as tmp:
        for name, (text, command) in CASES.items():
            path = Path(tmp) / "case.yaml"
            path.write_text(text)
            print(f"{name:32} {len(text) // 1024:6d} KB  "
                  + run([c.format(f=path) for c in command], env, tmp), flush=True)
        print(f"{'--policies /dev/zero':32} {'':9}  "
              + run(["table", "--policies", "/dev/zero"], env, tmp), flush=True)


if __name__ == "__main__":
    main()
