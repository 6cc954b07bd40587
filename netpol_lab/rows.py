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
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from .engine import resolve_port
from .errors import NetpolError
from .model import ContainerPort
from .reachability import DIRECTIONS, Reachability, ReachabilityMatrix

REASONS = ("loopback", "open", "allowed", "egress-denied", "ingress-denied", "both-denied")
LOOPBACK, OPEN, ALLOWED, EGRESS_DENIED, INGRESS_DENIED, BOTH_DENIED = range(6)
COLUMNS = ("source", "destination", "port", "protocol", "allowed", "reason", "egress", "ingress")
ONLY = ("allowed", "denied")
PortSpec = int | str | tuple[int, str] | ContainerPort


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


def parse_ports(ports: Iterable[PortSpec]) -> list[tuple[int, str]]:
    """Normalise ``[80, "53/UDP", (443, "TCP")]`` into ``[(80, "TCP"), (53, "UDP"), (443, "TCP")]``.

    Examples
    --------
    >>> parse_ports([80, "53/udp", (443, "TCP")])
    [(80, 'TCP'), (53, 'UDP'), (443, 'TCP')]
    """
    out = []
    for spec in ports:
        if isinstance(spec, ContainerPort):
            out.append((spec.port, spec.protocol))
        elif isinstance(spec, tuple):
            out.append(_check_port(*spec))
        else:
            text = str(spec)
            number, _, protocol = text.partition("/")
            if not number.strip().isdigit():
                raise NetpolError(f"{text!r} is not a port", expected="a number such as 80 or "
                                  "80/TCP, 53/UDP")
            out.append(_check_port(int(number), protocol.strip().upper() or "TCP"))
    return out


