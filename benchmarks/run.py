"""Benchmark netpol_lab at 100, 1,000 and 5,000 pods, and compare with network-config-analyzer.

One command::

    .venv/bin/python benchmarks/run.py [--sizes 100,1000,5000] [--nca-sizes 100,1000]

For each size it generates the cluster (``benchmarks/generate.py``, seeded) if
its files are missing, then measures in a fresh Python process per size:

- **load**: ``nl.load_cluster`` + ``nl.load_policies`` on the YAML files;
- **compile**: ``Reachability(cluster, policies)`` (selectors, peers, isolation);
- **one port**: the full matrix for TCP 8080, first call (``dedupe``), and
  the same with ``method="matmul"`` for comparison;
- **declared ports**: compile + one matrix for every distinct (port,
  protocol) a pod declares;
- **table rows**: streaming the whole traffic table for the declared ports
  with ``iter_table`` (1,000,000-row chunks, counted and dropped);
- **peak memory**: the process's peak resident set size (``ru_maxrss``),
  interpreter, numpy and pandas included;
- **evaluate**: ``Scenario(...)`` construction, and the median latency of one
  ``Scenario.evaluate`` over 300 random pairs;

plus the time of ``import netpol_lab`` (best of five fresh interpreters).

When network-config-analyzer's ``nca`` is installed (by default looked for in
``benchmarks/out/nca-venv``; never a dependency of netpol_lab), the runner
times ``nca --connectivity`` on the same files in the same run, reports our
end-to-end time as a speed ratio, and checks that both tools agree on every
pod → pod pair for every declared port. network-config-analyzer applies
``ipBlock`` to addresses outside the cluster only, so this comparison uses
``Reachability(..., ip_block_matches_pods=False)``; the lab's default (which
follows the upstream [Feature:NetworkPolicy] e2e tests) differs exactly on the pairs an
``ipBlock`` admits by pod IP, and the report counts those too.

Results: ``benchmarks/results/results.md`` (the table), ``results.json`` and
``results.png`` (a plot).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PORT = (8080, "TCP")
OKABE_ITO = {"ours": "#0072B2", "matrix": "#009E73", "nca": "#D55E00", "load": "#CC79A7"}


# -- measurements in a child process ---------------------------------------------------


def measure(size: int, data: Path) -> dict:
    """Everything measured for one size, in this (fresh) process."""
    start = time.perf_counter()
    import random

    import netpol_lab as nl
    from netpol_lab.reachability import Reachability, iter_table

    out: dict = {"size": size}
    t = time.perf_counter()
    cluster = nl.load_cluster(data / f"cluster-{size}.yaml")
    policies = nl.load_policies(data / f"policies-{size}.yaml")
    out["load_s"] = time.perf_counter() - t
    out["pods"], out["policies"] = len(cluster.pods), len(policies)
    out["namespaces"] = len(cluster.namespaces)

    t = time.perf_counter()
    reach = Reachability(cluster, policies)
    out["compile_s"] = time.perf_counter() - t
    t = time.perf_counter()
    matrix = reach.matrix(*PORT)
    out["one_port_s"] = time.perf_counter() - t
    out["one_port_total_s"] = out["compile_s"] + out["one_port_s"]
    if size <= 5000:  # the full n × n arrays and the dense product: for comparison only
        out["allowed_share"] = float(matrix.allowed[matrix.connections].mean())
        t = time.perf_counter()
        reach.matrix(*PORT, method="matmul")
        out["one_port_matmul_s"] = time.perf_counter() - t

    declared = sorted({(cp.port, cp.protocol) for pod in cluster.pods for cp in pod.ports})
    out["declared_ports"] = len(declared)
    t = time.perf_counter()
    fresh = Reachability(cluster, policies)
    for port in declared:
        fresh.matrix(*port)
    out["declared_ports_s"] = time.perf_counter() - t
    out["end_to_end_s"] = time.perf_counter() - start  # import + load + all declared ports

    import io

    from netpol_lab.rows import TableRows
    from netpol_lab.writers import write

    t = time.perf_counter()
    table = TableRows(fresh)
    out["table_rows"], out["table_allowed"] = table.count()
    out["table_count_s"] = time.perf_counter() - t
    t = time.perf_counter()
    write("summary", table, io.StringIO())
    out["summary_s"] = time.perf_counter() - t
    out["declared_ports_summary_s"] = out["declared_ports_s"] + out["summary_s"]
    if size <= 5000:
        import pandas  # noqa: F401  (imported by iter_table; timed apart from the rows)

        t = time.perf_counter()
        rows = 0
        for chunk in iter_table(fresh, chunk_rows=1_000_000):
            rows += len(chunk)
        out["table_stream_s"] = time.perf_counter() - t

    t = time.perf_counter()
    scenario = nl.Scenario(cluster, policies)
    out["scenario_s"] = time.perf_counter() - t
    rng = random.Random(size)
    endpoints = cluster.endpoints
    latencies = []
    for _ in range(300):
        src, dst = rng.choice(endpoints), rng.choice(cluster.pods)
        t = time.perf_counter()
        scenario.evaluate(src, dst, *PORT)
        latencies.append(time.perf_counter() - t)
    out["evaluate_us"] = statistics.median(latencies) * 1e6
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def agreement(size: int, data: Path, nca_output: Path) -> dict:
    """Compare pod → pod verdicts with nca's ``txt_no_fw_rules`` output, every declared port."""
    import numpy as np

    import netpol_lab as nl
    from netpol_lab.reachability import Reachability

    cluster = nl.load_cluster(data / f"cluster-{size}.yaml")
    policies = nl.load_policies(data / f"policies-{size}.yaml")
    declared = sorted({(cp.port, cp.protocol) for pod in cluster.pods for cp in pod.ports})
    plugin = Reachability(cluster, policies, ip_block_matches_pods=False)
    lab = Reachability(cluster, policies)
    p = plugin.n_pods
    position = {pod_id: i for i, pod_id in enumerate(plugin.ids[:p])}
    # nca lists each pair that has some connection once, with its connection set
    kinds: dict[str, int] = {}
    src, dst, kind = [], [], []
    for (a, b), connection in _read_nca_pairs(nca_output).items():
        if a in position and b in position:
            src.append(position[a])
            dst.append(position[b])
            kind.append(kinds.setdefault(connection, len(kinds)))
    admits = np.array([[_admits(c, port, proto) for port, proto in declared] for c in kinds],
                      dtype=bool).reshape(len(kinds), len(declared))
    off_diagonal = ~np.eye(p, dtype=bool)
    compared = differ = lab_differ = explained = 0
    for k, port in enumerate(declared):
        theirs = np.zeros((p, p), dtype=bool)
        theirs[src, dst] = admits[kind, k] if kind else False
        ours = plugin.matrix(*port).allowed[:p, :p]
        labs = lab.matrix(*port).allowed[:p, :p]
        compared += int(off_diagonal.sum())
        disagree = (ours != theirs) & off_diagonal
        differ += int(disagree.sum())
        lab_differ += int(((labs != theirs) & off_diagonal).sum())
        for i, j in zip(*np.nonzero(disagree), strict=True):
            verdict = lab.scenario.evaluate(lab.ids[i], lab.ids[j], *port)
            explained += bool(ours[i, j]) and _only_through_exists_peers(verdict, lab.cluster)
    return {"compared": compared, "disagree": differ, "lab_choice_differs": lab_differ,
            "nca_exists_issue": explained}


