"""The ``netpol-lab`` command: traffic tables, explanations and lint from the shell.

::

    netpol-lab course  [DIR] [--no-lab] [--no-solutions]
    netpol-lab table   [--cluster FILE] [--policies FILE]... [--port 80/TCP]...
                       [--from NS|POD|GLOB]... [--to NS|POD|GLOB]... [--only allowed|denied]
                       [--format text|markdown|csv|jsonl|json|matrix|summary]
    netpol-lab explain SRC DST PORT[/PROTO] [--cluster FILE] [--policies FILE]...
    netpol-lab cluster [--cluster FILE] [--policies FILE]...
    netpol-lab lint    [--cluster FILE] [--policies FILE]... [--format F]
    netpol-lab exercises list [--topic T] [--difficulty D] [--format F]
    netpol-lab exercises show ID [--starter]
    netpol-lab exercises validate [--solutions DIR]
    netpol-lab exercises check ID FILE [--attempt N] [--format text|markdown|json]
    netpol-lab grade SUBMISSIONS_DIR [--out DIR] [--exercise ID]... [--time-limit S] ...

Without ``--cluster`` the course's default cluster is used; a policies file
may also hold cluster objects (Namespace, Pod, or the compact format), and a
cluster file may also hold policies. Output formats: ``text`` (default),
``markdown``, ``csv`` and ``json``; ``table`` also writes ``jsonl``, ``matrix``
and ``summary`` (:mod:`netpol_lab.writers`).

Exit status: 0 on success, 1 when the input is invalid (the error, with its
field path and line, goes to stderr) or an exercise check fails (the feedback
goes to stdout), 2 on a usage error. ``--exercises-dir`` (or the
``NETPOL_LAB_EXERCISES`` environment variable) picks another exercise folder.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from .errors import NetpolError

FORMATS = ("text", "markdown", "csv", "json")
TABLE_FORMATS = ("text", "markdown", "csv", "jsonl", "json", "matrix", "summary")


def _inputs(args: argparse.Namespace):
    """The cluster and policies named by ``--cluster`` and ``--policies``."""
    from .loader import Loaded, read
    from .scenarios import default_cluster

    policies_in = Loaded()
    for path in args.policies or ():
        read(_path(path), policies_in)
    policies_in.raise_problems()
    if args.cluster:
        cluster_in = read(_path(args.cluster))
        cluster_in.raise_problems()
        cluster = cluster_in.cluster()
        policies = [*cluster_in.policies, *policies_in.policies]
    elif policies_in.has_cluster:
        cluster, policies = policies_in.cluster(), policies_in.policies
    else:
        cluster, policies = default_cluster(), policies_in.policies
    return cluster, policies


def _path(text: str):
    """The file named on the command line: a :class:`~pathlib.Path`, or stdin's text for '-'.

    Anything but a regular file (a folder, ``/dev/zero``, a FIFO) is refused at
    once, before any work starts.
    """
    from pathlib import Path

    from .files import MAX_FILE_BYTES, check_regular

    if text == "-":  # one byte past the limit is enough to refuse an endless stream
        return sys.stdin.read(MAX_FILE_BYTES + 1)
    check_regular(text)
    return Path(text)


def render(rows: list[dict], columns: Sequence[str], fmt: str, out: TextIO) -> None:
    """Write ``rows`` (dicts) as text, markdown, csv or json."""
    if fmt == "json":
        json.dump(rows, out, indent=2, default=str)
        out.write("\n")
        return
    if fmt == "csv":
        import csv

        writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return
    cells = [[str(row.get(c, "")) for c in columns] for row in rows]
    if fmt == "markdown":
        out.write("| " + " | ".join(columns) + " |\n")
        out.write("|" + "|".join("---" for _ in columns) + "|\n")
        for line in cells:
            out.write("| " + " | ".join(v.replace("|", "\\|") for v in line) + " |\n")
        return
    widths = [max([len(c), *(len(line[i]) for line in cells)]) for i, c in enumerate(columns)]
    widths[-1] = len(columns[-1])  # the last column (the reason) is not padded
    out.write("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip() + "\n")
    for line in cells:
        out.write("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() + "\n")


def _table(args: argparse.Namespace, out: TextIO) -> int:
    from .reachability import Reachability
    from .rows import TableRows, parse_ports
    from .writers import write

    cluster, policies = _inputs(args)
    ports = parse_ports(args.port) if args.port else None
    rows = TableRows(Reachability(cluster, policies), ports=ports, sources=args.sources,
                     destinations=args.destinations, only=args.only)
    write(args.format, rows, out)
    return 0


def _plain(value):
    """numpy scalars to Python ones, for json."""
    return value.item() if hasattr(value, "item") else value


def _explain(args: argparse.Namespace, out: TextIO) -> int:
    from .engine import Scenario

    cluster, policies = _inputs(args)
    verdict = Scenario(cluster, policies).evaluate(args.source, args.destination, args.port)
    if args.format == "json":
        conn = verdict.connection
        json.dump({"source": conn.source.id, "destination": conn.destination.id,
                   "port": conn.port, "protocol": conn.protocol, "allowed": verdict.allowed,
                   "egress": verdict.egress.status, "ingress": verdict.ingress.status,
                   "reason": verdict.reason, "explanation": verdict.explain()}, out, indent=2)
        out.write("\n")
    else:
        out.write(verdict.explain() + "\n")
    return 0


def _cluster(args: argparse.Namespace, out: TextIO) -> int:
    """Namespaces with their labels, pods with IP, labels and ports, external endpoints."""
    from .exercises import cluster_lines

    cluster, _ = _inputs(args)
    out.write("\n".join(cluster_lines(cluster)) + "\n")
    return 0


def _lint(args: argparse.Namespace, out: TextIO) -> int:
    from .lint import lint

    cluster, policies = _inputs(args)
    warnings = lint(cluster, policies)
    rows = [w.to_dict() for w in warnings]
    if args.format == "text":
        for w in warnings:
            out.write(str(w) + "\n")
        out.write(f"{len(warnings)} finding{'s' * (len(warnings) != 1)}\n")
    else:
        render(rows, ["code", "severity", "policy", "path", "line", "message", "fix"],
               args.format, out)
    return 0


def _exercises(args: argparse.Namespace, out: TextIO) -> int:
    from .exercises import check, cluster_lines, get_exercise, load_exercises

    if args.action == "list":
        every = load_exercises(args.exercises_dir).values()
        topics = sorted({e.topic for e in every})
        if args.topic is not None and args.topic not in topics:
            print(f"netpol-lab exercises list: error: no topic {args.topic!r}; the topics are "
                  + ", ".join(topics), file=sys.stderr)
            return 2
        rows = [{"id": e.id, "topic": e.topic, "difficulty": e.difficulty, "title": e.title}
                for e in every
                if args.topic in (None, e.topic) and args.difficulty in (None, e.difficulty)]
        render(rows, ["id", "topic", "difficulty", "title"], args.format, out)
        if args.format == "text":
            out.write(f"\n{len(rows)} exercise{'s' * (len(rows) != 1)}\n")
        return 0
    if args.action == "validate":
        return _validate(args, out)
    ex = get_exercise(args.id, args.exercises_dir)
    if args.action == "show" and args.starter:
        out.write(ex.starter)
        return 0
    if args.action == "show":
        out.write(f"{ex.id}: {ex.title}\n{ex.topic}, {ex.difficulty}\n\n{ex.statement}\n")
        if ex.cluster_name == "inline":
            out.write("\nThis exercise's own cluster:\n" + "\n".join(cluster_lines(ex.cluster))
                      + "\n")
        else:
            out.write("\nCluster: the course's default cluster (`netpol-lab cluster` lists its "
                      "namespaces, pods, labels, IPs and ports).\n")
        if ex.given.strip():
            out.write("\nAlready applied (read-only):\n\n" + ex.given.rstrip() + "\n")
        from .exercises.scope import scope_lines

        out.write("\nWhat the check looks at:\n")
        for line in ex.requirement_lines() + scope_lines(ex):
            out.write(f"  {line}\n")
        out.write("\nStarter (save it to a file, edit it, then run "
                  f"`netpol-lab exercises check {ex.id} FILE`):\n\n{ex.starter}")
        return 0
    result = check(ex, _path(args.file), attempt=args.attempt)
    if args.format == "json":
        json.dump(result.to_dict(), out, indent=2)
        out.write("\n")
    else:
        out.write(result.summary(args.format))
    return 0 if result.passed else 1


def _validate(args: argparse.Namespace, out: TextIO) -> int:
    """Every exercise consistent; with --solutions, each solution passes and each starter fails."""
    from pathlib import Path

    from .exercises import check, load_exercises, validate_exercise

    exercises = load_exercises(args.exercises_dir)
    bad = 0
    for ex in exercises.values():
        problems = validate_exercise(ex)
        if args.solutions:
            path = Path(args.solutions) / f"{ex.id}.yaml"
            if not path.is_file():
                problems.append(f"no solution file {path}")
            elif not (result := check(ex, path)).passed:
                problems.append(f"the solution fails: {result.reason}")
            if check(ex, ex.starter).passed:
                problems.append("the starter already passes")
        bad += bool(problems)
        for problem in problems:
            out.write(f"{ex.id}: {problem}\n")
    out.write(f"{len(exercises) - bad} of {len(exercises)} exercises are consistent\n")
    return 1 if bad else 0


def _grade(args: argparse.Namespace, out: TextIO) -> int:
    from pathlib import Path

    from .grading import CSV_NAME, MARKDOWN_NAME, Budget, grade

    twice = sorted({e for e in args.exercise or () if args.exercise.count(e) > 1})
    if twice:  # a usage error: each --exercise names one more exercise to grade
        print(f"netpol-lab grade: error: --exercise {twice[0]} is given twice (each exercise "
              "once)", file=sys.stderr)
        return 2
    folder = Path(args.submissions)
    if folder.is_dir():
        from .exercises import load_exercises

        ids = set(load_exercises(args.exercises_dir))
        try:
            answers = sorted(f.name for f in folder.iterdir()
                             if f.suffix in (".yaml", ".yml") and f.stem in ids and f.is_file())
        except OSError:  # an unreadable folder: grade() reports it
            answers = []
        if answers:  # one learner's folder: its answers would be graded as nobody's
            print(f"netpol-lab grade: error: {folder} holds answer files at its top level "
                  f"({', '.join(answers[:2])}{', ...' if len(answers) > 2 else ''}), so it looks "
                  "like one learner's folder; pass the folder that holds one folder per "
                  f"learner: netpol-lab grade {folder.parent}", file=sys.stderr)
            return 2
    budget = Budget(seconds=args.time_limit, memory=args.memory_limit * 2**20,
                    max_bytes=args.size_limit * 1024)
    table = grade(args.submissions, args.exercises_dir, args.out, args.exercise, budget)
    where = Path(args.out or args.submissions)
    learners, exercises = table["learner"].nunique(), table["exercise"].nunique()
    out.write(f"{learners} learner{'s' * (learners != 1)}, {exercises} "
              f"exercise{'s' * (exercises != 1)}: {int(table['passed'].sum())} of {len(table)} "
              f"answers pass\nwrote {where / CSV_NAME} and {where / MARKDOWN_NAME}\n")
    return 0


def _course(args: argparse.Namespace, out: TextIO) -> int:
    from .course import FIRST_NOTEBOOK, copy_course, open_lab, trust_notebooks

    report = copy_course(args.dir, solutions=not args.no_solutions)
    out.write(report.summary() + "\n")
    trust_notebooks(report.target, [*report.copied, *report.updated, *report.unchanged])
    if args.no_lab:
        out.write(f"start with {FIRST_NOTEBOOK} in Jupyter, or run: netpol-lab course "
                  f"{args.dir}\n")
        return 0
    out.write(f"starting JupyterLab on {FIRST_NOTEBOOK} (Ctrl-C stops it)...\n")
    out.flush()
    return open_lab(report.target)  # pragma: no cover - starts a server


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="netpol-lab",
        description="Evaluate Kubernetes NetworkPolicies: traffic tables, explanations, lint.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def inputs(p: argparse.ArgumentParser) -> None:
        p.add_argument("--cluster", metavar="FILE",
                       help="cluster YAML (manifests or compact format); default: the course's "
                            "built-in cluster")
        p.add_argument("--policies", metavar="FILE", action="append",
                       help="NetworkPolicy YAML/JSON (repeatable; '-' reads stdin)")

    p = sub.add_parser("course", help="copy the course (notebooks, exercises, solutions) into a "
                                      "folder and open it in JupyterLab")
    p.add_argument("dir", nargs="?", default="netpol-course", metavar="DIR",
                   help="the working folder (default: ./netpol-course); copying again adds "
                        "what is missing and never overwrites a file you changed")
    p.add_argument("--no-lab", action="store_true", help="only copy, do not start JupyterLab")
    p.add_argument("--no-solutions", action="store_true",
                   help="leave the reference solutions out (a hand-out for a class)")
    p.set_defaults(run=_course)

    p = sub.add_parser("table", help="print the traffic table")
    inputs(p)
    p.add_argument("--port", action="append", metavar="PORT[/PROTO]",
                   help="ask about this port for every destination (repeatable); "
                        "default: each destination's declared ports")
    p.add_argument("--from", dest="sources", action="append", metavar="NS|NS/POD|GLOB",
                   help="only these sources: a namespace, a pod or a glob such as 'pay*' or "
                        "'*/api-*' (repeatable)")
    p.add_argument("--to", dest="destinations", action="append", metavar="NS|NS/POD|GLOB",
                   help="only these destinations (as --from)")
    p.add_argument("--only", choices=("allowed", "denied"), help="show only these rows")
    p.add_argument("--format", choices=TABLE_FORMATS, default="text",
                   help="text and markdown explain each row (small tables); csv, jsonl and "
                        "json stream short rows (reason code, deciding policy/rule); matrix: "
                        "a grid per port; summary: pods with identical verdicts grouped")
    p.set_defaults(run=_table)

    p = sub.add_parser("explain", help="explain one connection")
    inputs(p)
    p.add_argument("source", help="namespace/pod, an external endpoint's name, or an IP")
    p.add_argument("destination", help="namespace/pod, an external endpoint's name, or an IP")
    p.add_argument("port", help="PORT[/PROTO], e.g. 8080 or 53/UDP, or a named port")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=_explain)

    p = sub.add_parser("cluster", help="list the cluster: namespaces with labels, pods with "
                                       "IP, labels and ports, external endpoints")
    inputs(p)
    p.set_defaults(run=_cluster)

    p = sub.add_parser("lint", help="warn about valid but suspicious policies")
    inputs(p)
    p.add_argument("--format", choices=FORMATS, default="text")
    p.set_defaults(run=_lint)

    def exercises_dir(p: argparse.ArgumentParser) -> None:
        p.add_argument("--exercises-dir", metavar="DIR",
                       help="the exercise folder (default: the course's exercises)")

    p = sub.add_parser("exercises", help="list, show and check the course's exercises")
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    q = actions.add_parser("list", help="list the exercises")
    q.add_argument("--topic")
    q.add_argument("--difficulty", choices=("beginner", "intermediate", "advanced"))
    q.add_argument("--format", choices=FORMATS, default="text")
    exercises_dir(q)
    q = actions.add_parser("show", help="print an exercise: statement, checks and starter")
    q.add_argument("id", help="the exercise id, e.g. ingress-01-frontend-only")
    q.add_argument("--starter", action="store_true",
                   help="print only the starter YAML (to hand out: ... --starter > ID.yaml)")
    exercises_dir(q)
    q = actions.add_parser("validate", help="check that every exercise is consistent (for "
                                            "instructors writing exercises)")
    q.add_argument("--solutions", metavar="DIR",
                   help="also check that each DIR/<id>.yaml passes and each starter fails")
    exercises_dir(q)
    q = actions.add_parser("check", help="check a policy file against an exercise")
    q.add_argument("id", help="the exercise id")
    q.add_argument("file", help="your policy YAML ('-' reads stdin)")
    q.add_argument("--attempt", type=int, default=1,
                   help="which attempt this is: later attempts get more precise hints")
    q.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    exercises_dir(q)
    p.set_defaults(run=_exercises)

    p = sub.add_parser("grade", help="grade a class: one folder per learner, <exercise-id>.yaml "
                                     "files; writes grades.csv and grades.md")
    p.add_argument("submissions", metavar="SUBMISSIONS_DIR")
    p.add_argument("--out", metavar="DIR", help="where to write the reports "
                                                "(default: SUBMISSIONS_DIR)")
    p.add_argument("--exercise", action="append", metavar="ID",
                   help="grade this exercise (repeatable; default: every exercise handed in)")
    exercises_dir(p)
    p.add_argument("--time-limit", type=float, default=20.0, metavar="SECONDS",
                   help="per answer; an answer over it fails as 'over budget' (default: 20)")
    p.add_argument("--memory-limit", type=int, default=1024, metavar="MIB",
                   help="memory per answer, in MiB (default: 1024)")
    p.add_argument("--size-limit", type=int, default=256, metavar="KIB",
                   help="largest answer file read, in KiB (default: 256)")
    p.set_defaults(run=_grade)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 invalid input, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args, sys.stdout)
    except NetpolError as exc:
        print(f"netpol-lab: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. piped into head
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
