"""What the grader's per-answer budget costs: a class graded in a worker vs in-process.

    python benchmarks/bench_grade_isolation.py [LEARNERS]

Builds LEARNERS learners x every exercise (each learner hands in the
reference solutions, every third one the starter instead) in a temporary
folder, grades it twice (``Budget(isolate=True)``, the default, and
``isolate=False``) and prints the wall time of each and the peak memory of
the grader and of its worker. Issue 11 asked for 500 x 42; the overhead per
answer is what matters, so a smaller class extrapolates.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

from netpol_lab.exercises import load_exercises
from netpol_lab.grading import Budget, grade

ROOT = Path(__file__).resolve().parent.parent


def build(root: Path, learners: int) -> int:
    exercises = load_exercises()
    for n in range(learners):
        folder = root / f"learner-{n:03d}"
        folder.mkdir(parents=True)
        for ex in exercises.values():
            text = ex.starter if n % 3 == 2 else (ROOT / "solutions" / f"{ex.id}.yaml").read_text()
            (folder / f"{ex.id}.yaml").write_text(text)
    return learners * len(exercises)


def main() -> None:
    learners = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with tempfile.TemporaryDirectory() as tmp:
        answers = build(Path(tmp) / "class", learners)
        grade(Path(tmp) / "class", out_dir=Path(tmp) / "warm", exercises=[
            next(iter(load_exercises()))])  # imports and caches warm
        for isolate in (False, True):
            started = time.perf_counter()
            table = grade(Path(tmp) / "class", out_dir=Path(tmp) / "out",
                          budget=Budget(isolate=isolate))
            took = time.perf_counter() - started
            print(f"isolate={isolate!s:5}  {answers} answers  {took:6.1f} s  "
                  f"{took / answers * 1000:5.2f} ms/answer  passed {int(table['passed'].sum())}")
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    print(f"peak memory: grader {me} MiB, worker {child} MiB")


if __name__ == "__main__":
    main()
