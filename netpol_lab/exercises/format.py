"""The exercise file format: reading, validating and loading exercise files.

An exercise is a data file (``exercises/<id>.yaml``) that says what the
learner's policies must achieve, never how (the format is described in the
package docstring, :mod:`netpol_lab.exercises`).
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import NetpolError
from ..model import Cluster, Pod
from ..policy import NetworkPolicy

TOPICS = ("ingress", "egress", "selectors", "empty-selectors", "ipblock", "ports",
          "policy-types", "least-privilege", "debugging")
DIFFICULTIES = ("beginner", "intermediate", "advanced")
ENV_VAR = "NETPOL_LAB_EXERCISES"
FIELDS = ("id", "title", "topic", "difficulty", "concepts", "statement", "cluster", "given",
          "starter", "must_allow", "must_deny", "expected_table", "scope", "dont_care",
          "blocks_on_purpose", "hints")
TABLE_FIELDS = ("sources", "destinations", "ports", "allowed")
SCOPE_FIELDS = ("sources", "destinations", "ports", "probes")
DONT_CARE_FIELDS = ("connection", "reason")
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
        return f"{self.source} → {self.destination} {self.port}/{self.protocol}"


@dataclass(frozen=True)
class ExpectedTable:
    """A whole expected traffic table: the rows in scope, and which of them are allowed."""

    sources: tuple[str, ...] = ("*",)
    destinations: tuple[str, ...] = ("*",)
    ports: tuple[str, ...] | None = None
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scope:
    """Which connections the check compares with the reference solution's traffic table.

    ``sources`` and ``destinations`` are glob patterns over endpoint ids
    (``namespace/pod`` or an external endpoint's name). ``ports`` lists
    ``"N[/PROTOCOL]"``; ``None`` (the default) means every port declared by
    any endpoint of the cluster. ``probes`` adds the probe ports of
    :data:`netpol_lab.exercises.scope.PROBE_PORTS` (and each declared port
    plus one), which catch "all ports" and too-wide ``endPort`` mistakes.
    """

    sources: tuple[str, ...] = ("*",)
    destinations: tuple[str, ...] = ("*",)
    ports: tuple[str, ...] | None = None
    probes: bool = True


@dataclass(frozen=True)
class DontCare:
    """Connections the exercise does not care about, and why (shown to the learner).

    ``connection`` is ``"SRC -> DST [PORT[/PROTOCOL]]"`` where SRC and DST may
    be glob patterns; without a port it covers every port.

    Examples
    --------
    >>> dc = DontCare("production/* -> kube-system/* 53/UDP", "DNS is not the point here")
    >>> dc.covers("production/api", "kube-system/coredns", 53, "UDP")
    True
    >>> dc.covers("production/api", "kube-system/coredns", 53, "TCP")
    False
    """

    connection: str
    reason: str = ""

    def _parts(self) -> tuple[str, str, Requirement | None]:
        return _pattern(self.connection, "the connection",
                        "production/* -> kube-system/coredns 53/UDP")

    def covers(self, source: str, destination: str, port: int, protocol: str,
               endpoint: Any = None) -> bool:
        """Whether the connection ``source -> destination port/protocol`` is one of these.

        ``endpoint`` is the destination endpoint, needed only to resolve a named port.
        """
        src, dst, want = self._parts()
        if not (fnmatch.fnmatchcase(source, src) and fnmatch.fnmatchcase(destination, dst)):
            return False
        if want is None:
            return True
        if isinstance(want.port, str) and endpoint is None:
            return False
        return _port_is(want, port, protocol, endpoint)


@dataclass(frozen=True)
class BlockedOnPurpose(DontCare):
    """Connections the exercise keeps closed on purpose, and why.

    Written like :class:`DontCare` (``connection`` with globs, ``reason``).
    The reference solution denies them, so the check requires them denied;
    a lint warning about exactly these connections (NPL401: the pods cannot
    reach DNS) would lead the learner to open them and fail, so the check
    leaves it out and says why instead.

    Examples
    --------
    >>> b = BlockedOnPurpose("production/api -> kube-system/coredns", "no DNS in this exercise")
    >>> b.covers("production/api", "kube-system/coredns", 53, "UDP")
    True
    """


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
    scope : Scope
        The connections checked against the reference solution's traffic
        (by default every source, destination and declared port, plus probes).
    dont_care : tuple of DontCare
        Connections in scope whose verdict does not matter, each with a reason.
    blocks_on_purpose : tuple of BlockedOnPurpose
        Connections the exercise denies on purpose although lint would suggest
        opening them (DNS), each with a reason; lint warnings about them are
        left out of the check's feedback, with the reason as a note.
    hints : tuple of str
        Progressive hints, gentle first.
    given : str
        Policies already applied in the exercise (YAML, read-only for the learner).
    cluster_name : str
        ``"default"`` or ``"inline"``.
    source : str
        The file the exercise was read from, if any.
    concepts : tuple of str
        The course concepts the exercise needs (:data:`netpol_lab.syllabus.CONCEPTS`),
        so that the course can open it only after teaching them.
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
    scope: Scope = Scope()
    dont_care: tuple[DontCare, ...] = ()
    blocks_on_purpose: tuple[BlockedOnPurpose, ...] = ()
    hints: tuple[str, ...] = ()
    given: str = ""
    cluster_name: str = "default"
    source: str = ""
    concepts: tuple[str, ...] = ()

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
          ✓ allowed: * → production/frontend 80
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
            lines += [f"  ✓ allowed: {row.replace('->', '→')}" for row in table.allowed]
            lines.append("  ✓ allowed: a pod to itself (always)")
            lines.append("  ✗ denied:  every other row of the table")
        return lines

    def given_policies(self) -> list[NetworkPolicy]:
        """The policies the exercise has already applied (raises if they are invalid)."""
        from ..loader import load_policies

        return load_policies(self.given) if self.given.strip() else []



def parse_connection(text: str | Mapping, expected: bool = True) -> Requirement:
    """Read ``"SRC -> DST PORT[/PROTO]"`` (or a mapping) into a :class:`Requirement`.

    Examples
    --------
    >>> parse_connection("production/api -> kube-system/coredns 53/udp")
    Requirement(source='production/api', destination='kube-system/coredns', port=53, protocol='UDP', expected=True, text='production/api -> kube-system/coredns 53/udp')
    >>> str(parse_connection("monitoring/prometheus → production/api metrics", False))
    'monitoring/prometheus → production/api metrics/TCP'
    """
    if isinstance(text, Mapping):
        src, dst = text.get("from", text.get("source")), text.get("to", text.get("destination"))
        port = text.get("port")
        written = f"{src} → {dst} {port}"
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
    from ..engine import resolve_port

    src = cluster.endpoint(req.source)
    dst = cluster.endpoint(req.destination)
    number, protocol = resolve_port(req.port, req.protocol, dst)
    return src.id, dst.id, number, protocol


def _key(cluster: Cluster, req: Requirement) -> tuple:
    try:
        return _resolved(cluster, req)
    except NetpolError:
        return (req.source, req.destination, req.port, req.protocol)


def _pattern(text: str, what: str, example: str) -> tuple[str, str, Requirement | None]:
    """Read ``"SRC -> DST [PORT[/PROTO]]"`` where SRC and DST may be glob patterns."""
    match = _CONNECTION.match(text)
    if not match:
        raise ExerciseError(f"cannot read {what} {text!r}",
                            expected="SOURCE -> DESTINATION [PORT[/PROTOCOL]] where SOURCE "
                                     "and DESTINATION may be glob patterns",
                            example=example)
    port = _requirement("x", "y", match["port"], True, text) if match["port"] else None
    return match["src"], match["dst"], port


def _expand_table(cluster: Cluster, table: ExpectedTable) -> list[Requirement]:
    """The rows of an expected table, each with its required verdict."""
    from ..table import parse_ports

    wanted = None if table.ports is None else parse_ports(table.ports)
    patterns = []
    for text in table.allowed:
        patterns.append(_pattern(text, "the expected_table row",
                                 "production/* -> production/api 8080"))
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
                text = f"{src.id} → {dst.id} {number}/{protocol}"
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
    from ..documents import iter_documents

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
    scope = _scope(data.get("scope"), string_list, fail)
    dont_care = _dont_care(data.get("dont_care"), fail)
    concepts = _concepts(string_list("concepts"), fail)
    blocked = _dont_care(data.get("blocks_on_purpose"), fail, "blocks_on_purpose",
                         BlockedOnPurpose)
    return Exercise(
        id=ex_id, title=text_field("title"), topic=topic, difficulty=difficulty,
        statement=text_field("statement").strip(), cluster=cluster,
        starter=text_field("starter", required=False), must_allow=string_list("must_allow"),
        must_deny=string_list("must_deny"), expected_table=table, hints=string_list("hints"),
        given=text_field("given", required=False), cluster_name=cluster_name, source=source,
        scope=scope, dont_care=dont_care, concepts=concepts, blocks_on_purpose=blocked,
    )


def _concepts(names: tuple[str, ...], fail) -> tuple[str, ...]:
    """The ``concepts:`` list, each one a concept of the course's syllabus."""
    from ..syllabus import CONCEPTS

    for i, name in enumerate(names):
        if name not in CONCEPTS:
            close = [c for c in CONCEPTS if name.lower().replace("_", "-") in c] or list(CONCEPTS)[:4]
            raise fail(f"concepts[{i}]", f"unknown concept {name!r}",
                       "a concept of netpol_lab.syllabus.CONCEPTS, e.g. " + ", ".join(close[:4]))
    if len(set(names)) != len(names):
        raise fail("concepts", "a concept is listed twice")
    return names


def _scope(raw: Any, string_list, fail) -> Scope:
    if raw is None:
        return Scope()
    if not isinstance(raw, Mapping):
        raise fail("scope", "scope must be a mapping", "sources, destinations, ports, probes")
    extra = sorted(set(raw) - set(SCOPE_FIELDS))
    if extra:
        raise fail(f"scope.{extra[0]}", f"unknown field {extra[0]!r}",
                   "one of " + ", ".join(SCOPE_FIELDS))
    ports = raw.get("ports")
    if ports is not None:
        ports = string_list("scope.ports", ports)
        from ..table import parse_ports

        for i, port in enumerate(ports):
            try:
                parse_ports([port])
            except NetpolError as exc:
                raise fail(f"scope.ports[{i}]", exc.message,
                           "a port number, then optionally /TCP, /UDP or /SCTP (53/UDP)"
                           ) from None
    probes = raw.get("probes", True)
    if not isinstance(probes, bool):
        raise fail("scope.probes", "scope.probes must be true or false")
    out = Scope(sources=string_list("scope.sources", raw.get("sources") or ["*"]),
                destinations=string_list("scope.destinations", raw.get("destinations") or ["*"]),
                ports=ports, probes=probes)
    return out


def _dont_care(raw: Any, fail, field_name: str = "dont_care",
               kind: type[DontCare] = DontCare) -> tuple[DontCare, ...]:
    """``dont_care`` (or ``blocks_on_purpose``, the same shape) read and checked."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise fail(field_name, f"{field_name} must be a list",
                   "items {connection: 'SRC -> DST [PORT]', reason: '...'}")
    out = []
    for i, item in enumerate(raw):
        where = f"{field_name}[{i}]"
        if not isinstance(item, Mapping):
            raise fail(where, f"{where} must be a mapping",
                       "{connection: 'SRC -> DST [PORT[/PROTOCOL]]', reason: 'why it does not "
                       "matter here'}")
        extra = sorted(set(item) - set(DONT_CARE_FIELDS))
        if extra:
            raise fail(f"{where}.{extra[0]}", f"unknown field {extra[0]!r}",
                       "one of " + ", ".join(DONT_CARE_FIELDS))
        for name in DONT_CARE_FIELDS:
            value = item.get(name)
            if not isinstance(value, str) or not value.strip():
                raise fail(f"{where}.{name}", f"{where} has no {name!r}" if value is None
                           else f"{where}.{name} must be text",
                           "the connections (globs allowed)" if name == "connection"
                           else "a sentence saying why" + (
                               " these connections do not matter" if kind is DontCare
                               else " this exercise keeps these connections closed"))
        entry = kind(item["connection"].strip(), " ".join(item["reason"].split()))
        try:
            entry._parts()
        except ExerciseError as exc:
            raise fail(f"{where}.connection", exc.message, exc.expected) from None
        out.append(entry)
    return tuple(out)


def _exercise_cluster(value: Any, fail) -> tuple[Cluster, str]:
    from ..loader import read
    from ..scenarios import default_cluster

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


def solutions_dir(directory: str | os.PathLike | None = None) -> Path:
    """Where the reference solutions of the exercises in ``directory`` live.

    The ``solutions/`` folder beside the exercises folder (``directory``,
    default :func:`exercises_dir`). This is the one place that knows it.
    """
    base = Path(directory) if directory is not None else exercises_dir()
    return base.expanduser().resolve().parent / "solutions"


def reference_path(exercise: Exercise) -> Path:
    """The file of ``exercise``'s reference solution (which may not exist).

    Looked up in :func:`solutions_dir` of the folder the exercise was read
    from (the course's folder for an exercise parsed from text).
    """
    folder = Path(exercise.source).parent if exercise.source else None
    return solutions_dir(folder) / f"{exercise.id}.yaml"


def exercises_dir() -> Path:
    """Where the course's exercises live.

    ``$NETPOL_LAB_EXERCISES`` when set; otherwise the course's ``exercises/``
    (:func:`netpol_lab.course.course_source`): the copy installed with the
    package by ``pip install netpol-lab``, or the repository's top-level folder
    in a checkout (an editable install, as ``scripts/setup`` makes).
    """
    from ..course import CourseError, course_source

    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    try:
        return course_source() / "exercises"
    except CourseError:  # neither installed nor a checkout: load_exercises says so
        return Path(__file__).resolve().parents[2] / "exercises"


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