def _check_port(number: int, protocol: str) -> tuple[int, str]:
    from .model import ExternalEndpoint

    return resolve_port(number, protocol, ExternalEndpoint("-", "0.0.0.0"))


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
        self._port_plans: list[_PortPlan] | None = None
        self._dst_starts: np.ndarray | None = None
        self._class_columns: np.ndarray | None = None

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
        deciders = self.deciders if deciders is None else deciders
        we, wi = self._widths()
        for src, local, column, tail, keys in self.chunks(chunk_rows, deciders):
            key = keys[tail]
            source, destination = src[local], self._dst[column]
            allowed = key // (we * wi) < 3
            if not deciders:
                empty = np.empty(0, dtype=np.int8)
                yield RowBlock(source, destination, self._key[column], column, allowed,
                               empty, empty, empty)
                continue
            yield RowBlock(source, destination, self._key[column], column, allowed,
                           (key // (we * wi)).astype(np.int8),
                           ((key // wi) % we - 1).astype(np.int32),
                           (key % wi - 1).astype(np.int32))

    def count(self) -> tuple[int, int]:
        """``(rows, allowed rows)`` after ``only``, computing verdicts only."""
        rows = allowed = 0
        for block in self.blocks(deciders=False):
            rows += len(block)
            allowed += int(block.allowed.sum())
        return rows, allowed

    # -- the rows, computed on the classes -------------------------------------------------
    #
    # A port's verdict is ``small_e[row_e(s), col_e(d)] & small_i[row_i(s), col_i(d)]``
    # (:class:`~netpol_lab.reachability.Side`), and the rest of a row (reason, deciders)
    # also depends on the destination only through its classes and its isolating policy.
    # So each port's columns are grouped into *destination classes* once; a chunk of
    # sources is then decided against the few hundred classes (a "pair"), never against
    # every destination, and only the kept pairs are expanded into rows.

    def _widths(self) -> tuple[int, int]:
        """Decider ids + 1 per direction: a row's tail key is ``(reason·we + e + 1)·wi + i + 1``."""
        return len(self._labels["egress"]) + 1, len(self._labels["ingress"]) + 1

    def _plans(self) -> list[_PortPlan]:
        if self._port_plans is None:
            r, p = self.reach, self.reach.n_pods
            plans = []
            for k, columns in enumerate(self._by_key):
                sides, dests = self._matrices[k].sides, self._dst[columns]
                signature = np.column_stack([
                    sides["egress"].col_of[dests], sides["ingress"].col_of[dests],
                    r.isolated["ingress"][dests], r.isolator["ingress"][dests], dests < p,
                ]).astype(np.int64)
                _, first, of = np.unique(signature, axis=0, return_index=True,
                                         return_inverse=True)
                of = of.ravel()
                lengths = np.bincount(of, minlength=len(first))
                example = dests[first]
                plans.append(_PortPlan(
                    columns=columns, class_of=of, lengths=lengths,
                    e_col=sides["egress"].col_of[example], i_col=sides["ingress"].col_of[example],
                    i_isolated=r.isolated["ingress"][example],
                    i_isolator=r.isolator["ingress"][example].astype(np.int64),
                    pod=example < p))
            self._port_plans = plans
        return self._port_plans

    def _pairs(self, k: int, plan: _PortPlan, src: np.ndarray, deciders: bool
               ) -> tuple[np.ndarray, np.ndarray]:
        """Sources ``src`` × the destination classes of port ``k``: ``(keep, tail key)``."""
        r, p = self.reach, self.reach.n_pods
        we, wi = self._widths()
        e, i = self._matrices[k].sides["egress"], self._matrices[k].sides["ingress"]
        re, ri = e.row_of[src], i.row_of[src]
        e_ok = np.take(np.take(e.small, re, axis=0), plan.e_col, axis=1)
        i_ok = np.take(np.take(i.small, ri, axis=0), plan.i_col, axis=1)
        ok = e_ok & i_ok
        keep = (src < p)[:, None] | plan.pod[None, :]     # external → external: no row
        if self.only == "allowed":
            keep &= ok
        elif self.only == "denied":
            keep &= ~ok
        if not deciders:
            return keep, np.where(ok, ALLOWED, BOTH_DENIED).astype(np.int64) * (we * wi)
        iso_e, iso_i = r.isolated["egress"][src][:, None], plan.i_isolated[None, :]
        e_denied, i_denied = iso_e & ~e_ok, iso_i & ~i_ok
        reason = np.where(iso_e | iso_i, ALLOWED, OPEN).astype(np.int64)
        reason[e_denied] = EGRESS_DENIED
        reason[i_denied] = INGRESS_DENIED
        reason[e_denied & i_denied] = BOTH_DENIED
        first_e = np.take(np.take(e.first_rule(), re, axis=0), plan.e_col, axis=1)
        e_by = np.where(iso_e, np.where(
            e_ok, first_e, self._n_rules["egress"] + r.isolator["egress"][src][:, None]), -1)
        first_i = np.take(np.take(i.first_rule(), ri, axis=0), plan.i_col, axis=1)
        i_by = np.where(iso_i, np.where(
            i_ok, first_i, self._n_rules["ingress"] + plan.i_isolator[None, :]), -1)
        return keep, (reason * we + e_by + 1) * wi + i_by + 1

    def chunks(self, chunk_rows: int = 250_000, deciders: bool | None = None
               ) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """The rows in order, a chunk of sources at a time, as compact index arrays.

        Yields ``(src, local, column, tail, keys)``: row ``j`` goes from
        ``ids[src[local[j]]]`` to the table column ``column[j]`` (see
        :meth:`columns`), and its tail key (reason and deciders) is
        ``keys[tail[j]]``; ``keys`` are the chunk's few distinct tail keys, so
        a writer formats each once. Chunks hold about ``chunk_rows`` rows.

        Each port's verdicts are decided per (source, destination class); one
        gather spreads them over the table's columns as a boolean
        sources × columns grid (one byte a cell), whose kept cells are the
        rows in order.
        """
        deciders = self.deciders if deciders is None else deciders
        width, p = len(self._dst), self.reach.n_pods
        if not width or not len(self.sources):
            return
        plans = self._plans()
        spread = self._class_column
        share = 1.0                      # the kept share of the last chunk's cells
        start = 0
        while start < len(self.sources):
            step = max(1, int(chunk_rows / (width * max(share, 1 / 16))))
            src = self.sources[start:start + step]
            start += step
            pairs = [self._pairs(k, plan, src, deciders) for k, plan in enumerate(plans)]
            keep_pairs = np.hstack([keep for keep, _ in pairs])
            tail_pairs = np.hstack([tail for _, tail in pairs])
            # the distinct tail keys of the kept pairs (and loopback's, 0) as small ids
            keys, ids = np.unique(np.append(tail_pairs[keep_pairs], 0), return_inverse=True)
            ids = ids.astype(np.int32).ravel()
            pair_ids = np.zeros(tail_pairs.shape, dtype=np.int32)
            pair_ids[keep_pairs] = ids[:-1]
            keep = np.take(keep_pairs, spread, axis=1)
            # loopback rows: a pod source's columns where it is the destination
            pod = np.flatnonzero(src < p)
            lo, hi = self._dst_start[src[pod]], self._dst_start[src[pod] + 1]
            loop_local, loop_column = np.repeat(pod, hi - lo), _ranges(lo, hi)
            keep[loop_local, loop_column] = self.only != "denied"
            local, column = np.nonzero(keep)
            share = len(local) / keep.size
            if not len(local):
                continue
            tail = pair_ids[local, spread[column]]
            tail[self._dst[column] == src[local]] = ids[-1]
            yield src, local, column, tail, keys

    @property
    def _class_column(self) -> np.ndarray:
        """Per table column: its (port, destination class) among all ports' classes."""
        if self._class_columns is None:
            out = np.empty(len(self._dst), dtype=np.intp)
            offset = 0
            for plan in self._plans():
                out[plan.columns] = plan.class_of + offset
                offset += len(plan.lengths)
            self._class_columns = out
        return self._class_columns

    @property
    def _dst_start(self) -> np.ndarray:
        """Per endpoint ``d`` (and one past the last): where ``d``'s columns start."""
        if self._dst_starts is None:
            self._dst_starts = np.searchsorted(self._dst, np.arange(len(self.ids) + 1))
        return self._dst_starts


@dataclass(frozen=True)
class _PortPlan:
    """One port's columns grouped by destination class (see :meth:`TableRows.chunks`).

    ``columns``: the port's table columns; ``class_of``: each one's class;
    ``lengths``: how many columns each class has; per class, from one destination: its egress and ingress class columns,
    ingress isolation and isolating policy, and whether it is a pod.
    """

    columns: np.ndarray
    class_of: np.ndarray
    lengths: np.ndarray
    e_col: np.ndarray
    i_col: np.ndarray
    i_isolated: np.ndarray
    i_isolator: np.ndarray
    pod: np.ndarray


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``concatenate([arange(a, b) for a, b in zip(lo, hi)])``, without the loop."""
    lengths = hi - lo
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.intp)
    offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(lo, lengths) + offsets
