"""Exercises: a task, a cluster, a starter policy, and the traffic that must result.

An exercise is a data file (``exercises/<id>.yaml``) that says what the
learner's policies must achieve, never how. Checking is *semantic*: the
learner's policies (plus any ``given`` policies already applied in the
exercise) are evaluated by the engine on every required connection, and any
set of policies that yields the required traffic passes.

The file format::

    id: ingress-01-frontend-only        # must equal the file name without .yaml
    title: Only the frontend may call the API
    topic: ingress                      # one of TOPICS
    difficulty: beginner                # beginner, intermediate or advanced
    statement: |
      What to do, in prose.
    cluster: default                    # or an inline compact cluster (see loader.py)
    given: |                            # optional: policies already applied, read-only
      ...
    starter: |                          # the YAML the learner starts from
      apiVersion: networking.k8s.io/v1
      ...
    must_allow:                         # connections: "SOURCE -> DESTINATION PORT[/PROTOCOL]"
      - production/frontend -> production/api 8080/TCP
    must_deny:
      - staging/frontend -> production/api 8080
    expected_table:                     # optional, instead of or besides the two lists
      sources: ["production/*"]         # glob patterns; default: every endpoint
      destinations: ["*"]
      ports: [8080, 53/UDP]             # default: each destination's declared ports
      allowed:                          # rows of that table that must be allowed;
        - "production/frontend -> production/api 8080"   # every other row must be denied
        - "* -> production/frontend"    # no port: every port of the table for that pair
    hints:
      - the first, gentle hint
      - a more precise one
      - nearly the answer

A source or destination is ``namespace/pod``, an external endpoint's name, or
an IP address. The port is a number or the name of one of the destination's
container ports; the protocol defaults to TCP. A pod reaching itself is always
allowed (policies never block loopback), so an exercise can never require it
denied; in an expected table those rows are expected allowed.

Examples
--------
>>> ex = parse_exercise('''
... id: demo
... title: Only the frontend may call the API
... topic: ingress
... difficulty: beginner
... statement: Isolate production/api; let production/frontend in on TCP 8080.
... starter: ""
... must_allow: ["production/frontend -> production/api 8080"]
... must_deny: ["staging/frontend -> production/api 8080"]
... hints: [Select the api pods., Allow one peer on one port.]
... ''')
>>> validate_exercise(ex)
[]
>>> answer = '''
... apiVersion: networking.k8s.io/v1
... kind: NetworkPolicy
... metadata: {name: api, namespace: production}
... spec:
...   podSelector: {matchLabels: {app: api}}
...   ingress: [{from: [{namespaceSelector: {}}], ports: [{port: 8080}]}]
... '''
>>> result = check(ex, answer)
>>> result.passed
False
>>> for wrong in result.wrong:
...     print(wrong.describe())
staging/frontend -> production/api 8080/TCP should be denied, but it is allowed
>>> result.hint
'Select the api pods.'
>>> check(ex, answer.replace("namespaceSelector: {}",
...                          "podSelector: {matchLabels: {app: frontend}}")).passed
True
>>> check(ex, answer.replace("namespaceSelector", "podSelector")).passed  # also right
True
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import NetpolError
from .model import Cluster, Pod
from .policy import NetworkPolicy

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from .engine import Scenario, Verdict
    from .lint import LintWarning

TOPICS = ("ingress", "egress", "selectors", "empty-selectors", "ipblock", "ports",
          "policy-types", "least-privilege", "debugging")
DIFFICULTIES = ("beginner", "intermediate", "advanced")
ENV_VAR = "NETPOL_LAB_EXERCISES"
FIELDS = ("id", "title", "topic", "difficulty", "statement", "cluster", "given", "starter",
          "must_allow", "must_deny", "expected_table", "hints")
REASON_LIMIT = 5  # wrong connections named in a one-line reason
TABLE_FIELDS = ("sources", "destinations", "ports", "allowed")
CONNECTION_EXAMPLE = "production/frontend -> production/api 8080/TCP"
_CONNECTION = re.compile(r"^\s*(?P<src>\S+)\s*(?:->|→)\s*(?P<dst>\S+)(?:\s+(?:on\s+)?"
                         r"(?P<port>\S+))?\s*$")


class ExerciseError(NetpolError):
    """An exercise file (or an exercise id) is wrong: the message says where and why."""


@dataclass(frozen=True)
class Requirement:
    """One connection an exercise requires allowed (``expected=True``) or denied.

    ``port`` is a number or a container-port name of the destination;
    ``text`` is how the exercise wrote it.
    """

    source: str
    destination: str
    port: int | str
    protocol: str = "TCP"
    expected: bool = True
    text: str = ""

    def __str__(self) -> str:
        return f"{self.source} -> {self.destination} {self.port}/{self.protocol}"


@dataclass(frozen=True)
class ExpectedTable:
    """A whole expected traffic table: the rows in scope, and which of them are allowed."""

    sources: tuple[str, ...] = ("*",)
    destinations: tuple[str, ...] = ("*",)
    ports: tuple[str, ...] | None = None
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Exercise:
    """One exercise: the task, its cluster, the starter YAML and the required traffic.

    Attributes
    ----------
    id, title, topic, difficulty, statement : str
        ``topic`` is one of :data:`TOPICS`, ``difficulty`` one of
        :data:`DIFFICULTIES`.
    cluster : Cluster
        The cluster the exercise runs on (the course's default cluster unless
        the file gives one inline).
    starter : str
        The YAML the learner starts from.
    must_allow, must_deny : tuple of str
        Connections as ``"SOURCE -> DESTINATION PORT[/PROTOCOL]"``.
    expected_table : ExpectedTable or None
        A whole table of expected verdicts, when the exercise gives one.
    hints : tuple of str
        Progressive hints, gentle first.
    given : str
        Policies already applied in the exercise (YAML, read-only for the learner).
    cluster_name : str
        ``"default"`` or ``"inline"``.
    source : str
        The file the exercise was read from, if any.
    """

    id: str
    title: str
    topic: str
    difficulty: str
    statement: str
    cluster: Cluster = field(repr=False, compare=False)
    starter: str = ""
    must_allow: tuple[str, ...] = ()
    must_deny: tuple[str, ...] = ()
    expected_table: ExpectedTable | None = None
    hints: tuple[str, ...] = ()
    given: str = ""
    cluster_name: str = "default"
    source: str = ""

    def requirements(self) -> list[Requirement]:
        """Every connection this exercise checks, with the verdict it requires.

        ``must_allow`` first, then ``must_deny``, then the rows of the
        expected table (which are not already listed), in table order.

        Raises :class:`ExerciseError` when a connection cannot be read.
        """
        out = [parse_connection(t, True) for t in self.must_allow]
        out += [parse_connection(t, False) for t in self.must_deny]
        if self.expected_table is not None:
            listed = {_key(self.cluster, r) for r in out}
            out += [r for r in _expand_table(self.cluster, self.expected_table)
                    if _key(self.cluster, r) not in listed]
        return out

    def requirement_lines(self) -> list[str]:
        """What the check requires, one line each, for people to read.

        ``must_allow``/``must_deny`` connections one per line; an expected
        table as its scope and allowed rows (a table has too many rows to list).

        Examples
        --------
        >>> for line in get_exercise("least-privilege-03-three-tier-ingress").requirement_lines()[:2]:
        ...     print(line)
        whole table: sources *, destinations production/*, each destination's declared ports (78 rows)
          ✓ allowed: * -> production/frontend 80
        """
        lines = [f"✓ allowed: {parse_connection(t)}" for t in self.must_allow]
        lines += [f"✗ denied:  {parse_connection(t, False)}" for t in self.must_deny]
        table = self.expected_table
        if table is not None:
            ports = ("ports " + ", ".join(table.ports) if table.ports is not None
                     else "each destination's declared ports")
            rows = len(_expand_table(self.cluster, table))
            lines.append(f"whole table: sources {', '.join(table.sources)}, destinations "
                         f"{', '.join(table.destinations)}, {ports} ({rows} rows)")
            lines += [f"  ✓ allowed: {row}" for row in table.allowed]
            lines.append("  ✓ allowed: a pod to itself (always)")
            lines.append("  ✗ denied:  every other row of the table")
        return lines

    def given_policies(self) -> list[NetworkPolicy]:
        """The policies the exercise has already applied (raises if they are invalid)."""
        from .loader import load_policies

        return load_policies(self.given) if self.given.strip() else []


@dataclass(frozen=True, eq=False)
class WrongConnection:
    """A required connection whose verdict is not the required one.

    ``verdict`` is the engine's :class:`~netpol_lab.engine.Verdict` for it, so
    ``explanation`` says exactly which policy and rule decided.
    """

    requirement: Requirement
    actual: bool
    verdict: Verdict

    @property
    def expected(self) -> bool:
        return self.requirement.expected

    @property
    def explanation(self) -> str:
        return self.verdict.explain()

    @property
    def reason(self) -> str:
        """The engine's one-line reason for the actual verdict."""
        return self.verdict.reason

    @property
    def connection(self) -> str:
        """``SRC -> DST PORT/PROTO`` with a named port resolved: ``9090/TCP (metrics)``."""
        req, conn = self.requirement, self.verdict.connection
        named = f" ({req.port})" if isinstance(req.port, str) else ""
        return f"{req.source} -> {req.destination} {conn.port}/{conn.protocol}{named}"

    def describe(self) -> str:
        """``SRC -> DST PORT/PROTO should be denied, but it is allowed``."""
        want = "allowed" if self.expected else "denied"
        got = "allowed" if self.actual else "denied"
        return f"{self.connection} should be {want}, but it is {got}"


@dataclass(frozen=True, eq=False)
class CheckResult:
    """The outcome of checking one answer against one exercise.

    Attributes
    ----------
    exercise : Exercise
    passed : bool
        True when the answer is valid and every required connection has the
        required verdict.
    wrong : tuple of WrongConnection
        Each required connection with the wrong verdict, with the engine's
        explanation.
    problems : tuple of NetpolError
        Why the answer could not be checked (invalid YAML, a field the API
        server would reject, no NetworkPolicy at all).
    hint : str or None
        The next hint to show (None when passed).
    checked : int
        How many connections were checked.
    notes : tuple of str
        Things worth saying that do not fail the check (ignored documents).
    attempt : int
        Which attempt this was (1 for the first); hints progress with it.
    warnings : tuple of LintWarning
        What :func:`netpol_lab.lint.lint` finds suspicious in the answer's
        own policies (valid, but rarely what was meant); never fails the check.
    """

    exercise: Exercise
    passed: bool
    wrong: tuple[WrongConnection, ...] = ()
    problems: tuple[NetpolError, ...] = ()
    hint: str | None = None
    checked: int = 0
    notes: tuple[str, ...] = ()
    attempt: int = 1
    warnings: tuple[LintWarning, ...] = ()

    @property
    def status(self) -> str:
        """``passed``, ``failed`` (wrong traffic) or ``invalid`` (could not be checked)."""
        if self.passed:
            return "passed"
        return "invalid" if self.problems else "failed"

    @property
    def reason(self) -> str:
        """One line saying why the answer failed (empty when it passed)."""
        if self.passed:
            return ""
        if self.problems:
            more = len(self.problems) - 1
            return "invalid: " + problem_line(self.problems[0]) + (
                f" (and {more} more problem{'s' * (more > 1)})" if more else "")
        n = len(self.wrong)
        shown = "; ".join(w.describe() for w in self.wrong[:REASON_LIMIT])
        if n > REASON_LIMIT:
            shown += f"; and {n - REASON_LIMIT} more"
        return f"{n} of {self.checked} connection{'s' * (self.checked != 1)} wrong: {shown}"

    def to_dict(self) -> dict:
        """The result as plain data (for JSON output and automated grading).

        Examples
        --------
        >>> ex = get_exercise("ports-01-one-port")
        >>> data = check(ex, ex.starter).to_dict()
        >>> data["status"], data["checked"], data["wrong"][0]["connection"]
        ('failed', 6, 'production/frontend -> production/api 8080/TCP')
        """
        return {
            "exercise": self.exercise.id, "status": self.status, "passed": self.passed,
            "checked": self.checked, "reason": self.reason, "attempt": self.attempt,
            "wrong": [{"connection": w.connection, "expected": "allowed" if w.expected
                       else "denied", "actual": "allowed" if w.actual else "denied",
                       "reason": w.reason, "explanation": w.explanation} for w in self.wrong],
            "problems": [e.to_dict() for e in self.problems],
            "hint": self.hint, "notes": list(self.notes),
            "warnings": [w.to_dict() for w in self.warnings],
        }

    def summary(self, fmt: str = "text", explained: int = 5) -> str:
        """The feedback as ``text`` or ``markdown``: verdict, each wrong connection, hint.

        Each wrong connection (the first ``explained`` of them, so that a
        whole-table exercise does not print a wall of text) comes with the
        engine's explanation of its actual verdict. Lint warnings about the answer are listed once it
        passes, or from the second attempt on (they often name the fix).
        """
        md = fmt == "markdown"
        title = f"{self.exercise.id}: {self.exercise.title}"
        lines = [f"## {title}" if md else title, ""]
        if self.passed:
            lines.append(f"✓ Passed: all {self.checked} connections have the required verdict.")
        elif self.problems:
            lines.append("✗ Not checked: the answer has "
                         f"{'a problem' if len(self.problems) == 1 else 'problems'} to fix first.")
            for problem in self.problems:
                text = str(problem)
                lines.append(f"- {text}" if not md else "```\n" + text + "\n```")
        else:
            lines.append(f"✗ Not yet: {len(self.wrong)} of {self.checked} connections have the "
                         "wrong verdict.")
            if len(self.wrong) > explained:
                lines.append(f"(The first {explained} come with the engine's explanation; "
                             "`netpol-lab explain SRC DST PORT` explains any other.)")
            for i, w in enumerate(self.wrong):
                lines.append("")
                lines.append(f"- **{w.describe()}**" if md else f"- {w.describe()}")
                if i >= explained:
                    continue
                if md:
                    lines.append("\n  ```\n  " + w.explanation.replace("\n", "\n  ") + "\n  ```")
                else:
                    lines.append("    " + w.explanation.replace("\n", "\n    "))
        for note in self.notes:
            lines.append(f"Note: {note}")
        if self.warnings and (self.passed or self.attempt >= 2):  # let attempt 1 be the learner's
            lines += ["", "Worth a look (lint, valid but often not what was meant):"]
            lines += [f"- {w}" for w in self.warnings]
        if self.hint:
            lines += ["", f"Hint: {self.hint}"]
        return "\n".join(lines).rstrip() + "\n"


def problem_line(error: NetpolError) -> str:
    """A problem on one line, without the file name: where, what, and what was expected.

    Examples
    --------
    >>> problem_line(NetpolError("70000 is out of range", path="spec.ingress[0].ports[0].port",
    ...                          line=20, expected="a number from 1 to 65535", source="a.yaml"))
    'line 20, spec.ingress[0].ports[0].port: 70000 is out of range (expected a number from 1 to 65535)'
    """
    where = ", ".join(part for part in (
        f"document {error.document}" if error.document is not None and error.document > 1
        else "", f"line {error.line}" if error.line is not None else "", error.path) if part)
    text = " ".join(error.message.split()).rstrip(".")
    if where:
        text = f"{where}: {text}"
    if error.expected:
        text += f" (expected {' '.join(error.expected.split()).rstrip('.')})"
    return text


def cluster_lines(cluster: Cluster) -> list[str]:
    """The cluster as text: namespaces with labels, pods with IP, labels and ports, externals.

    Examples
    --------
    >>> from netpol_lab import default_cluster
    >>> lines = cluster_lines(default_cluster())
    >>> lines[1]
    '  production: env=production, kubernetes.io/metadata.name=production, name=production'
    >>> [line for line in lines if "production/api" in line]
    ['  production/api  10.244.1.12  app=api, tier=backend  ports http:8080/TCP, metrics:9090/TCP']
    """
    def labels(mapping: Mapping[str, str]) -> str:
        return ", ".join(f"{k}={v}" for k, v in sorted(mapping.items())) or "(no labels)"

    out = ["namespaces:"]
    out += [f"  {ns.name}: {labels(ns.labels)}" for ns in cluster.namespaces.values()]
    out.append("pods:")
    out += [f"  {p.id}  {p.ip}  {labels(p.labels)}  ports "
            + (", ".join(str(cp) for cp in p.ports) or "none declared") for p in cluster.pods]
    if cluster.externals:
        out.append("outside the cluster:")
        out += [f"  {e.name}  {e.ip}  ports " + (", ".join(str(cp) for cp in e.ports) or "-")
                for e in cluster.externals]
    return out


def parse_connection(text: str | Mapping, expected: bool = True) -> Requirement:
    """Read ``"SRC -> DST PORT[/PROTO]"`` (or a mapping) into a :class:`Requirement`.

    Examples
    --------
    >>> parse_connection("production/api -> kube-system/coredns 53/udp")
    Requirement(source='production/api', destination='kube-system/coredns', port=53, protocol='UDP', expected=True, text='production/api -> kube-system/coredns 53/udp')
    >>> str(parse_connection("monitoring/prometheus → production/api metrics", False))
    'monitoring/prometheus -> production/api metrics/TCP'
    """
    if isinstance(text, Mapping):
        src, dst = text.get("from", text.get("source")), text.get("to", text.get("destination"))
        port = text.get("port")
        written = f"{src} -> {dst} {port}"
        if text.get("protocol"):
            written += f"/{text['protocol']}"
    else:
        written = str(text)
        match = _CONNECTION.match(written)
        if not match or not match["port"]:
            raise ExerciseError(f"cannot read the connection {written!r}",
                                expected="SOURCE -> DESTINATION PORT[/PROTOCOL]",
                                example=CONNECTION_EXAMPLE)
        src, dst, port = match["src"], match["dst"], match["port"]
    return _requirement(str(src), str(dst), port, expected, written)


def _requirement(src: str, dst: str, port: Any, expected: bool, written: str) -> Requirement:
    protocol = "TCP"
    if isinstance(port, str) and "/" in port:
        port, protocol = port.split("/", 1)
    if isinstance(port, str) and port.strip().isdigit():
        port = int(port)
    protocol = protocol.strip().upper()
    if port is None or port == "" or protocol not in ("TCP", "UDP", "SCTP"):
        raise ExerciseError(f"cannot read the port of {written!r}",
                            expected="a port number or a named port, then optionally "
                                     "/TCP, /UDP or /SCTP", example=CONNECTION_EXAMPLE)
    return Requirement(src, dst, port, protocol, expected, written)


def _resolved(cluster: Cluster, req: Requirement) -> tuple[str, str, int, str]:
    from .engine import resolve_port

    src = cluster.endpoint(req.source)
    dst = cluster.endpoint(req.destination)
    number, protocol = resolve_port(req.port, req.protocol, dst)
    return src.id, dst.id, number, protocol


def _key(cluster: Cluster, req: Requirement) -> tuple:
    try:
        return _resolved(cluster, req)
    except NetpolError:
        return (req.source, req.destination, req.port, req.protocol)


def _expand_table(cluster: Cluster, table: ExpectedTable) -> list[Requirement]:
    """The rows of an expected table, each with its required verdict."""
    from .table import parse_ports

    wanted = None if table.ports is None else parse_ports(table.ports)
    patterns = []
    for text in table.allowed:
        match = _CONNECTION.match(text)
        if not match:
            raise ExerciseError(f"cannot read the expected_table row {text!r}",
                                expected="SOURCE -> DESTINATION [PORT[/PROTOCOL]] where "
                                         "SOURCE and DESTINATION may be glob patterns",
                                example="production/* -> production/api 8080")
        port = None
        if match["port"]:
            port = _requirement("x", "y", match["port"], True, text)
        patterns.append((match["src"], match["dst"], port))
    rows = []
    endpoints = cluster.endpoints
    for src in endpoints:
        if not any(fnmatch.fnmatchcase(src.id, p) for p in table.sources):
            continue
        for dst in endpoints:
            if not (src.is_pod or dst.is_pod):
                continue
            if not any(fnmatch.fnmatchcase(dst.id, p) for p in table.destinations):
                continue
            ports = wanted if wanted is not None else [(cp.port, cp.protocol)
                                                       for cp in dst.ports]
            for number, protocol in ports:
                allowed = (isinstance(src, Pod) and src is dst) or any(
                    fnmatch.fnmatchcase(src.id, ps) and fnmatch.fnmatchcase(dst.id, pd)
                    and (pp is None or _port_is(pp, number, protocol, dst))
                    for ps, pd, pp in patterns)
                text = f"{src.id} -> {dst.id} {number}/{protocol}"
                rows.append(Requirement(src.id, dst.id, number, protocol, allowed, text))
    return rows


def _port_is(req: Requirement, number: int, protocol: str, dst) -> bool:
    if req.protocol != protocol:
        return False
    if isinstance(req.port, int):
        return req.port == number
    return any(cp.name == req.port and cp.port == number and cp.protocol == protocol
               for cp in dst.ports)


# --- reading exercise files ---------------------------------------------------------------


def parse_exercise(text: str | Mapping, source: str = "", default_id: str | None = None
                   ) -> Exercise:
    """Build an :class:`Exercise` from YAML text (or a mapping).

    Raises :class:`ExerciseError` naming the field that is wrong.
    """
    from .documents import iter_documents

    if isinstance(text, Mapping):
        data: Any = dict(text)
    else:
        try:
            docs = list(iter_documents(text, source or None))
        except NetpolError as exc:
            raise ExerciseError(exc.message, source=source or exc.source, line=exc.line) from None
        if len(docs) != 1:
            raise ExerciseError(f"an exercise file holds one YAML document, not {len(docs)}",
                                source=source or None)
        data = docs[0].data
    if not isinstance(data, dict):
        raise ExerciseError("an exercise is a mapping with id, title, topic, ...",
                            source=source or None)

    def fail(path: str, message: str, expected: str | None = None) -> ExerciseError:
        return ExerciseError(message, path=path, source=source or None, expected=expected)

    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise fail(unknown[0], f"unknown field {unknown[0]!r}", "one of " + ", ".join(FIELDS))

    def text_field(name: str, required: bool = True) -> str:
        value = data.get(name)
        if value is None:
            if required:
                raise fail(name, f"the exercise has no {name!r}")
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise fail(name, f"{name!r} must be text")
        return str(value)

    ex_id = text_field("id", required=default_id is None) or str(default_id)
    if default_id is not None and ex_id != default_id:
        raise fail("id", f"the id {ex_id!r} differs from the file name {default_id!r}",
                   "the file to be named <id>.yaml")
    if not re.fullmatch(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?", ex_id):
        raise fail("id", f"{ex_id!r} is not a valid exercise id",
                   "lowercase letters, digits and '-'")
    topic = text_field("topic")
    if topic not in TOPICS:
        raise fail("topic", f"unknown topic {topic!r}", "one of " + ", ".join(TOPICS))
    difficulty = text_field("difficulty")
    if difficulty not in DIFFICULTIES:
        raise fail("difficulty", f"unknown difficulty {difficulty!r}",
                   "one of " + ", ".join(DIFFICULTIES))

    def string_list(name: str, value: Any = None) -> tuple[str, ...]:
        value = data.get(name) if value is None else value
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            raise fail(name, f"{name!r} must be a list")
        out = []
        for i, item in enumerate(value):
            if isinstance(item, Mapping) and name in ("must_allow", "must_deny"):
                item = parse_connection(item).text
            if not isinstance(item, (str, int)) or isinstance(item, bool):
                raise fail(f"{name}[{i}]", f"{name}[{i}] must be text")
            out.append(str(item))
        return tuple(out)

    cluster, cluster_name = _exercise_cluster(data.get("cluster"), fail)
    table = None
    if data.get("expected_table") is not None:
        raw = data["expected_table"]
        if not isinstance(raw, Mapping):
            raise fail("expected_table", "expected_table must be a mapping",
                       "sources, destinations, ports, allowed")
        extra = sorted(set(raw) - set(TABLE_FIELDS))
        if extra:
            raise fail(f"expected_table.{extra[0]}", f"unknown field {extra[0]!r}",
                       "one of " + ", ".join(TABLE_FIELDS))
        ports = raw.get("ports")
        table = ExpectedTable(
            sources=string_list("expected_table.sources", raw.get("sources") or ["*"]),
            destinations=string_list("expected_table.destinations",
                                     raw.get("destinations") or ["*"]),
            ports=None if ports is None else string_list("expected_table.ports", ports),
            allowed=string_list("expected_table.allowed", raw.get("allowed") or []),
        )
    return Exercise(
        id=ex_id, title=text_field("title"), topic=topic, difficulty=difficulty,
        statement=text_field("statement").strip(), cluster=cluster,
        starter=text_field("starter", required=False), must_allow=string_list("must_allow"),
        must_deny=string_list("must_deny"), expected_table=table, hints=string_list("hints"),
        given=text_field("given", required=False), cluster_name=cluster_name, source=source,
    )


def _exercise_cluster(value: Any, fail) -> tuple[Cluster, str]:
    from .loader import read
    from .scenarios import default_cluster

    if value is None or value == "default":
        return default_cluster(), "default"
    if not isinstance(value, (Mapping, str)):
        raise fail("cluster", "cluster must be 'default' or a compact cluster mapping")
    loaded = read(dict(value) if isinstance(value, Mapping) else value)
    if loaded.problems:
        first = loaded.problems[0]
        raise fail("cluster" + (f".{first.path}" if first.path else ""), first.message,
                   first.expected)
    if not loaded.has_cluster:
        raise fail("cluster", "the inline cluster has no namespaces, pods or externals")
    return loaded.cluster(), "inline"


def exercises_dir() -> Path:
    """Where the course's exercises live.

    ``$NETPOL_LAB_EXERCISES`` when set; otherwise the repository's top-level
    ``exercises/`` folder next to the package (the course is used from a
    checkout, installed in editable mode by ``scripts/setup``).
    """
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(__file__).resolve().parent.parent / "exercises"


def load_exercises(directory: str | os.PathLike | None = None) -> dict[str, Exercise]:
    """Read every ``*.yaml`` exercise of ``directory`` (default: :func:`exercises_dir`).

    Returns a dict id → :class:`Exercise`, sorted by topic (in :data:`TOPICS`
    order), then id. Raises :class:`ExerciseError` for a missing directory or
    an invalid file, naming the file and the field. The default folder is
    read once per session; an explicit ``directory`` is read on every call.
    """
    if directory is None:
        return dict(_load_default(str(exercises_dir())))
    return _load(Path(directory))


@lru_cache(maxsize=4)
def _load_default(directory: str) -> tuple[tuple[str, Exercise], ...]:
    return tuple(_load(Path(directory)).items())


def _load(directory: Path) -> dict[str, Exercise]:
    if not directory.is_dir():
        raise ExerciseError(f"no exercises folder at {directory}",
                            expected=f"a folder of <id>.yaml exercise files (or set {ENV_VAR})")
    found = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ExerciseError(f"cannot read the exercise file: {exc}", source=str(path)) from None
        found.append(parse_exercise(text, source=str(path), default_id=path.stem))
    found.sort(key=lambda e: (TOPICS.index(e.topic), e.id))
    return {e.id: e for e in found}


def get_exercise(exercise_id: str, directory: str | os.PathLike | None = None) -> Exercise:
    """The exercise called ``exercise_id``; :class:`ExerciseError` lists the ids if unknown.

    Examples
    --------
    >>> get_exercise("ingress-01-frontend-only").topic
    'ingress'
    """
    exercises = load_exercises(directory)
    if exercise_id in exercises:
        return exercises[exercise_id]
    import difflib

    close = [i for i in exercises if exercise_id and exercise_id in i] or (
        difflib.get_close_matches(str(exercise_id), list(exercises), n=3, cutoff=0.75))
    expected = (f"one of {', '.join(close)}" if close else
                f"the id of one of the {len(exercises)} exercises (`netpol-lab exercises list` "
                "lists them)")
    raise ExerciseError(f"there is no exercise {exercise_id!r}", expected=expected)


# --- consistency -------------------------------------------------------------------------


def validate_exercise(exercise: Exercise) -> list[str]:
    """What is wrong with an exercise itself (an empty list when it is consistent).

    Checks that every connection can be read and names endpoints and ports
    that exist; that no connection is required both allowed and denied; that
    no pod is required unable to reach itself; that at least one connection
    must be allowed and one denied (so neither "deny everything" nor "allow
    everything" passes); that the ``given`` policies are valid and do not
    already solve the exercise; that the starter is readable; and that there
    are hints.
    """
    out: list[str] = []
    try:
        reqs = exercise.requirements()
    except NetpolError as exc:
        return [str(exc)]
    seen: dict[tuple, Requirement] = {}
    for req in reqs:
        try:
            key = _resolved(exercise.cluster, req)
        except NetpolError as exc:
            out.append(f"{req.text!r}: {exc.message}")
            continue
        for ref in (req.source, req.destination):
            if not _known(exercise.cluster, ref):
                out.append(f"{req.text!r}: {ref!r} is not in the exercise's cluster")
        if key[0] == key[1] and not req.expected:
            out.append(f"{req.text!r}: a pod can always reach itself, it cannot be required "
                       "denied")
        other = seen.get(key)
        if other is not None and other.expected != req.expected:
            out.append(f"{req.text!r} is required both allowed and denied "
                       f"(also as {other.text!r})")
        seen.setdefault(key, req)
    if not any(r.expected for r in reqs):
        out.append("no connection is required allowed: denying everything would pass")
    if not any(not r.expected for r in reqs):
        out.append("no connection is required denied: allowing everything would pass")
    if not exercise.hints:
        out.append("the exercise has no hints")
    try:
        exercise.given_policies()
    except NetpolError as exc:
        out.append(f"the given policies are invalid: {exc}")
        return out
    if not out and check(exercise, [], require_policy=False).passed:
        out.append("the given policies alone already pass: there is nothing to do")
    from .loader import read

    starter = read(exercise.starter)
    if starter.problems and exercise.topic != "debugging":
        out.append(f"the starter does not parse: {starter.problems[0]}")
    return out


def _known(cluster: Cluster, ref: str) -> bool:
    import ipaddress

    if any(ep.id == ref for ep in cluster.endpoints):
        return True
    try:
        ipaddress.ip_address(ref)
    except ValueError:
        return False
    return True


# --- checking -----------------------------------------------------------------------------


def check(exercise: Exercise | str, answer: Any, attempt: int = 1,
          require_policy: bool = True) -> CheckResult:
    """Check a learner's answer against an exercise, semantically.

    Parameters
    ----------
    exercise : Exercise or str
        The exercise or its id.
    answer : str, path, NetworkPolicy, list or dict
        The learner's policies: YAML/JSON text, a path to a file, parsed
        policies or manifests as dicts.
    attempt : int
        1 for the first attempt; the hint shown progresses with it.
    require_policy : bool
        When True (the default), an answer without any NetworkPolicy is a
        problem rather than an empty set of policies.

    Returns
    -------
    CheckResult
        Never raises for a bad answer: invalid YAML or a field the API server
        would reject is a failed result whose ``problems`` say why.

    Notes
    -----
    The answer is evaluated together with the exercise's ``given`` policies,
    on the exercise's cluster, by the same engine as everything else
    (semantics reference, sections 1-7); the answer's own cluster objects,
    if any, are ignored. As with ``kubectl apply``, a policy is identified by
    namespace and name: an answer's policy replaces a given one of the same
    name, and of two answer documents with the same name the last one wins.
    """
    from .engine import Scenario
    from .loader import read

    if isinstance(exercise, str):
        exercise = get_exercise(exercise)
    if isinstance(answer, (list, tuple)) and all(isinstance(p, NetworkPolicy) for p in answer):
        policies, problems, notes = list(answer), [], []
    else:
        loaded = read(answer)
        policies, problems = loaded.policies, list(loaded.problems)
        notes = [f"{s}; ignored" for s in loaded.skipped]
        if loaded.has_cluster:
            notes.append("the answer's cluster objects (Namespace, Pod, ...) are ignored: "
                         "the exercise's cluster is fixed")
    if not problems and require_policy and not policies:
        problems.append(NetpolError("the answer holds no NetworkPolicy",
                                    expected="at least one document with kind: NetworkPolicy",
                                    example="apiVersion: networking.k8s.io/v1\n"
                                            "kind: NetworkPolicy\n..."))
    hints = exercise.hints
    if problems:
        hint = "Fix the problem shown first: the field path and line say where it is."
        return CheckResult(exercise, False, problems=tuple(problems), hint=hint,
                           notes=tuple(notes), attempt=attempt)
    by_id: dict[str, NetworkPolicy] = {}
    for policy in policies:  # as with kubectl apply, a later document of the same name wins
        if policy.id in by_id:
            notes.append(f"policy {policy.id} is defined twice in the answer; the last one "
                         "wins, as with kubectl apply")
        by_id[policy.id] = policy
    policies = list(by_id.values())
    given = []
    for policy in exercise.given_policies():
        if policy.id in by_id:
            notes.append(f"your policy {policy.id} replaces the already applied policy of the "
                         "same name, as kubectl apply would")
        else:
            given.append(policy)
    scenario = Scenario(exercise.cluster, [*given, *policies])
    reqs = exercise.requirements()
    wrong = []
    for req in reqs:
        verdict = scenario.evaluate(req.source, req.destination, req.port, req.protocol)
        if verdict.allowed != req.expected:
            wrong.append(WrongConnection(req, verdict.allowed, verdict))
    passed = not wrong
    hint = None
    if not passed and hints:
        hint = hints[min(max(attempt, 1), len(hints)) - 1]
    return CheckResult(exercise, passed, tuple(wrong), (), hint, len(reqs), tuple(notes),
                       attempt, _lint(scenario, policies))


def _lint(scenario: Scenario, policies: list[NetworkPolicy]) -> tuple[LintWarning, ...]:
    """Lint warnings about the answer's own policies (the given ones are the exercise's)."""
    from .lint import lint

    own = {p.id for p in policies}
    try:
        return tuple(w for w in lint(scenario) if w.policy in own)
    except Exception:  # lint only adds advice: a failure in it must not fail a check
        return ()


def counts(exercises: Iterable[Exercise]) -> dict[str, dict[str, int]]:
    """How many exercises there are per topic and difficulty: ``{topic: {difficulty: n}}``.

    Examples
    --------
    >>> table = counts(load_exercises().values())
    >>> table["ingress"]["beginner"] > 0, sum(sum(row.values()) for row in table.values()) >= 30
    (True, True)
    """
    out = {t: dict.fromkeys(DIFFICULTIES, 0) for t in TOPICS}
    for ex in exercises:
        out.setdefault(ex.topic, dict.fromkeys(DIFFICULTIES, 0))[ex.difficulty] += 1
    return out
