"""An exercise's scope: every connection it checks, and the verdict its reference requires.

The statement of an exercise names a few *headline* connections
(``must_allow``/``must_deny``), but a learner's policy can be wrong anywhere:
open one more peer, forget ``ports``, isolate a pod nobody asked about. So the
check compares the learner's traffic with the **reference solution's traffic**
on the exercise's whole scope (:class:`~netpol_lab.exercises.format.Scope`):

- every source × destination of the exercise's cluster, pods and external
  endpoints, both directions (external → external is not a connection and a
  pod reaching itself is always allowed, so neither is in scope);
- on every port declared by any endpoint of the cluster (or the scope's own
  ``ports``), by number and protocol;
- plus **probe ports**, which no pod declares but a too-wide answer opens:
  :data:`PROBE_PORTS` (an undeclared port on TCP, UDP and SCTP, and DNS on
  UDP and TCP) and each declared port plus one (a too-wide ``endPort``).

Connections the exercise marks ``dont_care`` are left out, with their reason.
Both sides are computed with the vectorised path
(:mod:`netpol_lab.reachability`): one boolean matrix per port, the same
semantics as :meth:`Scenario.evaluate <netpol_lab.engine.Scenario.evaluate>`
(checked by ``tests/test_differential.py``); only the wrong connections are
then explained one by one by the engine.

Examples
--------
>>> from netpol_lab.exercises import get_exercise
>>> ex = get_exercise("ingress-01-frontend-only")
>>> ports = scope_ports(ex)
>>> (8080, "TCP") in ports, (7777, "TCP") in ports, (53, "UDP") in ports
(True, True, True)
>>> traffic = expected_traffic(ex)
>>> traffic.size > 1000
True
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import NetpolError
from ..policy import NetworkPolicy
from .format import Exercise, ExerciseError, reference_path

PROBE_PORTS = ((7777, "TCP"), (7777, "UDP"), (7777, "SCTP"), (53, "UDP"), (53, "TCP"))
"""Ports checked besides the declared ones: no pod of the course declares 7777, so an
answer that opens it opens "all ports"; DNS is the course's classic forgotten egress."""


def scope_ports(exercise: Exercise) -> list[tuple[int, str]]:
    """The ``(number, protocol)`` ports of the exercise's scope, declared ports first."""
    from ..table import parse_ports

    if exercise.scope.ports is not None:
        base = parse_ports(exercise.scope.ports)
    else:
        base = sorted({(cp.port, cp.protocol) for ep in exercise.cluster.endpoints
                       for cp in ep.ports}, key=lambda p: (p[1], p[0]))
    ports = list(base)
    if exercise.scope.probes:
        ports += PROBE_PORTS
        ports += [(number + 1, protocol) for number, protocol in base if number < 65535]
    return list(dict.fromkeys(ports))


@dataclass(frozen=True, eq=False)
class ScopeTraffic:
    """The scope of an exercise and the verdict required on each of its connections.

    Attributes
    ----------
    ids : list of str
        Endpoint ids; row and column ``i`` of each matrix is ``ids[i]``.
    ports : list of (int, str)
        One matrix per port, in this order.
    checked : numpy.ndarray of bool, shape (ports, n, n)
        The connections in scope, outside ``dont_care``.
    expected : numpy.ndarray of bool, shape (ports, n, n)
        The reference solution's verdicts.
    ignored : int
        How many connections in scope are ``dont_care``.
    reference : tuple of NetworkPolicy
        The reference solution's policies in force (with the given ones).
    """

    ids: list[str]
    ports: list[tuple[int, str]]
    checked: np.ndarray
    expected: np.ndarray
    ignored: int = 0
    reference: tuple[NetworkPolicy, ...] = ()

    @property
    def size(self) -> int:
        """How many connections are checked."""
        return int(self.checked.sum())


def policies_in_force(exercise: Exercise, policies: Iterable[NetworkPolicy]
                      ) -> tuple[list[NetworkPolicy], list[str]]:
    """The given policies plus ``policies`` as ``kubectl apply`` would leave them, and notes.

    A policy is identified by namespace and name: a later one replaces an
    earlier one, and an answer's policy replaces a given one of the same name.
    """
    notes: list[str] = []
    by_id: dict[str, NetworkPolicy] = {}
    for policy in policies:
        if policy.id in by_id:
            notes.append(f"policy {policy.id} is defined twice in the answer; the last one "
                         "wins, as with kubectl apply")
        by_id[policy.id] = policy
    given = []
    for policy in exercise.given_policies():
        if policy.id in by_id:
            notes.append(f"your policy {policy.id} replaces the already applied policy of the "
                         "same name, as kubectl apply would")
        else:
            given.append(policy)
    return [*given, *by_id.values()], notes


