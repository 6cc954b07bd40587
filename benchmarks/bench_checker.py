"""How long does checking an exercise answer take, now that it checks the whole scope?

Measures, on every exercise (default cluster: 2,736 connections in scope;
the shop's inline cluster: 918):

- ``check(exercise, answer)`` in-process, as the widget calls it on each
  *Check* click: the reference answer (passes: no wrong connection to
  explain) and the starter (fails: causes, traps and verified suggestions);
- the first check of an exercise in a session (reference traffic computed);
- ``netpol-lab exercises check ID FILE`` as a subprocess (interpreter start,
  imports, check, output), on one exercise.

Run it (about a minute)::

    .venv/bin/python benchmarks/bench_checker.py
    .venv/bin/python benchmarks/bench_checker.py --repeat 5 --cli 10

Medians in milliseconds; the numbers depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from netpol_lab.exercises import check, load_exercises
from netpol_lab.exercises.scope import _CACHE, expected_traffic, reference_path

CLI_EXERCISE = "least-privilege-02-article-api-full-policy"


def _ms(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="checks per answer (default 3)")
    parser.add_argument("--cli", type=int, default=5, help="CLI runs (default 5)")
    args = parser.parse_args(argv)
    exercises = load_exercises()
    first, passing, failing, sizes, wrong = [], [], [], [], []
    for ex in exercises.values():
        _CACHE.clear()
        reference = reference_path(ex).read_text(encoding="utf-8")
        first += _ms(lambda ex=ex, r=reference: check(ex, r), 1)
        sizes.append(expected_traffic(ex).size)
        passing += _ms(lambda ex=ex, r=reference: check(ex, r), args.repeat)
        failing += _ms(lambda ex=ex: check(ex, ex.starter, attempt=2), args.repeat)
        wrong.append(len(check(ex, ex.starter).wrong))
    worst = max(exercises.values(), key=lambda ex: len(check(ex, ex.starter).wrong))
    worst_ms = _ms(lambda: check(worst, worst.starter, attempt=2), args.repeat)

    with tempfile.TemporaryDirectory() as tmp:
        answer = Path(tmp) / "answer.yaml"
        answer.write_text(exercises[CLI_EXERCISE].starter, encoding="utf-8")
        script = Path(sys.executable).parent / "netpol-lab"
        command = [str(script), "exercises", "check", CLI_EXERCISE, str(answer), "--attempt",
                   "2"]
        cli = _ms(lambda: subprocess.run(command, capture_output=True, check=False), args.cli)

    def row(name: str, values: list[float]) -> str:
        return (f"| {name} | {statistics.median(values):.1f} | {max(values):.1f} | "
                f"{len(values)} |")

    print(f"{len(exercises)} exercises; scope sizes {min(sizes)}-{max(sizes)} connections "
          f"(total {sum(sizes)}); starters have {min(wrong)}-{max(wrong)} wrong connections\n")
    print("| measurement | median ms | max ms | runs |")
    print("|---|---|---|---|")
    print(row("first check of an exercise (reference traffic computed)", first))
    print(row("check(ex, reference): passes", passing))
    print(row("check(ex, starter, attempt=2): fails, causes + traps + suggestions", failing))
    print(row(f"worst starter ({worst.id}, {max(wrong)} wrong)", worst_ms))
    print(row(f"`netpol-lab exercises check` subprocess ({CLI_EXERCISE} starter)", cli))
    return 0


if __name__ == "__main__":
    sys.exit(main())
