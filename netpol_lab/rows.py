"""The traffic table's rows as numpy blocks, straight from the per-port matrices.

This is the one source of truth the output writers (:mod:`netpol_lab.writers`)
stream from. A row is a connection: source, destination, port and protocol,
whether it is allowed, a stable **reason code**, and for each direction the
policy that **decides** it:

==================  =====================================================================
reason              meaning
==================  =====================================================================
``loopback``        a pod to itself: never blocked
``open``            allowed, and neither end is isolated for its direction
``allowed``         allowed; at least one end is isolated and a rule lets it through
``egress-denied``   the source is isolated for egress and none of its rules allows it
``ingress-denied``  the destination is isolated for ingress and none of its rules allows it
``both-denied``     both of the above
==================  =====================================================================

The deciding policy of a direction is ``namespace/policy#k`` (rule ``k``
of that policy, the first in force that allows the connection), or
``namespace/policy`` (the first policy that isolates that end, when no rule
allows it), or nothing (that end is not isolated, or is outside the
cluster). The full sentence of one row is :meth:`Scenario.evaluate
<netpol_lab.engine.Scenario.evaluate>`'s, which ``netpol-lab explain`` prints.

Rows come in blocks of about ``chunk_rows``, so memory stays bounded whatever
the cluster's size: the matrices themselves are factored (:class:`~netpol_lab.
reachability.Side`), a few hundred classes wide.

Examples
--------
>>> import netpol_lab as nl
>>> from netpol_lab.reachability import Reachability
>>> reach = Reachability(nl.default_cluster(), [nl.article_policies()["api-ingress"]])
>>> rows = TableRows(reach, destinations=["production/api"], only="denied")
>>> block = next(iter(rows.blocks()))
>>> first = 0
>>> rows.ids[block.source[first]], rows.ports[block.port[first]], REASONS[block.reason[first]]
('production/frontend', (9090, 'TCP'), 'ingress-denied')
>>> rows.label("ingress", block.ingress_by[first])    # the policy that isolates the api
'production/api-ingress'

"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .errors import NetpolError
from .reachability import DIRECTIONS, Reachability, ReachabilityMatrix

REASONS = ("loopback", "open", "allowed", "egress-denied", "ingress-denied", "both-denied")
LOOPBACK, OPEN, ALLOWED, EGRESS_DENIED, INGRESS_DENIED, BOTH_DENIED = range(6)
COLUMNS = ("source", "destination", "port", "protocol", "allowed", "reason", "egress", "ingress")
ONLY = ("allowed", "denied")


@dataclass(frozen=True)
class RowBlock:
    """Consecutive rows of the table, one numpy array per field.

    ``source`` and ``destination`` index :attr:`TableRows.ids`, ``port``
    indexes :attr:`TableRows.ports`, ``column`` is the row's position among
    one source's rows (a destination and port: :meth:`TableRows.columns`), ``reason`` indexes :data:`REASONS`,
    ``egress_by``/``ingress_by`` are decider ids for :meth:`TableRows.label`
    (``-1``: none). Without deciders (``TableRows(..., deciders=False)``)
    ``reason``, ``egress_by`` and ``ingress_by`` are empty arrays.
    """

    source: np.ndarray
    destination: np.ndarray
    port: np.ndarray
    column: np.ndarray
    allowed: np.ndarray
    reason: np.ndarray
    egress_by: np.ndarray
    ingress_by: np.ndarray

    def __len__(self) -> int:
        return len(self.source)


def select_endpoints(reach: Reachability, patterns: Sequence[str] | None, option: str
                     ) -> np.ndarray:
    """Which endpoints any of ``patterns`` names: a boolean vector over ``reach.ids``.

    A pattern is a shell glob matched against ``namespace/pod`` and against
    the namespace alone (so ``payments`` and ``pay*`` pick whole namespaces,
    ``*/api-*`` picks pods), or against an external endpoint's name. A
    pattern that matches nothing is an error: a typo should not print an
    empty table.
    """
    n = len(reach.ids)
    if not patterns:
        return np.ones(n, dtype=bool)
    out = np.zeros(n, dtype=bool)
    namespaces = [ep.namespace if ep.is_pod else None for ep in reach.endpoints]
    for pattern in patterns:
        hit = np.array([fnmatch.fnmatchcase(i, pattern)
                        or (ns is not None and fnmatch.fnmatchcase(ns, pattern))
                        for i, ns in zip(reach.ids, namespaces, strict=True)], dtype=bool)
        if n and not hit.any():
            raise NetpolError(
                f"{option} {pattern!r} matches no pod, namespace or external endpoint",
                expected="a namespace (payments), a pod (payments/api-0) or a glob "
                "(pay*, */api-*); `netpol-lab table --format summary` lists the groups")
        out |= hit
    return out


class TableRows:
    """The rows to stream: which ports, sources, destinations, and which verdicts.

    Parameters
    ----------
    reach : Reachability
    ports : list of (port, protocol), optional
        Ask about these ports for every destination; by default each
        destination's declared container ports (the order of
        :func:`~netpol_lab.table.traffic_table`).
    sources, destinations : list of str, optional
        Globs (see :func:`select_endpoints`): ``--from`` and ``--to``.
    only : {"allowed", "denied"}, optional
    deciders : bool
        Compute ``reason`` and the deciding policies (``False`` when only
        verdicts are needed, e.g. to count).
    """

    def __init__(self, reach: Reachability, ports: Sequence[tuple[int, str]] | None = None,
                 sources: Sequence[str] | None = None,
                 destinations: Sequence[str] | None = None, only: str | None = None,
                 deciders: bool = True) -> None:
        if only not in (None, *ONLY):
            raise ValueError(f"only must be one of {ONLY}, not {only!r}")
        self.reach = reach
        self.ids = reach.ids
        self.only = only
        self.deciders = deciders
        self.sources = np.nonzero(select_endpoints(reach, sources, "--from"))[0]
        wanted_destinations = select_endpoints(reach, destinations, "--to")
        self.destinations = np.nonzero(wanted_destinations)[0]
        keys: dict[tuple[int, str], int] = {}
        dst, key = [], []
        for d, ep in enumerate(reach.endpoints):
            if not wanted_destinations[d]:
                continue
            declared = [(cp.port, cp.protocol) for cp in ep.ports] if ports is None else ports
            for number, proto in declared:
                dst.append(d)
                key.append(keys.setdefault((number, proto), len(keys)))
        self.ports: list[tuple[int, str]] = list(keys)
        self._dst = np.array(dst, dtype=np.intp)
        self._key = np.array(key, dtype=np.intp)
        self._by_key = [np.nonzero(self._key == k)[0] for k in range(len(keys))]
        self._matrices = [reach.matrix(number, proto) for number, proto in self.ports]
        self._labels = {d: [r.label for r in reach._rules[d]] for d in DIRECTIONS}
        self._n_rules = {d: len(self._labels[d]) for d in DIRECTIONS}
        for d in DIRECTIONS:
            self._labels[d] += [f"{p.namespace}/{p.name}" for p in reach.policies]

    def matrix(self, k: int) -> ReachabilityMatrix:
        """The matrix of ``ports[k]`` (computed once, factored)."""
        return self._matrices[k]

    def label(self, direction: str, decider: int) -> str:
        """The deciding policy (``ns/name``) or rule (``ns/name#k``) of a decider id; ``""``."""
        return self._labels[direction][decider] if decider >= 0 else ""

    def labels(self, direction: str) -> list[str]:
        """Every decider id's label, in id order."""
        return self._labels[direction]

    def columns(self) -> tuple[np.ndarray, np.ndarray]:
        """``(destination, port)`` index arrays of one source's rows, in row order."""
        return self._dst, self._key

    def size(self) -> int:
        """How many rows there are before ``only`` is applied (cheap: no verdicts computed)."""
        p = self.reach.n_pods
        to_pods = int((self._dst < p).sum())
        pods = int((self.sources < p).sum())
        return pods * len(self._dst) + (len(self.sources) - pods) * to_pods

    def blocks(self, chunk_rows: int = 1_000_000, deciders: bool | None = None
               ) -> Iterator[RowBlock]:
        """The rows in order (source, then destination, then its ports), in blocks.

        ``deciders`` overrides the instance's choice (``False`` to only count).
        """
        if not len(self._dst) or not len(self.sources):
            return
        deciders = self.deciders if deciders is None else deciders
        step = max(1, chunk_rows // len(self._dst))
        for start in range(0, len(self.sources), step):
            block = self._block(self.sources[start:start + step], deciders)
            if len(block):
                yield block

    def count(self) -> tuple[int, int]:
        """``(rows, allowed rows)`` after ``only``, computing verdicts only."""
        rows = allowed = 0
        for block in self.blocks(deciders=False):
            rows += len(block)
            allowed += int(block.allowed.sum())
        return rows, allowed

    def grid(self, src: np.ndarray, deciders: bool = True
             ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """Sources ``src`` × this table's columns, as if no source were its destination.

        Returns ``(allowed, reason, egress_by, ingress_by)``, each of shape
        ``(len(src), len(columns))`` (the last three ``None`` without
        deciders). Loopback, external → external and ``only`` are *not*
        applied: :meth:`blocks` does that. Sources whose lines here are equal
        have equal rows, except for their own loopback rows; the text writers
        use that to format each kind of source once.
        """
        r = self.reach
        dst, width = self._dst, len(self._dst)
        allowed = np.empty((len(src), width), dtype=bool)
        if deciders:
            reason = np.empty((len(src), width), dtype=np.int8)
            by = {d: np.empty((len(src), width), dtype=np.int32) for d in DIRECTIONS}
        for k, columns in enumerate(self._by_key):
            matrix, dests = self._matrices[k], dst[columns]
            e_ok = matrix.sides["egress"].block(src, dests)
            i_ok = matrix.sides["ingress"].block(src, dests)
            allowed[:, columns] = e_ok & i_ok
            if not deciders:
                continue
            iso_e = np.broadcast_to(r.isolated["egress"][src][:, None], e_ok.shape)
            iso_i = np.broadcast_to(r.isolated["ingress"][dests][None, :], e_ok.shape)
            e_denied, i_denied = iso_e & ~e_ok, iso_i & ~i_ok
            code = np.where(iso_e | iso_i, ALLOWED, OPEN).astype(np.int8)
            code[e_denied] = EGRESS_DENIED
            code[i_denied] = INGRESS_DENIED
            code[e_denied & i_denied] = BOTH_DENIED
            reason[:, columns] = code
            for direction, ok, iso in (("egress", e_ok, iso_e), ("ingress", i_ok, iso_i)):
                side = matrix.sides[direction]
                first = np.take(np.take(side.first_rule(), side.row_of[src], axis=0),
                                side.col_of[dests], axis=1)
                isolator = (r.isolator[direction][src][:, None] if direction == "egress"
                            else r.isolator[direction][dests][None, :])
                by[direction][:, columns] = np.where(
                    iso, np.where(ok, first, self._n_rules[direction] + isolator), -1)
        if not deciders:
            return allowed, None, None, None
        return allowed, reason, by["egress"], by["ingress"]

    def kinds(self) -> tuple[np.ndarray, np.ndarray]:
        """Sources of the same kind have the same :meth:`grid` line: ``(kind of each
        source, one source of each kind)``.

        A source's line depends only on its classes in the factored matrices
        (:class:`~netpol_lab.reachability.Side`) at every port, on whether it
        is isolated for egress and by which policy first, and on whether it
        is a pod.
        """
        src, r = self.sources, self.reach
        columns = [src < r.n_pods, r.isolated["egress"][src], r.isolator["egress"][src]]
        for matrix in self._matrices:
            columns += [matrix.sides[d].row_of[src] for d in DIRECTIONS]
        signature = np.column_stack(columns).astype(np.int64)
        _, first, kind = np.unique(signature, axis=0, return_index=True, return_inverse=True)
        return kind.ravel(), src[first]

    def loopback_columns(self) -> dict[int, list[int]]:
        """For each pod among the destinations: its columns (where it is the destination)."""
        out: dict[int, list[int]] = {}
        p = self.reach.n_pods
        for j, d in enumerate(self._dst.tolist()):
            if d < p:
                out.setdefault(d, []).append(j)
        return out

    def connected(self, src: np.ndarray) -> np.ndarray:
        """``(len(src), len(columns))``: False for external → external (not a connection)."""
        p = self.reach.n_pods
        return (src < p)[:, None] | (self._dst < p)[None, :]

    def _block(self, src: np.ndarray, deciders: bool) -> RowBlock:
        p = self.reach.n_pods
        allowed, reason, egress_by, ingress_by = self.grid(src, deciders)
        loop = (src[:, None] == self._dst[None, :]) & (src < p)[:, None]
        allowed |= loop
        keep = self.connected(src)
        if self.only == "allowed":
            keep &= allowed
        elif self.only == "denied":
            keep &= ~allowed
        rows, cols = np.nonzero(keep)
        s, d, key = src[rows], self._dst[cols], self._key[cols]
        verdict = allowed[rows, cols]
        if not deciders:
            empty = np.empty(0, dtype=np.int8)
            return RowBlock(s, d, key, cols, verdict, empty, empty, empty)
        reason[loop] = LOOPBACK
        egress_by[loop] = -1
        ingress_by[loop] = -1
        return RowBlock(s, d, key, cols, verdict, reason[rows, cols], egress_by[rows, cols],
                        ingress_by[rows, cols])