def reference_policies(exercise: Exercise) -> list[NetworkPolicy] | None:
    """The reference solution's policies (``None`` when the exercise has no reference).

    Raises :class:`ExerciseError` when the reference file is not a valid answer.
    """
    from ..loader import read

    path = reference_path(exercise)
    if not path.is_file():
        return None
    loaded = read(path)
    if loaded.problems:
        first = loaded.problems[0]
        raise ExerciseError(f"the reference solution is invalid: {first.message}",
                            source=str(path), path=first.path, line=first.line)
    return list(loaded.policies)


def traffic(exercise: Exercise, policies: Sequence[NetworkPolicy],
            ports: Sequence[tuple[int, str]]) -> tuple[list[str], np.ndarray]:
    """Endpoint ids and the allowed matrix of every port, for ``policies`` on the cluster."""
    from ..reachability import Reachability

    r = Reachability(exercise.cluster, policies)
    return r.ids, np.stack([r.matrix(port).allowed for port in ports])


_CACHE: dict[int, tuple[Exercise, ScopeTraffic | None]] = {}


def expected_traffic(exercise: Exercise) -> ScopeTraffic | None:
    """The exercise's scope and its reference verdicts (``None`` without a reference).

    Computed once per exercise object. Raises :class:`ExerciseError` when the
    reference solution is invalid.
    """
    cached = _CACHE.get(id(exercise))
    if cached is not None and cached[0] is exercise:
        return cached[1]
    reference = reference_policies(exercise)
    result = None if reference is None else _expected(exercise, reference)
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[id(exercise)] = (exercise, result)
    return result


def _expected(exercise: Exercise, reference: list[NetworkPolicy]) -> ScopeTraffic:
    ports = scope_ports(exercise)
    policies, _ = policies_in_force(exercise, reference)
    ids, expected = traffic(exercise, policies, ports)
    endpoints = exercise.cluster.endpoints
    if [ep.id for ep in endpoints] != ids:  # pragma: no cover - Reachability keeps the order
        raise NetpolError("internal error: endpoints out of order")
    scope = exercise.scope
    src = np.array([any(fnmatch.fnmatchcase(i, p) for p in scope.sources) for i in ids])
    dst = np.array([any(fnmatch.fnmatchcase(i, p) for p in scope.destinations) for i in ids])
    pod = np.array([ep.is_pod for ep in endpoints])
    pair = src[:, None] & dst[None, :] & (pod[:, None] | pod[None, :])
    np.fill_diagonal(pair, False)
    checked = np.repeat(pair[None], len(ports), axis=0)
    ignored = 0
    for entry in exercise.dont_care:
        for k, (number, protocol) in enumerate(ports):
            for s, d in zip(*np.nonzero(checked[k]), strict=True):
                if entry.covers(ids[s], ids[d], number, protocol, endpoints[d]):
                    checked[k, s, d] = False
                    ignored += 1
    return ScopeTraffic(ids, ports, checked, expected, ignored, tuple(policies))


def scope_lines(exercise: Exercise) -> list[str]:
    """The rest of the scope, for people to read: what is checked besides the headline.

    Says how many connections are checked against the reference solution and
    on which sources, destinations and ports, without listing them (a learner
    should not tune an answer to a list of samples), and each ``dont_care``
    with its reason.

    Examples
    --------
    >>> from netpol_lab.exercises import get_exercise
    >>> print(scope_lines(get_exercise("ingress-01-frontend-only"))[0])
    ✓/✗ everything else in scope as the statement says: 2736 connections (every source, every destination, every declared port and the probe ports 7777/TCP, 7777/UDP, 7777/SCTP, 53/UDP, 53/TCP and each declared port + 1)
    """
    try:
        traffic_ = expected_traffic(exercise)
    except NetpolError as exc:
        return [f"the reference solution cannot be read: {exc.message}"]
    if traffic_ is None:
        return ["(no reference solution: only the connections above are checked)"]
    scope = exercise.scope

    def which(patterns: tuple[str, ...], noun: str) -> str:
        return f"every {noun}" if patterns == ("*",) else f"{noun}s {', '.join(patterns)}"

    ports = ("every declared port" if scope.ports is None else "ports " + ", ".join(scope.ports))
    if scope.probes:
        ports += (" and the probe ports " + ", ".join(f"{n}/{p}" for n, p in PROBE_PORTS)
                  + " and each declared port + 1")
    lines = [f"✓/✗ everything else in scope as the statement says: {traffic_.size} connections "
             f"({which(scope.sources, 'source')}, {which(scope.destinations, 'destination')}, "
             f"{ports})"]
    lines += [f"  not checked: {entry.connection} ({entry.reason})"
              for entry in exercise.dont_care]
    return lines
