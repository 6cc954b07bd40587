"""Edit-to-table time of the Playground on the default cluster.

Each of 50 edits sets ``editor.value`` (a different port in an added rule, so
every edit really changes the table) and stops the clock when the table pane's
HTML has been rebuilt: read + validate, evaluate every connection, lint, diff
with the previous version, filters, HTML, explanation. The kernel↔browser round
trip is not included (the browser test measures the whole loop end to end).

Run::

    .venv/bin/python benchmarks/bench_playground.py [--edits 50]

It prints a markdown table: median and p90 per stage and in total.
"""

from __future__ import annotations

import argparse
import statistics
import time

import netpol_lab as nl
from netpol_lab.lint import lint
from netpol_lab.table import diff, traffic_table
from netpol_lab.widgets import Playground, table_html

RULE = """\
    - from:
        - podSelector:
            matchLabels:
              app: mobile-bff
      ports:
        - port: {port}
"""


def p90(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.9 * len(values)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=50)
    args = parser.parse_args()

    base = nl.article_yaml("api-ingress")
    texts = [base + RULE.format(port=8080 if i % 2 else 9090) for i in range(args.edits)]
    pg = Playground(base)  # each edit is compared with the starting version
    for text in texts[1:6]:  # warm up imports and caches; ends on 8080, texts[0] is 9090
        pg.editor.value = text + "# warm-up\n"

    total = []
    for text in texts:
        before = pg.table_pane.value
        start = time.perf_counter()
        pg.editor.value = text
        total.append(time.perf_counter() - start)
        assert pg.table_pane.value != before and not pg.stale

    # the same work, stage by stage, to show where the time goes
    cluster = nl.default_cluster()
    stages: dict[str, list[float]] = {"read + validate": [], "evaluate table": [], "lint": [],
                                      "diff": [], "table HTML": []}
    previous = traffic_table(cluster, nl.load_policies(base))
    for text in texts:
        t0 = time.perf_counter()
        loaded = nl.read([cluster, text])
        t1 = time.perf_counter()
        scenario = nl.Scenario(loaded.cluster(), loaded.policies)
        table = traffic_table(scenario)
        t2 = time.perf_counter()
        lint(scenario.cluster, loaded.policies)
        t3 = time.perf_counter()
        changes = diff(previous, table)
        t4 = time.perf_counter()
        table_html(table, dict.fromkeys(map(tuple, changes[["source", "destination", "port",
                                                              "protocol"]].values), "x"))
        t5 = time.perf_counter()
        previous = table
        for name, value in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4),
                               strict=True):
            stages[name].append(value)

    rows = len(pg.table)
    print(f"Playground edit → table, default cluster ({rows} connections), {args.edits} edits\n")
    print("| stage | median (ms) | p90 (ms) |")
    print("|---|---:|---:|")
    for name, values in stages.items():
        print(f"| {name} | {statistics.median(values) * 1e3:.1f} | {p90(values) * 1e3:.1f} |")
    print(f"| **editor.value → table HTML (whole update)** | "
          f"**{statistics.median(total) * 1e3:.1f}** | **{p90(total) * 1e3:.1f}** |")


if __name__ == "__main__":
    main()