def _only_through_exists_peers(verdict, cluster) -> bool:
    """Whether an isolated direction of an allowed connection is allowed only by peers that
    combine a namespaceSelector with a podSelector using Exists/DoesNotExist (the other
    direction may be open or allowed by anything).

    network-config-analyzer 2.1.0 does not match such peers (a two-pod reproduction is in
    docs/performance.md); ipBlock peers are left out, as in the comparison profile.
    """
    from netpol_lab.engine import peer_matches

    def suspicious(peer) -> bool:
        return (peer.namespace_selector is not None and peer.pod_selector is not None
                and any(r.operator in ("Exists", "DoesNotExist")
                        for r in peer.pod_selector.match_expressions))

    def only_suspicious(side, remote) -> bool:
        found = False
        for check in side.allowed_by:
            matching = [peer for peer in check.rule.peers if peer.ip_block is None
                        and peer_matches(peer, check.policy.namespace, remote, cluster)]
            if not check.rule.peers or not all(suspicious(peer) for peer in matching):
                return False
            found = found or bool(matching)
        return found

    # nca denies the connection when it misses the peers of either isolated direction
    return any(side.isolated and only_suspicious(side, remote)
               for side, remote in ((verdict.egress, verdict.connection.destination),
                                    (verdict.ingress, verdict.connection.source)))


