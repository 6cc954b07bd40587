"""How long reading a cluster takes: netpol_lab's loaders against bare parsers.

One command::

    .venv/bin/python benchmarks/bench_load.py [--sizes 1000,5000] [--repeat 3]

For each size it generates the cluster (``benchmarks/generate.py``, seed 7) into
``benchmarks/out`` if its files are missing, then times, best of ``--repeat``:

- **netpol_lab, PyYAML**: ``nl.load_cluster`` + ``nl.load_policies`` with the
  yaml-rs accelerator switched off (libyaml through PyYAML, no line map);
- **netpol_lab, yaml-rs**: the same with the accelerator (``pip install
  netpol-lab[fast]``), its cache of judged words emptied before every run;
- **bare libyaml**: ``yaml.load_all(text, CSafeLoader)`` of the same two files;
- **bare yaml-rs**: ``yaml_rs.loads`` of the same two files (YAML 1.2 answers);
- **JSON**: the same objects as one ``kubectl get -o json``-style ``List``
  each: ``nl.load_cluster`` + ``nl.load_policies`` on that text, and bare
  ``json.loads`` (and ``orjson.loads`` when orjson is installed);

and prints seconds and the ratio to the PyYAML path, then the time of
``import netpol_lab`` (best of five fresh interpreters) and whether it imported
yaml-rs (it must not: yaml-rs is imported on the first large text).
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

import netpol_lab as nl  # noqa: E402
from netpol_lab import yaml_accel  # noqa: E402


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def load(cluster: str, policies: str, accelerated: bool) -> None:
    yaml_accel.ENABLED = accelerated
    yaml_accel._verdicts.clear()
    try:
        nl.load_cluster(cluster)
        nl.load_policies(policies)
    finally:
        yaml_accel.ENABLED = True


def measure(pods: int, out: Path, repeat: int) -> list[tuple[str, float | None]]:
    paths = {"cluster": out / f"cluster-{pods}.yaml", "policies": out / f"policies-{pods}.yaml"}
    if not all(p.exists() for p in paths.values()):
        generate.write(pods, out)
    cluster, policies = (paths[k].read_text() for k in ("cluster", "policies"))
    as_json = [json.dumps({"apiVersion": "v1", "kind": "List",
                           "items": list(yaml.load_all(t, Loader=yaml.CSafeLoader))})
               for t in (cluster, policies)]
    rows: list[tuple[str, float | None]] = [
        ("netpol_lab, PyYAML (libyaml)", best(lambda: load(cluster, policies, False), repeat)),
        ("netpol_lab, yaml-rs accelerator", best(lambda: load(cluster, policies, True), repeat)
         if yaml_accel.available() else None),
        ("bare libyaml (yaml.load_all, CSafeLoader)", best(lambda: [
            list(yaml.load_all(t, Loader=yaml.CSafeLoader)) for t in (cluster, policies)],
            repeat)),
    ]
    try:
        import yaml_rs
    except ImportError:
        rows.append(("bare yaml-rs (YAML 1.2 answers)", None))
    else:
        rows.append(("bare yaml-rs (YAML 1.2 answers)",
                     best(lambda: [yaml_rs.loads(t) for t in (cluster, policies)], repeat)))
    rows.append(("netpol_lab, the same as JSON (kubectl -o json)", best(
        lambda: (nl.load_cluster(as_json[0]), nl.load_policies(as_json[1])), repeat)))
    rows.append(("bare json.loads", best(lambda: [json.loads(t) for t in as_json], repeat)))
    try:
        import orjson
    except ImportError:
        rows.append(("bare orjson.loads (not installed)", None))
    else:
        rows.append(("bare orjson.loads", best(lambda: [orjson.loads(t) for t in as_json],
                                               repeat)))
    size = (len(cluster) + len(policies)) / 1e6
    print(f"\n{pods:,} pods, {len(cluster.split(chr(10) + '---')) :,} cluster documents, "
          f"{size:.1f} MB of YAML")
    return rows


def import_time() -> tuple[float, bool]:
    code = ("import sys, time; t = time.perf_counter(); import netpol_lab; "
            "print(time.perf_counter() - t, 'yaml_rs' in sys.modules)")
    runs = []
    for _ in range(5):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True).stdout.split()
        runs.append((float(out[0]), out[1] == "True"))
    return min(r[0] for r in runs), any(r[1] for r in runs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,5000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    print(f"yaml-rs accelerator available: {yaml_accel.available()}")
    for pods in (int(s) for s in args.sizes.split(",")):
        rows = measure(pods, args.out, args.repeat)
        reference = rows[0][1]
        for label, seconds in rows:
            if seconds is None:
                print(f"  {label:<48} {'-':>8}")
            else:
                print(f"  {label:<48} {seconds:8.3f} s  {seconds / reference:5.2f}x")
    seconds, imported = import_time()
    print(f"\nimport netpol_lab: {seconds:.3f} s (best of 5); imports yaml_rs: {imported}")


if __name__ == "__main__":
    main()
