"""Mutation report: every exercise's reference answer, mutated, against the checker (issue 9).

For each exercise: the scope size (connections checked), the variants
generated (wrong kinds and equivalent rewrites), how many wrong variants
change a verdict in scope and are rejected, how many change nothing (and
pass), how many equivalents pass, and any disagreement between the checker
and the oracle (there must be none).

    .venv/bin/python scripts/mutation_report.py            # oracle: full matrix products
    .venv/bin/python scripts/mutation_report.py --engine   # oracle: per-connection engine
    .venv/bin/python scripts/mutation_report.py --markdown # a table for the issue note
"""

from __future__ import annotations

import argparse
import sys
import time

from netpol_lab.exercises import load_exercises
from netpol_lab.exercises.mutants import judge
from netpol_lab.exercises.scope import expected_traffic

COLUMNS = ("exercise", "scope", "variants", "wrong", "rejected", "no-op", "equivalent",
           "eq. passed", "disagree")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", action="store_true",
                        help="use the per-connection engine as the oracle (slower)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rows, problems = [], []
    for ex in load_exercises().values():
        judged = judge(ex, "engine" if args.engine else "matmul")
        wrong = [j for j in judged if not j.mutant.equivalent]
        equivalent = [j for j in judged if j.mutant.equivalent]
        rows.append((ex.id, expected_traffic(ex).size, len(judged), len(wrong),
                     sum(j.changed > 0 and not j.passed for j in wrong),
                     sum(j.changed == 0 for j in wrong), len(equivalent),
                     sum(j.passed and j.changed == 0 for j in equivalent),
                     sum(not j.agrees for j in judged)))
        problems += [f"{ex.id}: {j.mutant.kind} at {j.mutant.where}: changes {j.changed} "
                     f"verdicts, checker says {'passed' if j.passed else 'failed'}"
                     for j in judged if not j.agrees or (j.mutant.equivalent and j.changed)]
    totals = ("total", *(sum(r[i] for r in rows) for i in range(1, len(COLUMNS))))
    if args.markdown:
        print("| " + " | ".join(COLUMNS) + " |")
        print("|" + "---|" * len(COLUMNS))
        for row in [*rows, totals]:
            print("| " + " | ".join(str(v) for v in row) + " |")
    else:
        print(f"{COLUMNS[0]:45}" + "".join(f"{c:>11}" for c in COLUMNS[1:]))
        for row in [*rows, totals]:
            print(f"{row[0]:45}" + "".join(f"{v:>11}" for v in row[1:]))
    print(f"\n{len(rows)} exercises, oracle {'engine' if args.engine else 'matmul'}, "
          f"{time.perf_counter() - start:.1f} s")
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