PAIR = re.compile(r"(\S+)\[Pod\] => (\S+)\[Pod\] : (All connections|\{[^}]*\}(?:,\{[^}]*\})*)")


def _read_nca_pairs(path: Path) -> dict[tuple[str, str], str]:
    """``(source, destination) → connection set`` from nca's ``txt_no_fw_rules`` output.

    nca may list one pair on several lines (one per connection set); they are joined. It
    sometimes starts a line right after the previous one without a line break, so records
    are found by their shape, not by line.
    """
    pairs: dict[tuple[str, str], str] = {}
    for match in PAIR.finditer(path.read_text()):
        key = (match.group(1), match.group(2))
        pairs[key] = f"{pairs[key]} {match.group(3)}" if key in pairs else match.group(3)
    return pairs


def _admits(connection: str, port: int, protocol: str) -> bool:
    """Whether an nca connection set (``All connections``, ``{protocols:TCP,dst_ports:80}``...)
    contains ``port``/``protocol``."""
    if "All connections" in connection:
        return True
    for part in re.findall(r"\{([^}]*)\}", connection):
        fields = dict(kv.split(":", 1) for kv in re.split(r",(?=[a-z_]+:)", part))
        # nca writes "TCP,UDP" or "TCP, UDP"
        if protocol not in {p.strip() for p in fields.get("protocols", "TCP,UDP,SCTP").split(",")}:
            continue
        if "dst_ports" not in fields:
            return True
        for span in fields["dst_ports"].split(","):
            low, _, high = span.partition("-")
            if int(low) <= port <= int(high or low):
                return True
    return False


# -- the command line, as a user runs it ----------------------------------------------------

CLI_RUNS = {  # size: [(label, extra arguments)]
    1000: [("csv", ["--format", "csv"]), ("csv --only allowed", ["--format", "csv", "--only",
                                                                 "allowed"]),
           ("jsonl", ["--format", "jsonl"]), ("matrix", ["--format", "matrix"]),
           ("summary", ["--format", "summary"])],
    1500: [("csv", ["--format", "csv"])],
    5000: [("csv --only allowed", ["--format", "csv", "--only", "allowed"]),
           ("jsonl --only allowed", ["--format", "jsonl", "--only", "allowed"]),
           ("matrix", ["--format", "matrix"]), ("summary", ["--format", "summary"])],
    20000: [("summary", ["--format", "summary"]),
            ("csv --only allowed --from NS", ["--format", "csv", "--only", "allowed",
                                              "--from", "FIRST_NAMESPACE"])],
}
BARE_LOAD = ("import sys, yaml\nfor path in sys.argv[1:]:\n    with open(path) as f:\n"
             "        list(yaml.load_all(f, Loader=yaml.CSafeLoader))\n")


def timed(command: list[str], stdout: Path | None, timeout: float) -> dict:
    """Wall time and peak memory (``/usr/bin/time``'s max RSS) of one command."""
    time_binary = Path("/usr/bin/time")
    prefix = [str(time_binary), "-f", "%e %M"] if time_binary.exists() else []
    target = open(stdout, "w") if stdout else subprocess.DEVNULL  # noqa: SIM115
    t = time.perf_counter()
    try:
        proc = subprocess.run(prefix + command, stdout=target, stderr=subprocess.PIPE,
                              text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"status": f"not finished after {timeout:.0f} s"}
    finally:
        if stdout:
            target.close()
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        return {"status": f"failed (exit {proc.returncode}): {proc.stderr.strip()[-300:]}"}
    out = {"status": "ok", "s": wall}
    if prefix:
        last = proc.stderr.strip().splitlines()[-1].split()
        out["s"], out["peak_mb"] = float(last[0]), int(last[1]) / 1024
    if stdout:
        out["bytes"] = stdout.stat().st_size
        with open(stdout, "rb") as f:
            out["lines"] = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
        stdout.unlink()
    return out


