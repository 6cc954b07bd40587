"""Whole-cluster reachability as boolean matrices: the traffic table at scale.

:meth:`Scenario.evaluate <netpol_lab.engine.Scenario.evaluate>` decides one
connection and explains it. Asking it about every pair of a 5,000-pod cluster
means 25 million calls per port. This module answers the same question for
all pairs at once, with the same semantics (the differential tests in
``tests/test_differential.py`` check that both paths agree on every pair):

1. **Once per scenario** (:class:`Reachability`): which pods each policy
   selects (a boolean vector over pods), and for each rule which endpoints its
   peers match (a vector over all endpoints). Label selectors are evaluated
   once per *distinct* label set, and each selector once, through an index
   ``(key, value) → vector``; ``ipBlock`` peers are tested on integer IPs, pods
   included (lab choice, semantics reference section 4).
2. **Once per port** (:meth:`Reachability.matrix`): which destinations each
   rule's ``ports`` admit (named ports depend on the destination pod's
   container ports), then two boolean matrix products::

       egress_allowed[s, d]  = not egress_isolated[s]
                               or OR_r (selects_r[s] and peer_r[d] and port_r[d])
       ingress_allowed[s, d] = not ingress_isolated[d]
                               or OR_r (peer_r[s] and selects_r[d] and port_r[d])
       allowed[s, d]         = egress_allowed[s, d] and ingress_allowed[s, d]

   where ``r`` runs over the egress (resp. ingress) rules of the policies in
   force. An external end is not checked for its own direction, a pod can
   always reach itself, and external → external is not a connection.

Many pods share their labels, so many rows and columns of these products are
identical: the default method multiplies only the distinct ones (packed with
:func:`numpy.packbits` and found with :func:`numpy.unique`) and expands the
result by indexing. ``method="matmul"`` multiplies the full matrices instead;
the benchmark (``benchmarks/run.py``) measures both.

Rows with their reasons are produced on demand: :meth:`ReachabilityMatrix.verdict`
and :func:`explain_rows` call the per-connection engine for the pairs you ask
about, and :func:`iter_table` yields the traffic table in chunks of rows, so a
5,000-pod table never needs 25 million Python objects.

numpy is imported when this module is, which ``import netpol_lab`` does not do.

Examples
--------
>>> import netpol_lab as nl
>>> policy = nl.article_policies()["api-ingress"]
>>> m = reachability(nl.default_cluster(), [policy], port=8080)
>>> bool(m.allowed_between("production/frontend", "production/api"))
True
>>> bool(m.allowed_between("monitoring/prometheus", "production/api"))
False
>>> m.verdict("monitoring/prometheus", "production/api").reason.startswith("denied")
True
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .engine import Scenario, Verdict, resolve_port
from .errors import UnknownEndpointError
from .model import CANONICAL_IPV4, Cluster, ContainerPort, Endpoint
from .policy import IPBlock, NetworkPolicy, Peer, PolicyPort
from .selectors import LabelSelector

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

DIRECTIONS = ("egress", "ingress")
STATUSES = ("open", "allowed", "denied", "n/a", "loopback")
METHODS = ("dedupe", "matmul")
DENSE_PRODUCT_LIMIT = 20_000_000
"""Products of more multiply-adds than this use the sparse OR when the selecting side is
sparse (at most :data:`SPARSE_SHARE` set); smaller ones use one dense float32 product."""
SPARSE_SHARE = 0.05
LOOPBACK_REASON = "allowed: a pod can always reach itself (loopback is never blocked)"
COLUMNS = ["source", "destination", "port", "protocol", "port_name", "allowed", "egress",
           "ingress", "allowed_by", "reason"]


class _LabelIndex:
    """Label selectors evaluated over a list of distinct label sets, one numpy op per term.

    ``(key, value) → vector`` and ``key → vector`` are built once; a selector
    is then an AND of such vectors (``NotIn``/``DoesNotExist`` are negations,
    which also match objects lacking the key, as section 5 requires).
    """

    def __init__(self, label_sets: Sequence[Mapping[str, str]]) -> None:
        self.size = len(label_sets)
        pairs: dict[tuple[str, str], list[int]] = {}
        keys: dict[str, list[int]] = {}
        for i, labels in enumerate(label_sets):
            for key, value in labels.items():
                pairs.setdefault((key, value), []).append(i)
                keys.setdefault(key, []).append(i)
        # index lists; a vector is made the first time a selector asks for it (a big
        # cluster has thousands of label pairs, such as pod-template-hash values, that
        # no selector names)
        self._pair_index, self._key_index = pairs, keys
        self._pairs: dict[tuple[str, str], np.ndarray] = {}
        self._keys: dict[str, np.ndarray] = {}
        self._none = np.zeros(self.size, dtype=bool)
        self._cache: dict[LabelSelector, np.ndarray] = {}

    def _vector(self, indices: list[int]) -> np.ndarray:
        out = np.zeros(self.size, dtype=bool)
        out[indices] = True
        return out

    def _pair(self, key: str, value: str) -> np.ndarray:
        """Which label sets have ``key=value``."""
        out = self._pairs.get((key, value))
        if out is None:
            found = self._pair_index.get((key, value))
            out = self._pairs[key, value] = self._none if found is None else self._vector(found)
        return out

    def _key(self, key: str) -> np.ndarray:
        """Which label sets have ``key``, whatever its value."""
        out = self._keys.get(key)
        if out is None:
            found = self._key_index.get(key)
            out = self._keys[key] = self._none if found is None else self._vector(found)
        return out

    def _any_of(self, key: str, values: Iterable[str]) -> np.ndarray:
        out = self._none.copy()
        for value in values:
            out |= self._pair(key, value)
        return out

    def select(self, selector: LabelSelector) -> np.ndarray:
        """Boolean vector: which label sets ``selector`` matches (cached per selector)."""
        cached = self._cache.get(selector)
        if cached is not None:
            return cached
        out = np.ones(self.size, dtype=bool)
        for key, value in selector.match_labels:
            out &= self._pair(key, value)
        for req in selector.match_expressions:
            if req.operator == "In":
                out &= self._any_of(req.key, req.values)
            elif req.operator == "NotIn":
                out &= ~self._any_of(req.key, req.values)
            elif req.operator == "Exists":
                out &= self._key(req.key)
            else:  # DoesNotExist
                out &= ~self._key(req.key)
        self._cache[selector] = out
        return out


class _IPIndex:
    """The endpoints' IPs as integers, to test ``ipBlock`` membership with masks."""

    def __init__(self, endpoints: Sequence[Endpoint]) -> None:
        version, high, low = [], [], []  # high: IPv4 address or IPv6 top 64 bits
        for ep in endpoints:
            ip = ep.ip
            if ip is None:
                v, h, lo = 0, 0, 0
            elif CANONICAL_IPV4.fullmatch(ip):  # most pod IPs: no ipaddress object needed
                a, b, c, d = ip.split(".")
                v, h, lo = 4, int(a) << 24 | int(b) << 16 | int(c) << 8 | int(d), 0
            else:
                addr = ipaddress.ip_address(ip)
                value = int(addr)
                v = addr.version
                h = value >> 64 if v == 6 else value
                lo = value & 0xFFFF_FFFF_FFFF_FFFF if v == 6 else 0
            version.append(v)
            high.append(h)
            low.append(lo)
        self.version = np.array(version, dtype=np.int8)
        self.high = np.array(high, dtype=np.uint64)
        self.low = np.array(low, dtype=np.uint64)
        self._cache: dict[IPBlock, np.ndarray] = {}

    def _inside(self, network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> np.ndarray:
        net = int(network.network_address)
        mask = int(network.netmask)
        if network.version == 4:
            return (self.version == 4) & ((self.high & np.uint64(mask)) == np.uint64(net))
        full = 0xFFFF_FFFF_FFFF_FFFF
        return ((self.version == 6)
                & ((self.high & np.uint64(mask >> 64)) == np.uint64(net >> 64))
                & ((self.low & np.uint64(mask & full)) == np.uint64(net & full)))

    def contains(self, block: IPBlock) -> np.ndarray:
        """Which endpoints ``block`` covers: inside ``cidr``, outside every ``except``."""
        cached = self._cache.get(block)
        if cached is None:
            cached = self._inside(block.cidr)
            for ex in block.except_:
                cached = cached & ~self._inside(ex)
            self._cache[block] = cached
        return cached


@dataclass(frozen=True, eq=False)
class _Rule:
    """One rule in force, compiled: its policy, its peer vector and its ports."""

    policy_index: int
    label: str
    peers: np.ndarray  # over all endpoints
    ports: tuple[PolicyPort, ...]


class Reachability:
    """A cluster and its policies compiled into vectors, ready for whole-cluster questions.

    Parameters
    ----------
    cluster : Cluster or Scenario
        The cluster (then ``policies`` applies), or a scenario (its cluster and
        policies are used, and its :meth:`~netpol_lab.engine.Scenario.evaluate`
        explains single rows).
    policies : iterable of NetworkPolicy, optional
    ip_block_matches_pods : bool
        ``True`` (the lab's choice, as the upstream [Feature:NetworkPolicy] e2e tests and the
        engine): ``ipBlock`` peers match pod IPs too. ``False`` applies them to
        external endpoints only, as some network plugins and
        network-config-analyzer do; use it only to compare with such tools,
        since :meth:`Scenario.evaluate <netpol_lab.engine.Scenario.evaluate>`
        (and so every explanation) follows the lab's choice.

    Attributes
    ----------
    endpoints : tuple of Endpoint
        Pods first, then external endpoints (the order of ``Cluster.endpoints``);
        row and column ``i`` of every matrix is ``endpoints[i]``.
    ids : list of str
        ``endpoint.id`` for each endpoint.
    n_pods : int
        How many of the endpoints are pods (the first ``n_pods``).

    Examples
    --------
    >>> import netpol_lab as nl
    >>> r = Reachability(nl.default_cluster(), nl.article_policies().values())
    >>> r.n_pods, len(r.ids) - r.n_pods
    (9, 4)
    >>> m = r.matrix("53/UDP")
    >>> int(m.allowed.sum()) <= int(m.connections.sum())
    True
    """

    def __init__(self, cluster: Cluster | Scenario,
                 policies: Iterable[NetworkPolicy] | None = None, *,
                 ip_block_matches_pods: bool = True) -> None:
        self.ip_block_matches_pods = ip_block_matches_pods
        if isinstance(cluster, Scenario):
            self._scenario: Scenario | None = cluster
            self.policies: tuple[NetworkPolicy, ...] = cluster.policies
            self.cluster = cluster.cluster
        else:
            self._scenario = None
            self.policies = tuple(policies or ())
            self.cluster = cluster.with_namespaces(p.namespace for p in self.policies)
        pods = self.cluster.pods
        self.endpoints: tuple[Endpoint, ...] = self.cluster.endpoints
        self.ids: list[str] = [ep.id for ep in self.endpoints]
        self.n_pods = len(pods)
        self._position = {ep.id: i for i, ep in enumerate(self.endpoints)}
        n = len(self.endpoints)

        # distinct pod label sets, and each pod's namespace, as indices
        classes: dict[frozenset, int] = {}
        label_sets: list[Mapping[str, str]] = []
        pod_class = np.empty(self.n_pods, dtype=np.intp)
        for i, pod in enumerate(pods):
            key = frozenset(pod.labels.items())
            if key not in classes:
                classes[key] = len(label_sets)
                label_sets.append(pod.labels)
            pod_class[i] = classes[key]
        self._pod_class = pod_class
        self._pod_labels = _LabelIndex(label_sets)
        namespaces = list(self.cluster.namespaces)
        self._ns_position = {name: i for i, name in enumerate(namespaces)}
        self._pod_ns = np.array([self._ns_position[p.namespace] for p in pods], dtype=np.intp)
        self._ns_labels = _LabelIndex([self.cluster.namespace_labels(ns) for ns in namespaces])
        self._ips = _IPIndex(self.endpoints)
        self._peer_cache: dict[tuple[Peer, str], np.ndarray] = {}

        # per policy: the pods it selects; per direction: isolation and the rules in force
        self._selects = np.zeros((len(self.policies), self.n_pods), dtype=bool)
        self.isolated = {d: np.zeros(n, dtype=bool) for d in DIRECTIONS}
        self._rules: dict[str, list[_Rule]] = {d: [] for d in DIRECTIONS}
        self.isolator = {d: np.full(n, -1, dtype=np.int32) for d in DIRECTIONS}
        for k, policy in enumerate(self.policies):
            selected = self._selected(policy)
            self._selects[k] = selected
            for direction in DIRECTIONS:
                in_force = (policy.affects_egress if direction == "egress"
                            else policy.affects_ingress)
                if not in_force:
                    continue
                self.isolated[direction][:self.n_pods] |= selected
                for i, rule in enumerate(policy.rules(direction)):
                    self._rules[direction].append(_Rule(
                        k, f"{policy.namespace}/{policy.name}#{i + 1}",
                        self._rule_peers(rule.peers, policy), rule.ports))
                # the first policy (in order) that isolates each pod decides its denials
                first = selected & (self.isolator[direction][:self.n_pods] < 0)
                self.isolator[direction][:self.n_pods][first] = k
        self._left: dict[str, tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]] = {}
        self._transposed: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._matrices: dict[tuple[int, str, str], ReachabilityMatrix] = {}
        self.cache_matrices = False
        # (port, protocol) → port name → the pods that declare that name for it
        self._declared_names: dict[tuple[int, str], dict[str, list[int]]] | None = None
        self._base_kinds: dict[str, np.ndarray] = {}

    # -- compiling selectors and peers -------------------------------------------------

    def _pods_matching(self, selector: LabelSelector) -> np.ndarray:
        return self._pod_labels.select(selector)[self._pod_class]

    def _selected(self, policy: NetworkPolicy) -> np.ndarray:
        in_namespace = self._pod_ns == self._ns_position[policy.namespace]
        return in_namespace & self._pods_matching(policy.pod_selector)

    def _peer(self, peer: Peer, namespace: str) -> np.ndarray:
        key = (peer, namespace)
        cached = self._peer_cache.get(key)
        if cached is not None:
            return cached
        if peer.ip_block is not None:
            out = self._ips.contains(peer.ip_block)
            if not self.ip_block_matches_pods:
                out = out.copy()
                out[:self.n_pods] = False
        else:
            if peer.namespace_selector is None:
                pods = self._pod_ns == self._ns_position[namespace]
            else:
                pods = self._ns_labels.select(peer.namespace_selector)[self._pod_ns]
            if peer.pod_selector is not None:
                pods = pods & self._pods_matching(peer.pod_selector)
            out = np.zeros(len(self.endpoints), dtype=bool)
            out[:self.n_pods] = pods
        self._peer_cache[key] = out
        return out

    def _rule_peers(self, peers: tuple[Peer, ...], policy: NetworkPolicy) -> np.ndarray:
        if not peers:
            return np.ones(len(self.endpoints), dtype=bool)
        out = np.zeros(len(self.endpoints), dtype=bool)
        for peer in peers:
            out |= self._peer(peer, policy.namespace)
        return out

    # -- one port ------------------------------------------------------------------------

    def _named_ports(self, port: int, protocol: str) -> dict[str, np.ndarray]:
        """For each port name: which destinations declare it as ``port``/``protocol``."""
        if self._declared_names is None:
            # indexed once: every port asks, and a big cluster declares thousands of names
            self._declared_names = {}
            for i, ep in enumerate(self.endpoints[:self.n_pods]):
                for cp in ep.ports:
                    if cp.name:
                        (self._declared_names.setdefault((cp.port, cp.protocol), {})
                         .setdefault(cp.name, []).append(i))
        out: dict[str, np.ndarray] = {}
        for name, pods in self._declared_names.get((port, protocol), {}).items():
            out[name] = np.zeros(len(self.endpoints), dtype=bool)
            out[name][pods] = True
        return out

    def _column_kinds(self, direction: str, domain: np.ndarray, named: dict[str, np.ndarray]
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Endpoints of ``domain`` that every rule of ``direction`` sees alike at this port.

        Egress destinations alike: the same peers match them and they declare the
        same port names at this port; ingress destinations: the same policies select
        them, same names. Returns ``(one endpoint of each kind, kind of each)``, so
        the rules' port vectors are built for one endpoint of each kind only.
        """
        base = self._base_kinds.get(direction)
        if base is None:
            rules = self._rules[direction]
            if direction == "egress":
                matrix = (np.stack([r.peers for r in rules]) if rules
                          else np.zeros((0, len(self.endpoints)), dtype=bool))
            else:
                policies = sorted({r.policy_index for r in rules})
                matrix = self._selects[policies]
            base = self._base_kinds[direction] = _distinct(matrix.T)[1]
        keys = np.column_stack([base[domain], *(named[name][domain] for name in sorted(named))])
        _, first, kind = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        return domain[first], kind.ravel()

    def _port_match(self, ports: tuple[PolicyPort, ...], port: int, protocol: str,
                    named: dict[str, np.ndarray]) -> bool | np.ndarray:
        """True, False, or a vector over destinations: does a ``ports`` list admit the port?"""
        if not ports:
            return True
        vector: np.ndarray | None = None
        for entry in ports:
            if entry.protocol != protocol:
                continue
            if entry.port is None:
                return True
            if isinstance(entry.port, str):
                hit = named.get(entry.port)
                if hit is not None:
                    vector = hit.copy() if vector is None else vector | hit
            elif entry.port <= port <= (entry.end_port or entry.port):
                return True
        return False if vector is None else vector

    def _direction(self, direction: str, port: int, protocol: str, method: str) -> Side:
        """Which pairs ``direction`` lets through at one port, as a factored :class:`Side`.

        Only the pods isolated for the direction enter the product (egress:
        sources; ingress: destinations); every other end is one "open" class
        whose row (egress) or column (ingress) is all ``True``.
        """
        rules = self._rules[direction]
        n, p = len(self.endpoints), self.n_pods
        isolated = np.nonzero(self.isolated[direction][:p])[0]
        named = self._named_ports(port, protocol) if rules else {}
        # the destinations' side is built for one destination of each kind (dedupe)
        domain = np.arange(n) if direction == "egress" else isolated
        if method == "dedupe":
            reps, kind = self._column_kinds(direction, domain, named)
        else:
            reps, kind = domain, np.arange(len(domain), dtype=np.intp)
        right = np.empty((len(rules), len(reps)), dtype=bool)
        for j, rule in enumerate(rules):
            ports = self._port_match(rule.ports, port, protocol, named)
            ports = ports[reps] if isinstance(ports, np.ndarray) else ports
            if direction == "egress":
                # rule r allows s → d when its policy selects s, a peer matches d, a port
                # admits d
                right[j] = rule.peers[reps] & ports
            else:
                # rule r allows s → d when a peer matches s, its policy selects d, a port
                # admits d
                right[j] = self._selects[rule.policy_index][reps] & ports
        rows, row_class = self._classes(self._left_side(direction), method)
        cols, rep_class = _distinct_or_all(right.T, method)
        col_class = rep_class[kind]
        if direction == "egress":
            row_of = np.full(n, len(rows), dtype=np.intp)   # the open row
            row_of[isolated] = row_class[isolated]
            return Side(direction, row_of, col_class, rows, cols, open_row=True)
        col_of = np.full(n, len(cols), dtype=np.intp)      # the open column
        col_of[isolated] = col_class
        return Side(direction, row_class, col_of, rows, cols, open_row=False,
                    rows_t=self._rows_t(rows))

    @staticmethod
    def _classes(left: tuple[np.ndarray, tuple[np.ndarray, np.ndarray]], method: str
                 ) -> tuple[np.ndarray, np.ndarray]:
        matrix, distinct = left
        if method == "matmul":
            return matrix, np.arange(len(matrix), dtype=np.intp)
        return distinct[0], distinct[1].astype(np.intp)

    def _rows_t(self, rows: np.ndarray) -> np.ndarray:
        """``rows.T`` made contiguous, once per distinct ingress left side (the same array at
        every port): the sparse OR products read it rule by rule."""
        cached = self._transposed.get(id(rows))
        if cached is None or cached[0] is not rows:
            cached = self._transposed[id(rows)] = (rows, np.ascontiguousarray(rows.T))
        return cached[1]

    def _left_side(self, direction: str) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """The port-independent factor of a direction's product, and its distinct rows (cached).

        Egress: pods × rules, whether the rule's policy selects the source.
        Ingress: endpoints × rules, whether a peer of the rule matches the source.
        """
        cached = self._left.get(direction)
        if cached is None:
            rules = self._rules[direction]
            if direction == "egress":
                left = self._selects[[r.policy_index for r in rules]].T
            elif rules:
                left = np.stack([r.peers for r in rules], axis=1)
            else:
                left = np.zeros((len(self.endpoints), 0), dtype=bool)
            cached = self._left[direction] = (left, _distinct(left))
        return cached

    def matrix(self, port: int | str | tuple[int, str] | ContainerPort = 80,
               protocol: str = "TCP", method: str = "dedupe") -> ReachabilityMatrix:
        """Every (source, destination) pair for one port, as boolean matrices.

        Parameters
        ----------
        port : int, str, tuple or ContainerPort
            ``8080``, ``"53/UDP"``, ``(53, "UDP")`` or a container port.
        protocol : str
            Used when ``port`` is a bare number.
        method : {"dedupe", "matmul"}
            ``dedupe`` multiplies only distinct rows and columns; ``matmul``
            multiplies the full matrices. Both give the same answer.
        """
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {method!r}")
        number, protocol = _port(port, protocol)
        key = (number, protocol, method)
        cached = self._matrices.get(key)
        if cached is None:
            cached = ReachabilityMatrix(self, number, protocol,
                                        self._direction("egress", number, protocol, method),
                                        self._direction("ingress", number, protocol, method))
            if self.cache_matrices:
                self._matrices[key] = cached
        return cached

    def rule_label(self, direction: str, index: int) -> str:
        """``namespace/policy#k``: rule ``k`` (1-based) of the ``index``-th rule in force."""
        rule = self._rules[direction][index]
        return rule.label

    # -- rows on demand ------------------------------------------------------------------

    @property
    def scenario(self) -> Scenario:
        """The per-connection engine for the same cluster and policies (built on first use)."""
        if self._scenario is None:
            self._scenario = Scenario(self.cluster, self.policies)
        return self._scenario

    def index(self, endpoint: str | Endpoint) -> int:
        """Row/column of an endpoint given by id, name or IP (as ``Cluster.endpoint``).

        Raises :class:`~netpol_lab.errors.UnknownEndpointError` for an address
        that is not one of the cluster's endpoints.
        """
        found = self.cluster.endpoint(endpoint)
        if found.id not in self._position:
            raise UnknownEndpointError(
                f"{found.id} is not an endpoint of this cluster, so the matrix has no row for it",
                expected="namespace/pod or the name of one of the cluster's external endpoints; "
                "Scenario.evaluate answers for any IP")
        return self._position[found.id]


class Side:
    """One direction at one port, factored: ``ok[s, d] = small[row_of[s], col_of[d]]``.

    Pods with the same labels (and so the same rules) share a row or column
    class, so a 20,000-pod cluster's direction is a few hundred × a few
    hundred booleans plus two index vectors, never 400 million cells.
    ``rows`` (classes × rules) and ``cols`` (classes × rules) say which rules
    each class takes part in; ``small = rows @ cols.T > 0``. The last row
    (egress: sources not isolated, or external) or the last column (ingress:
    destinations not isolated, or external) is the "open" class, all ``True``.
    """

    def __init__(self, direction: str, row_of: np.ndarray, col_of: np.ndarray,
                 rows: np.ndarray, cols: np.ndarray, open_row: bool,
                 rows_t: np.ndarray | None = None) -> None:
        self.direction = direction
        self.row_of, self.col_of = row_of, col_of
        self._rows, self._cols = rows, cols
        # the selecting side (egress: which rules' policies pick the source; ingress: the
        # destination) is sparse: a pod is picked by a few policies of its namespace. An OR
        # of each class's few rules then costs far less than a dense product of all rules.
        selecting = rows if open_row else cols
        self._sparse = (selecting.size > 0 and rows.shape[0] * cols.shape[0] * rows.shape[1]
                        > DENSE_PRODUCT_LIMIT
                        and np.count_nonzero(selecting) <= SPARSE_SHARE * selecting.size)
        if not self._sparse:
            product = (rows.astype(np.float32) @ cols.T.astype(np.float32)) > 0.5
        elif open_row:
            product = _or_product(rows, cols)
        else:
            product = _or_product(cols, rows, rows_t).T
        if open_row:
            self.small = np.vstack([product, np.ones((1, product.shape[1]), dtype=bool)])
        else:
            self.small = np.hstack([product, np.ones((product.shape[0], 1), dtype=bool)])
        self._open_row = open_row
        self._rows_t = rows_t
        self._first: np.ndarray | None = None

    def block(self, sources: np.ndarray, destinations: np.ndarray) -> np.ndarray:
        """``ok`` for the rows ``sources`` and the columns ``destinations`` (index arrays)."""
        # two gathers (rows, then columns) are several times faster than one 2-D fancy index
        return np.take(np.take(self.small, self.row_of[sources], axis=0),
                       self.col_of[destinations], axis=1)

    def full(self) -> np.ndarray:
        everyone = np.arange(len(self.row_of))
        return self.block(everyone, everyone)

    def first_rule(self) -> np.ndarray:
        """Per (row class, column class): the first rule in force that allows it, or -1.

        "First" is in policy order, then rule order: the rule the CSV and JSON
        rows name. Computed on the classes in blocks of 52 rules with one
        float64 product each: rule ``j`` of a block weighs ``2**-j``, so the
        exponent of a sum names its first rule exactly.
        """
        if self._first is None and self._sparse:
            first = np.full(self.small.shape, -1, dtype=np.int32)
            if self._open_row:
                first[:-1] = _first_of(self._rows, self._cols)
            else:
                first[:, :-1] = _first_of(self._cols, self._rows, self._rows_t).T
            self._first = first
        if self._first is None:
            rows, cols = self._rows, self._cols
            first = np.full(self.small.shape, -1, dtype=np.int32)
            core = first[:-1] if self._open_row else first[:, :-1]
            todo = self.small[:-1].copy() if self._open_row else self.small[:, :-1].copy()
            n_rules = rows.shape[1]
            for start in range(0, n_rules, 52):
                if not todo.any():
                    break
                stop = min(start + 52, n_rules)
                weights = np.ldexp(1.0, -np.arange(stop - start))
                sums = rows[:, start:stop].astype(np.float64) @ (
                    cols[:, start:stop].astype(np.float64) * weights).T
                hit = todo & (sums > 0)
                _, exponent = np.frexp(sums[hit])
                core[hit] = start + 1 - exponent
                todo &= ~hit
            self._first = first
        return self._first


def _or_product(sparse: np.ndarray, dense: np.ndarray, dense_t: np.ndarray | None = None
                ) -> np.ndarray:
    """``(sparse @ dense.T) > 0`` for booleans, one OR of a few rows per row of ``sparse``.

    ``dense_t``: ``dense.T`` already contiguous, if the caller has it."""
    if dense_t is None:
        dense_t = np.ascontiguousarray(dense.T)  # rules × columns
    out = np.zeros((sparse.shape[0], dense.shape[0]), dtype=bool)
    for k, row in enumerate(sparse):
        rules = np.flatnonzero(row)
        if len(rules) == 1:
            out[k] = dense_t[rules[0]]
        elif len(rules):
            np.any(dense_t[rules], axis=0, out=out[k])
    return out


def _first_of(sparse: np.ndarray, dense: np.ndarray, dense_t: np.ndarray | None = None
              ) -> np.ndarray:
    """For each (row of ``sparse``, row of ``dense``): the first rule both have, or -1."""
    if dense_t is None:
        dense_t = np.ascontiguousarray(dense.T)
    out = np.full((sparse.shape[0], dense.shape[0]), -1, dtype=np.int32)
    for k, row in enumerate(sparse):
        rules = np.flatnonzero(row)
        if len(rules):
            hits = dense_t[rules]
            first = hits.argmax(axis=0)
            out[k] = np.where(hits[first, np.arange(hits.shape[1])], rules[first], -1)
    return out


def _distinct_or_all(matrix: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """``_distinct(matrix)``, or every row as its own class with ``method="matmul"``."""
    if method == "matmul":
        return matrix, np.arange(len(matrix), dtype=np.intp)
    rows, of = _distinct(matrix)
    return rows, of.astype(np.intp)


def _distinct(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of a boolean matrix, and for each row the index of its copy."""
    if not matrix.shape[0] or not matrix.shape[1]:
        return matrix[:1], np.zeros(matrix.shape[0], dtype=np.intp)
    if matrix.T.flags.c_contiguous and not matrix.flags.c_contiguous:
        # a transposed view (``right.T``): pack along its memory order, then transpose the
        # 8× smaller packed array, instead of packing across strides
        packed = np.ascontiguousarray(np.packbits(matrix.T, axis=0).T)
    else:
        packed = np.ascontiguousarray(np.packbits(matrix, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return matrix[first], inverse.ravel()


def _port(port: int | str | tuple[int, str] | ContainerPort, protocol: str) -> tuple[int, str]:
    if isinstance(port, ContainerPort):
        return port.port, port.protocol
    if isinstance(port, tuple):
        port, protocol = port
    from .model import ExternalEndpoint

    return resolve_port(port, protocol.upper(), ExternalEndpoint("-", "0.0.0.0"))


class ReachabilityMatrix:
    """All pairs of a cluster for one port: who may open a connection to whom.

    Row ``s``, column ``d`` is the connection from ``ids[s]`` to ``ids[d]``.
    The verdicts are held factored (:class:`Side`, per direction) and the
    full ``n × n`` arrays below are built on first access: a writer that
    streams rows (:mod:`netpol_lab.rows`) never needs them.

    Attributes
    ----------
    allowed : numpy.ndarray of bool, shape (n, n)
        The verdict (loopback included; ``False`` for external → external).
    egress, ingress : numpy.ndarray of bool, shape (n, n)
        Whether each direction lets the pair through (``True`` when that end is
        external or not isolated for the direction).
    connections : numpy.ndarray of bool, shape (n, n)
        ``False`` for external → external, which is not a connection.
    sides : dict of Side
        ``{"egress": ..., "ingress": ...}``, the factored form.
    """

    def __init__(self, reachability: Reachability, port: int, protocol: str,
                 egress: Side, ingress: Side) -> None:
        self.reachability = reachability
        self.port = port
        self.protocol = protocol
        self.sides = {"egress": egress, "ingress": ingress}
        self._full: dict[str, np.ndarray] = {}
        self._frame: Any = None

    def block(self, sources: np.ndarray, destinations: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(allowed, egress, ingress)`` for the given rows and columns (index arrays)."""
        p = self.reachability.n_pods
        egress = self.sides["egress"].block(sources, destinations)
        ingress = self.sides["ingress"].block(sources, destinations)
        allowed = egress & ingress
        allowed &= (sources < p)[:, None] | (destinations < p)[None, :]
        allowed |= (sources[:, None] == destinations[None, :]) & (sources < p)[:, None]
        return allowed, egress, ingress

    def _get(self, name: str) -> np.ndarray:
        if name not in self._full:
            everyone = np.arange(len(self.reachability.endpoints))
            self._full["allowed"], self._full["egress"], self._full["ingress"] = \
                self.block(everyone, everyone)
        return self._full[name]

    @property
    def allowed(self) -> np.ndarray:
        return self._get("allowed")

    @property
    def egress(self) -> np.ndarray:
        return self._get("egress")

    @property
    def ingress(self) -> np.ndarray:
        return self._get("ingress")

    @property
    def connections(self) -> np.ndarray:
        n, p = len(self.reachability.endpoints), self.reachability.n_pods
        out = np.ones((n, n), dtype=bool)
        out[p:, p:] = False
        return out

    @property
    def ids(self) -> list[str]:
        return self.reachability.ids

    def allowed_between(self, source: str | Endpoint, destination: str | Endpoint) -> bool:
        """The verdict of one pair, looked up in the matrix."""
        r = self.reachability
        return bool(self.allowed[r.index(source), r.index(destination)])

    def verdict(self, source: str | Endpoint, destination: str | Endpoint) -> Verdict:
        """The full :class:`~netpol_lab.engine.Verdict` of one pair, with its explanation."""
        return self.reachability.scenario.evaluate(source, destination, self.port, self.protocol)

    def status(self, direction: str) -> np.ndarray:
        """Codes into :data:`STATUSES` for ``direction``, as the table's columns show them.

        ``open`` (not isolated), ``allowed``, ``denied``, ``n/a`` (that end is
        external) or ``loopback`` (a pod to itself).
        """
        ok = self.egress if direction == "egress" else self.ingress
        return _status_codes(self.reachability, direction, ok,
                             np.arange(len(self.reachability.endpoints)))

    def pairs(self, allowed: bool = True) -> Iterator[tuple[str, str]]:
        """Yield ``(source, destination)`` ids of the allowed (or denied) connections."""
        want = self.allowed if allowed else (~self.allowed & self.connections)
        ids = self.ids
        for s, d in zip(*np.nonzero(want), strict=True):
            yield ids[s], ids[d]

    def to_frame(self) -> pd.DataFrame:
        """The matrix as a pandas DataFrame (nullable booleans; ``NA`` for external → external)."""
        import pandas as pd

        if self._frame is None:
            ids = self.ids
            no_connection = ~self.connections
            columns = {ids[d]: pd.arrays.BooleanArray(self.allowed[:, d], no_connection[:, d])
                       for d in range(len(ids))}
            frame = pd.DataFrame(columns, index=pd.Index(ids, name="source"))
            frame.columns.name = "destination"
            self._frame = frame
        return self._frame


def _status_codes(r: Reachability, direction: str, ok: np.ndarray,
                  sources: np.ndarray) -> np.ndarray:
    """Status codes (into :data:`STATUSES`) of the rows ``sources``, given whether
    ``direction`` lets each pair through (``ok``: one row per source, every destination)."""
    p = r.n_pods
    isolated = r.isolated[direction]
    isolated = isolated[sources, None] if direction == "egress" else isolated[None, :]
    codes = np.where(isolated, np.where(ok, 1, 2), 0).astype(np.int8)
    if direction == "egress":
        codes[sources >= p, :] = 3
    else:
        codes[:, p:] = 3
    pods = np.nonzero(sources < p)[0]
    codes[pods, sources[pods]] = 4
    return codes


def reachability(cluster: Cluster | Scenario, policies: Iterable[NetworkPolicy] | None = None,
                 port: int | str | tuple[int, str] | ContainerPort = 80, protocol: str = "TCP",
                 method: str = "dedupe") -> ReachabilityMatrix:
    """Every pair of the cluster for one port: shorthand for ``Reachability(...).matrix(...)``.

    Examples
    --------
    >>> import netpol_lab as nl
    >>> m = reachability(nl.default_cluster(), [], port=80)
    >>> bool(m.allowed[m.connections].all())     # no policy: every connection is open
    True
    """
    return Reachability(cluster, policies).matrix(port, protocol, method)


# -- the traffic table, in chunks ------------------------------------------------------


def _table_plan(r: Reachability, ports: Sequence[tuple[int, str]] | None
                ) -> tuple[np.ndarray, np.ndarray, list[str], list[tuple[int, str]]]:
    """The table's destination side in row order: (destination, port key, port name) arrays."""
    keys: dict[tuple[int, str], int] = {}
    dst, key, names = [], [], []
    for d, ep in enumerate(r.endpoints):
        if ports is None:
            wanted = [(cp.port, cp.protocol, cp.name) for cp in ep.ports]
        else:
            declared = {(cp.port, cp.protocol): cp.name for cp in ep.ports}
            wanted = [(number, proto, declared.get((number, proto))) for number, proto in ports]
        for number, proto, name in wanted:
            dst.append(d)
            key.append(keys.setdefault((number, proto), len(keys)))
            names.append(name or "")
    return (np.array(dst, dtype=np.intp), np.array(key, dtype=np.intp), names, list(keys))


def _summary(allowed: bool, egress: str, ingress: str) -> str:
    """A reason without rule names, for rows whose full reason was not computed."""
    if "loopback" in (egress, ingress):
        return LOOPBACK_REASON
    words = {"open": "not isolated", "allowed": "allowed by a rule",
             "denied": "isolated, no rule allows it", "n/a": "outside the cluster"}
    parts = [f"egress {words[egress]}", f"ingress {words[ingress]}"]
    if not allowed:
        parts = [p for p, s in zip(parts, (egress, ingress), strict=True) if s == "denied"]
    verdict = "allowed" if allowed else "denied"
    return f"{verdict}: " + "; ".join(parts) + " (explain_rows() gives the rules)"


def iter_table(cluster: Cluster | Scenario | Reachability,
               policies: Iterable[NetworkPolicy] | None = None,
               ports: Sequence[tuple[int, str]] | None = None, chunk_rows: int = 1_000_000,
               method: str = "dedupe") -> Iterator[pd.DataFrame]:
    """The traffic table in chunks of about ``chunk_rows`` rows, in the order of ``traffic_table``.

    The columns are those of :func:`~netpol_lab.table.traffic_table`.
    ``allowed``, ``egress`` and ``ingress`` are exact. ``allowed_by`` is
    missing (``NA``) and ``reason`` is a summary without rule names, the same
    for every row with the same statuses: computing the full reason of 25
    million rows would need 25 million verdicts. :func:`explain_rows` fills
    both in for the rows you select.

    ``source``, ``destination``, ``protocol``, ``port_name``, ``egress``,
    ``ingress`` and ``reason`` are categorical columns, so a chunk holds
    small integer codes, not one Python string per row.

    Parameters
    ----------
    ports : list of (port, protocol), optional
        As :func:`netpol_lab.table.parse_ports` returns; by default each
        destination's declared container ports.
    """
    import pandas as pd

    r = cluster if isinstance(cluster, Reachability) else Reachability(cluster, policies)
    dst, key, names, keys = _table_plan(r, ports)
    p, per_source = r.n_pods, len(dst)
    if per_source == 0 or not r.endpoints:
        yield _empty_table(pd)
        return
    n = len(r.endpoints)
    packed = []  # per port: allowed, egress, ingress as bits (n × n/8 bytes each)
    for k in keys:
        m = r.matrix(k, method=method)
        packed.append([np.packbits(a, axis=1) for a in (m.allowed, m.egress, m.ingress)])
        del m
    ids = pd.CategoricalDtype(r.ids)
    name_categories = sorted(set(names))
    name_position = {name: i for i, name in enumerate(name_categories)}
    name_codes = np.array([name_position[x] for x in names], dtype=np.int32)
    protocols = pd.CategoricalDtype(["TCP", "UDP", "SCTP"])
    protocol_codes = np.array([("TCP", "UDP", "SCTP").index(k[1]) for k in keys], dtype=np.int8)
    port_numbers = np.array([k[0] for k in keys], dtype=np.int32)
    statuses = pd.CategoricalDtype(STATUSES)
    combos = [(a, e, i) for a in (True, False) for e in STATUSES for i in STATUSES]
    reasons = pd.CategoricalDtype(sorted({_summary(*c) for c in combos}))
    reason_code = np.array([reasons.categories.get_loc(_summary(*c)) for c in combos])
    by_key = [np.nonzero(key == k)[0] for k in range(len(keys))]
    sources_per_chunk = max(1, chunk_rows // per_source)
    for start in range(0, len(r.endpoints), sources_per_chunk):
        src = np.arange(start, min(start + sources_per_chunk, len(r.endpoints)))
        block = {name: np.empty((len(src), per_source), dtype=np.int8)
                 for name in ("allowed", "egress", "ingress")}
        for k, columns in enumerate(by_key):
            allowed, egress, ingress = (np.unpackbits(bits[src], axis=1, count=n).astype(bool)
                                        for bits in packed[k])
            cols = dst[columns]
            block["allowed"][:, columns] = allowed[:, cols]
            block["egress"][:, columns] = _status_codes(r, "egress", egress, src)[:, cols]
            block["ingress"][:, columns] = _status_codes(r, "ingress", ingress, src)[:, cols]
        keep = np.ones((len(src), per_source), dtype=bool)
        keep[src >= p] = dst[None, :] < p  # external → external is not a connection
        keep = keep.ravel()
        allowed = block["allowed"].ravel()[keep].astype(bool)
        egress = block["egress"].ravel()[keep]
        ingress = block["ingress"].ravel()[keep]
        combo = (~allowed).astype(np.intp) * 25 + egress.astype(np.intp) * 5 + ingress
        row_key = np.tile(key, len(src))[keep]
        frame = pd.DataFrame({
            "source": pd.Categorical.from_codes(np.repeat(src, per_source)[keep], dtype=ids),
            "destination": pd.Categorical.from_codes(np.tile(dst, len(src))[keep], dtype=ids),
            "port": port_numbers[row_key],
            "protocol": pd.Categorical.from_codes(protocol_codes[row_key], dtype=protocols),
            "port_name": pd.Categorical.from_codes(np.tile(name_codes, len(src))[keep],
                                                   categories=name_categories),
            "allowed": allowed,
            "egress": pd.Categorical.from_codes(egress, dtype=statuses),
            "ingress": pd.Categorical.from_codes(ingress, dtype=statuses),
            "allowed_by": pd.Categorical.from_codes(np.full(len(allowed), -1, dtype=np.int8),
                                                    categories=[""]),  # NA: not computed
            "reason": pd.Categorical.from_codes(reason_code[combo], dtype=reasons),
        })
        yield frame


def _empty_table(pd: Any) -> pd.DataFrame:
    return pd.DataFrame({c: [] for c in COLUMNS}, columns=COLUMNS)


def explain_rows(cluster: Cluster | Scenario | Reachability, table: pd.DataFrame,
                 policies: Iterable[NetworkPolicy] | None = None) -> pd.DataFrame:
    """Fill in ``allowed_by`` and ``reason`` for the rows of ``table``, from the engine.

    Use it on a selection of a large table (for example the denied rows of
    one namespace): each row costs one
    :meth:`~netpol_lab.engine.Scenario.evaluate` call.

    Returns a copy of ``table`` with plain string ``allowed_by`` and ``reason``.
    """
    if isinstance(cluster, Reachability):
        scenario = cluster.scenario
    elif isinstance(cluster, Scenario):
        scenario = cluster
    else:
        scenario = Scenario(cluster, policies or ())
    out = table.copy()
    allowed_by, reasons = [], []
    for src, dst, port, protocol in zip(out["source"], out["destination"], out["port"],
                                        out["protocol"], strict=True):
        verdict = scenario.evaluate(str(src), str(dst), int(port), str(protocol))
        allowed_by.append(", ".join(c.label for c in verdict.allowed_by))
        reasons.append(verdict.reason)
    out["allowed_by"] = allowed_by
    out["reason"] = reasons
    return out