def cli_runs(size: int, data: Path, timeout: float) -> dict:
    """``netpol-lab table`` on the generated files, as a subprocess per format."""
    cli = Path(sys.executable).parent / "netpol-lab"
    files = ["--cluster", str(data / f"cluster-{size}.yaml"),
             "--policies", str(data / f"policies-{size}.yaml")]
    out: dict = {"bare_load": timed([sys.executable, "-c", BARE_LOAD,
                                     str(data / f"cluster-{size}.yaml"),
                                     str(data / f"policies-{size}.yaml")], None, timeout)}
    first_namespace = _first_namespace(data / f"namespaces-{size}.yaml")
    for label, extra in CLI_RUNS.get(size, []):
        extra = [first_namespace if a == "FIRST_NAMESPACE" else a for a in extra]
        print(f"{size} pods: netpol-lab table {label}…", flush=True)
        # rows to a file at 1,000 pods (to count them); bigger outputs go to /dev/null
        target = data / f"cli-{size}.out" if size <= 1500 else None
        out[label] = timed([str(cli), "table", *files, *extra], target, timeout)
    return out


def _first_namespace(path: Path) -> str:
    for line in path.read_text().splitlines():
        if line.strip().startswith("name:"):
            return line.split(":", 1)[1].strip()
    return "default"


# -- the runner --------------------------------------------------------------------------


def child(*args: str) -> dict:
    """Run this script in a fresh interpreter and return the JSON it prints."""
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def import_time() -> dict:
    """Best of five: seconds to ``import netpol_lab`` in a fresh interpreter, and what it loads."""
    code = ("import sys, time; t = time.perf_counter(); import netpol_lab; "
            "d = time.perf_counter() - t; heavy = [m for m in ('numpy', 'pandas', 'matplotlib', "
            "'ipywidgets', 'yaml') if m in sys.modules]; print(d, ','.join(heavy))")
    best, heavy = float("inf"), ""
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, cwd=ROOT).stdout.split()
        best = min(best, float(out[0]))
        heavy = out[1] if len(out) > 1 else ""
    return {"import_s": best, "import_loads": heavy or "none of numpy/pandas/matplotlib"}


def run_nca(nca: Path, size: int, data: Path, timeout: float, out: Path,
            output_format: str) -> dict:
    """Time ``nca --connectivity`` on the same files (pods and namespaces as separate lists).

    ``txt_no_fw_rules`` lists the connections of every pair (nca's fastest complete
    output, used for the verdict comparison); ``txt`` is nca's default, which also
    summarises the connectivity as firewall rules.
    """
    command = [str(nca), "--connectivity", str(data / f"policies-{size}.yaml"),
               "--pod_list", str(data / f"pods-{size}.yaml"),
               "--ns_list", str(data / f"namespaces-{size}.yaml"),
               "--output_format", output_format, "--file_out", str(out)]
    key = "nca_pairs" if output_format == "txt_no_fw_rules" else "nca_default"
    t = time.perf_counter()
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {f"{key}_status": f"not finished after {timeout:.0f} s"}
    wall = time.perf_counter() - t
    if proc.returncode != 0 or not out.exists():
        return {f"{key}_status": f"failed (exit {proc.returncode}): "
                f"{proc.stderr.strip()[-300:]}"}
    return {f"{key}_status": "ok", f"{key}_s": wall}


def fmt(value: float | None, unit: str = "s") -> str:
    if value is None:
        return "–"
    if unit == "s":
        if value < 0.01:
            return f"{value * 1000:.1f} ms"
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    return f"{value:.0f} {unit}"


def check(ok: bool) -> str:
    return "✓ met" if ok else "✗ missed"


def _get(r: dict, key: str, show=None) -> str:
    """A measured value formatted, or '–' when this size did not measure it."""
    if key not in r:
        return "–"
    return show(r[key]) if show else fmt(r[key])


def cli_cell(r: dict, label: str) -> str:
    run = r.get("cli", {}).get(label)
    if run is None:
        return "–"
    if run["status"] != "ok":
        return run["status"]
    bare = r["cli"].get("bare_load", {}).get("s")
    text = f"{fmt(run['s'])}, {fmt(run.get('peak_mb'), 'MB')}"
    if "lines" in run:
        text += f", {run['lines']:,} lines / {run['bytes'] / 1e6:,.0f} MB"
    if bare:
        text += f" ({run['s'] / bare:.1f}× bare load)"
    return text


def nca_ratio(r: dict, key: str) -> str:
    """nca's wall time and how many times our CLI (all rows as CSV) it is."""
    if r.get(f"{key}_status") != "ok":
        return r.get(f"{key}_status", "not run")
    ours = r.get("cli", {}).get("csv", {}).get("s")
    ratio = f" (**{r[f'{key}_s'] / ours:.0f}×** our CLI, all rows as CSV)" if ours else ""
    return f"{fmt(r[f'{key}_s'])}{ratio}"


def write_results(results: list[dict], meta: dict, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps({"meta": meta, "sizes": results}, indent=2))
    measured = [r for r in results if "load_s" in r]
    rows = [
        ("Pods / policies / namespaces", lambda r: f"{r['pods']:,} / {r['policies']:,} / "
         f"{r['namespaces']}"),
        ("Load YAML (cluster + policies)", lambda r: fmt(r["load_s"])),
        ("Compile (selectors, peers, isolation)", lambda r: fmt(r["compile_s"])),
        ("Full matrix, one port (TCP 8080), incl. compile", lambda r: fmt(r["one_port_total_s"])),
        ("… matrix step only: dedupe / matmul",
         lambda r: f"{fmt(r['one_port_s'])} / {_get(r, 'one_port_matmul_s')}"),
        ("All declared ports (compile + one matrix each)",
         lambda r: f"{fmt(r['declared_ports_s'])} ({r['declared_ports']} ports)"),
        ("Summary (groups and ports), after the matrices", lambda r: fmt(r["summary_s"])),
        ("All declared ports + summary, in process",
         lambda r: fmt(r["declared_ports_summary_s"])),
        ("Traffic table rows: counted / as pandas chunks (`iter_table`)",
         lambda r: f"{r['table_rows']:,} rows: {fmt(r['table_count_s'])} / "
         f"{_get(r, 'table_stream_s')}"),
        ("Peak memory (process RSS)", lambda r: fmt(r["peak_rss_mb"], "MB")),
        ("`Scenario(...)` build / one `evaluate`",
         lambda r: f"{fmt(r['scenario_s'])} / {r['evaluate_us']:.0f} µs"),
        ("End to end: import + load + all declared ports", lambda r: fmt(r["end_to_end_s"])),
    ]
    labels = list(dict.fromkeys(label for runs in CLI_RUNS.values() for label, _ in runs))
    cli_rows = [("Bare libyaml load of the same files (`yaml.load_all`, CSafeLoader)",
                 lambda r: (fmt(r["cli"]["bare_load"]["s"]) if r.get("cli", {}).get(
                     "bare_load", {}).get("status") == "ok" else "–"))]
    cli_rows += [(f"`netpol-lab table --format {label}`", lambda r, label=label:
                  cli_cell(r, label)) for label in labels]
    cli_rows += [
        ("NCA `--connectivity`, all pairs (`-o txt_no_fw_rules`)",
         lambda r: nca_ratio(r, "nca_pairs")),
        ("NCA `--connectivity`, default output (firewall rules)",
         lambda r: nca_ratio(r, "nca_default")),
        ("Pod → pod verdicts compared with NCA: disagreements",
         lambda r: (f"{r['disagree']:,} of {r['compared']:,}, of which "
                    f"{r['nca_exists_issue']:,} allowed only by namespaceSelector + "
                    f"podSelector with Exists/DoesNotExist (missed by NCA 2.1.0); with "
                    f"ipBlock matching pod IPs (the lab's default): "
                    f"{r['lab_choice_differs']:,}")
         if "compared" in r else "–"),
    ]
    cli_results = [r for r in results if "cli" in r or "nca_pairs_status" in r]

    def table(chosen: list[dict], spec: list) -> list[str]:
        out = ["| | " + " | ".join(f"{r['size']:,} pods" for r in chosen) + " |",
               "|" + "---|" * (len(chosen) + 1)]
        for label, get in spec:
            cells = []
            for r in chosen:
                try:
                    cells.append(get(r))
                except KeyError:
                    cells.append("–")
            out.append("| " + label + " | " + " | ".join(cells) + " |")
        return out

    lines = [
        "# netpol_lab benchmark",
        "",
        f"Run {meta['date']} on {meta['machine']}; Python {meta['python']}, numpy "
        f"{meta['numpy']}, pandas {meta['pandas']}; network-config-analyzer "
        f"{meta['nca_version']}. Command: `{meta['command']}`.",
        "",
        "## In process",
        "",
        *table(measured, rows),
        "",
        f"`import netpol_lab`: {fmt(meta['import_s'])} (best of 5; heavy modules loaded: "
        f"{meta['import_loads']}).",
        "",
        "## The command line, as a user runs it",
        "",
        "`netpol-lab table --cluster cluster-N.yaml --policies policies-N.yaml ...` in a fresh "
        "process: wall time, peak memory (`/usr/bin/time`), and for 1,000 and 1,500 pods the "
        "output written to a file (lines, size); larger outputs go to /dev/null. "
        "`--from NS` is the first namespace of the file. network-config-analyzer runs on "
        "the same files in the same run.",
        "",
        *table(cli_results, cli_rows),
        "",
        "## Targets",
        "",
    ]
    by_size = {r["size"]: r for r in results}

    def cli(size: int, label: str) -> dict:
        return by_size.get(size, {}).get("cli", {}).get(label, {})

    if cli(1000, "csv").get("status") == "ok":
        run = cli(1000, "csv")
        lines.append(f"- 1,000 pods, every row as CSV through the CLI < 500 MB: "
                     f"{fmt(run.get('peak_mb'), 'MB')} {check(run.get('peak_mb', 1e9) < 500)}")
        for size in (1000, 1500):
            r = by_size.get(size, {})
            ours = cli(size, "csv").get("s")
            for key, mode in (("nca_pairs", "its fastest complete output"),
                              ("nca_default", "its default output")):
                if r.get(f"{key}_s") and ours:
                    ratio = r[f"{key}_s"] / ours
                    lines.append(f"- ≥ 20× faster than network-config-analyzer at {size:,} pods "
                                 f"({mode}), all rows as CSV through the CLI: {ratio:.0f}× "
                                 f"{check(ratio >= 20)}")
    if 5000 in by_size:
        r = by_size[5000]
        if "declared_ports_s" in r:
            total = r["load_s"] + r["declared_ports_s"]
            lines.append(f"- 5,000 pods / 1,000 policies, load + all declared ports < 1 s in "
                         f"process: {fmt(total)} {check(total < 1)}")
        bare = r.get("cli", {}).get("bare_load", {}).get("s")
        for label in ("csv --only allowed", "summary"):
            run = cli(5000, label)
            if run.get("status") == "ok" and bare:
                ratio = run["s"] / bare
                lines.append(f"- 5,000 pods, `--format {label}` through the CLI ≤ 3× a bare "
                             f"libyaml load ({fmt(bare)}) and < 1 GB: {fmt(run['s'])} = "
                             f"{ratio:.1f}× {check(ratio <= 3)}, "
                             f"{fmt(run.get('peak_mb'), 'MB')} "
                             f"{check(run.get('peak_mb', 1e9) < 1024)}")
    if 20000 in by_size and "declared_ports_summary_s" in by_size[20000]:
        r = by_size[20000]
        lines.append(f"- 20,000 pods / 4,000 policies, all declared ports + summary < 10 s in "
                     f"process: {fmt(r['declared_ports_summary_s'])} "
                     f"{check(r['declared_ports_summary_s'] < 10)} (load {fmt(r['load_s'])} "
                     f"apart); peak memory < 4 GB: {fmt(r['peak_rss_mb'], 'MB')} "
                     f"{check(r['peak_rss_mb'] < 4096)}")
    lines.append(f"- `import netpol_lab` < 0.5 s: {fmt(meta['import_s'])} "
                 f"{check(meta['import_s'] < 0.5)}")
    lines += ["", "![benchmark plot](results.png)", ""]
    path = folder / "results.md"
    path.write_text("\n".join(lines))
    plot(measured, folder / "results.png")
    return path


def plot(results: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["size"] for r in results]
    if not sizes:  # a run of the command line and NCA only
        return
    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    series = [
        ("netpol_lab: one-port matrix (incl. compile)", "one_port_total_s", "matrix", "o", "-"),
        ("netpol_lab: end to end, all declared ports", "end_to_end_s", "ours", "s", "-"),
        ("netpol_lab: load YAML", "load_s", "load", "^", ":"),
    ]
    for label, key, colour, marker, style in series:
        ax.plot(sizes, [r[key] for r in results], marker=marker, linestyle=style,
                color=OKABE_ITO[colour], label=label)
    for key, label, marker, style, offset in (
            ("nca_pairs_s", "network-config-analyzer, all pairs", "X", "--", (8, -10)),
            ("nca_default_s", "network-config-analyzer, default output", "P", "-.", (8, 2))):
        nca = [(r["size"], r[key]) for r in results if r.get(key)]
        if not nca:
            continue
        ax.plot(*zip(*nca, strict=True), marker=marker, linestyle=style,
                color=OKABE_ITO["nca"], label=label)
        for size, seconds in nca:
            ours = next(r["end_to_end_s"] for r in results if r["size"] == size)
            ax.annotate(f"{seconds / ours:.0f}× ours", (size, seconds),
                        textcoords="offset points", xytext=offset, fontsize=8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sizes, [f"{s:,}" for s in sizes])
    ax.set_xlabel("pods (about one policy per five pods)")
    ax.set_ylabel("seconds (log scale)")
    ax.set_title("Whole-cluster reachability time")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,5000,20000",
                        help="sizes measured in process")
    parser.add_argument("--cli-sizes", default="1000,1500,5000,20000",
                        help="sizes at which `netpol-lab table` is timed as a user runs it "
                             "(formats per size: CLI_RUNS); 'none' to skip")
    parser.add_argument("--cli-timeout", type=float, default=600)
    parser.add_argument("--nca-sizes", default="1000,1500",
                        help="sizes to run network-config-analyzer on (it takes minutes at "
                             "1,000 pods); 'none' to skip")
    parser.add_argument("--nca", type=Path, default=HERE / "out" / "nca-venv" / "bin" / "nca")
    parser.add_argument("--nca-timeout", type=float, default=1200)
    parser.add_argument("--no-nca-default", dest="nca_default", action="store_false",
                        help="run NCA's all-pairs output only (its default output takes "
                             "several times longer)")
    parser.add_argument("--data", type=Path, default=HERE / "out")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--agree", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.measure, args.data)))
        return
    if args.agree:
        print(json.dumps(agreement(int(args.agree[0]), args.data, Path(args.agree[1]))))
        return

    sys.path.insert(0, str(HERE))
    import generate

    measure_sizes = [] if args.sizes == "none" else [int(s) for s in args.sizes.split(",")]
    cli_sizes = [] if args.cli_sizes == "none" else [int(s) for s in args.cli_sizes.split(",")]
    sizes = sorted({*measure_sizes, *cli_sizes})
    nca_sizes = [] if args.nca_sizes == "none" else [int(s) for s in args.nca_sizes.split(",")]
    have_nca = args.nca.exists()
    load = os.getloadavg()
    results = []
    for size in sizes:
        if not (args.data / f"policies-{size}.yaml").exists():
            generate.write(size, args.data, args.seed)
        print(f"{size} pods: measuring…", flush=True)
        result = (child("--measure", str(size), "--data", str(args.data))
                  if size in measure_sizes else {"size": size})
        if size in cli_sizes:
            result["cli"] = cli_runs(size, args.data, args.cli_timeout)
        if have_nca and size in nca_sizes:
            print(f"{size} pods: network-config-analyzer…", flush=True)
            output = args.data / f"nca-{size}.txt"
            result.update(run_nca(args.nca, size, args.data, args.nca_timeout, output,
                                  "txt_no_fw_rules"))
            if result["nca_pairs_status"] == "ok":
                result.update(child("--agree", str(size), str(output), "--data", str(args.data)))
            if args.nca_default:
                result.update(run_nca(args.nca, size, args.data, args.nca_timeout,
                                      args.data / f"nca-{size}-rules.txt", "txt"))
            else:
                result["nca_default_status"] = "not run (--no-nca-default)"
        else:
            status = f"not installed ({args.nca})" if not have_nca else "not run (--nca-sizes)"
            result["nca_pairs_status"] = result["nca_default_status"] = status
        print(json.dumps(result), flush=True)
        results.append(result)

    import numpy
    import pandas

    nca_version = "not installed"
    if have_nca:
        version = subprocess.run([str(args.nca), "--version"], capture_output=True, text=True)
        nca_version = (version.stdout + version.stderr).strip().splitlines()[-1] \
            if (version.stdout + version.stderr).strip() else "unknown version"
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
                   f"(load average {load[0]:.1f} when the run started: the cores are shared)",
        "python": platform.python_version(), "numpy": numpy.__version__,
        "pandas": pandas.__version__, "nca_version": nca_version,
        "command": "python benchmarks/run.py " + " ".join(argv if argv is not None
                                                          else sys.argv[1:]),
        **import_time(),
    }
    path = write_results(results, meta, args.results)
    print(path.read_text())


if __name__ == "__main__":
    main()
