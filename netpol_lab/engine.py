"""Verdicts: is a connection allowed, and why.

A connection from a source to a destination on a port is allowed exactly when
**egress** is allowed at the source (if it is a pod) **and ingress** is allowed
at the destination (if it is a pod) (semantics reference, section 7). For each
direction:

1. the policies that select the pod and have that direction in their
   ``policyTypes`` *isolate* it; with none, everything is allowed;
2. an isolated pod accepts exactly the union of those policies' rules: a rule
   matches when (no peers, or any peer matches) and (no ports, or any port
   matches).

Evaluation records every rule it looked at, so the explanation is a
by-product of evaluation rather than a second code path that could drift.

Examples
--------
>>> from netpol_lab import default_cluster, load_policies, Scenario
>>> s = Scenario(default_cluster(), load_policies('''
... apiVersion: networking.k8s.io/v1
... kind: NetworkPolicy
... metadata: {name: api-ingress, namespace: production}
... spec:
...   podSelector: {matchLabels: {app: api}}
...   ingress:
...     - from: [{podSelector: {matchLabels: {app: frontend}}}]
...       ports: [{port: 8080}]
... '''))
>>> s.evaluate("production/frontend", "production/api", 8080).allowed
True
>>> print(s.evaluate("production/cache", "production/api", 8080).reason)
denied: production/api is isolated for ingress by api-ingress and its only rule does not allow this (rule 1: peer does not match)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .errors import NetpolError, UnknownEndpointError
from .model import Cluster, Endpoint, Pod
from .policy import PROTOCOLS, NetworkPolicy, Peer, PolicyPort, Rule

DIRECTIONS = ("egress", "ingress")


@dataclass(frozen=True, eq=False)
class Connection:
    """Who opens a connection to whom: ``source`` → ``destination`` on ``port``/``protocol``."""

    source: Endpoint
    destination: Endpoint
    port: int
    protocol: str = "TCP"

    def __str__(self) -> str:
        return f"{self.source.id} → {self.destination.id} on {self.protocol} {self.port}"


@dataclass(frozen=True, eq=False)
class RuleCheck:
    """How one rule of one policy fared against a connection.

    ``peer_index``/``port_index`` give the first ``from``/``to`` item and
    ``ports`` entry that matched (``None``: the list was empty, so everything
    matches; ``-1``: nothing matched).
    """

    policy: NetworkPolicy
    direction: str
    index: int
    peer_index: int | None
    port_index: int | None
    remote: Endpoint | None = None

    @property
    def peer_matches(self) -> bool:
        return self.peer_index != -1

    @property
    def port_matches(self) -> bool:
        return self.port_index != -1

    @property
    def allowed(self) -> bool:
        return self.peer_matches and self.port_matches

    @property
    def rule(self) -> Rule:
        return self.policy.rules(self.direction)[self.index]

    @property
    def label(self) -> str:
        """``api-ingress rule 1`` (rules are counted from 1 in prose)."""
        return f"{self.policy.name} rule {self.index + 1}"

    @property
    def field_path(self) -> str:
        return f"spec.{self.direction}[{self.index}]"

    def describe(self) -> str:
        """Why this rule matched or not, in words."""
        key = "from" if self.direction == "ingress" else "to"
        rule = self.rule
        if self.peer_index is None:
            peer = f"no '{key}', so every peer matches"
        elif self.peer_index >= 0:
            peer = (f"{key}[{self.peer_index}] matches "
                    f"({rule.peers[self.peer_index].describe(self.policy.namespace)})")
        else:
            who = describe_endpoint(self.remote) if self.remote is not None else "the other end"
            items = [f"{key}[{j}] is {p.describe(self.policy.namespace)}"
                     for j, p in enumerate(rule.peers)]
            peer = (f"peer does not match {who}: {items[0]}" if len(items) == 1
                    else f"no peer matches {who}: " + ", ".join(items))
        if self.port_index is None:
            port = "no 'ports', so every port matches"
        elif self.port_index >= 0:
            port = f"port matches ({rule.ports[self.port_index]})"
        else:
            port = "port does not match (" + ", ".join(str(p) for p in rule.ports) + ")"
        return f"{self.label} ({self.field_path}): {peer}; {port}"

    def short(self) -> str:
        """``rule 1: peer does not match`` for one-line reasons."""
        failed = []
        if not self.peer_matches:
            failed.append("peer")
        if not self.port_matches:
            failed.append("port")
        verb = "do not match" if len(failed) == 2 else "does not match"
        return f"rule {self.index + 1}: {' and '.join(failed)} {verb}"


@dataclass(frozen=True, eq=False)
class DirectionVerdict:
    """The verdict of one direction: egress at the source or ingress at the destination.

    ``applies`` is False when that end is not a pod (an external endpoint has
    no policies). ``isolating`` lists the policies that select the pod for
    this direction; ``checks`` every rule of those policies and how it fared.
    """

    direction: str
    endpoint: Endpoint
    applies: bool
    isolating: tuple[NetworkPolicy, ...]
    checks: tuple[RuleCheck, ...]

    @property
    def isolated(self) -> bool:
        return bool(self.isolating)

    @property
    def allowed(self) -> bool:
        return not self.isolated or any(c.allowed for c in self.checks)

    @property
    def allowed_by(self) -> tuple[RuleCheck, ...]:
        """The rules that allow the connection (empty when not isolated)."""
        return tuple(c for c in self.checks if c.allowed)

    @property
    def status(self) -> str:
        """One word for tables: ``open``, ``allowed``, ``denied`` or ``n/a``."""
        if not self.applies:
            return "n/a"
        if not self.isolated:
            return "open"
        return "allowed" if self.allowed else "denied"

    def _policy_names(self) -> str:
        names = [p.name for p in self.isolating]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    def short(self) -> str:
        """One clause for the table's reason column."""
        who = self.endpoint.id
        if not self.applies:
            return f"{who} is outside the cluster (no {self.direction} policy)"
        if not self.isolated:
            return f"{who} is not isolated for {self.direction}"
        if self.allowed:
            return f"{self.direction} allowed by " + ", ".join(
                f"{c.policy.name} rule {c.index + 1}" for c in self.allowed_by)
        n = len(self.checks)
        if not n:
            which = "which has" if len(self.isolating) == 1 else "which have"
            return (f"{who} is isolated for {self.direction} by {self._policy_names()}, {which} "
                    f"no {self.direction} rules, so nothing is allowed")
        fails = "; ".join(c.short() for c in self.checks)
        policies = "its" if len(self.isolating) == 1 else "their"
        if n == 1:
            return (f"{who} is isolated for {self.direction} by {self._policy_names()} and "
                    f"{policies} only rule does not allow this ({fails})")
        return (f"{who} is isolated for {self.direction} by {self._policy_names()} and none of "
                f"{policies} {n} rules allows this ({fails})")

    def explain(self) -> str:
        """Several lines: isolation, then each rule and why it matched or not."""
        head = f"{self.direction} at {self.endpoint.id}: "
        if not self.applies:
            return head + "not checked, it is outside the cluster and has no policies"
        if not self.isolated:
            return head + (f"open: no policy selects it with {self.direction.capitalize()} in "
                           f"its policyTypes, so all {self.direction} is allowed")
        lines = [head + f"isolated by {self._policy_names()}; "
                 + ("ALLOWED" if self.allowed else "DENIED, no rule allows it")]
        for policy in self.isolating:
            if not policy.rules(self.direction):
                lines.append(f"  - {policy.name} has no {self.direction} rules: "
                             f"it allows no {self.direction} by itself")
        lines += [f"  - {'✓' if c.allowed else '✗'} {c.describe()}" for c in self.checks]
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class Verdict:
    """The answer for one connection, with its reasons.

    ``allowed`` is ``egress.allowed and ingress.allowed``, except that a pod
    can always reach itself (``loopback``).
    """

    connection: Connection
    egress: DirectionVerdict
    ingress: DirectionVerdict
    loopback: bool = False

    @property
    def allowed(self) -> bool:
        return self.loopback or (self.egress.allowed and self.ingress.allowed)

    @property
    def allowed_by(self) -> tuple[RuleCheck, ...]:
        return (*self.egress.allowed_by, *self.ingress.allowed_by)

    @property
    def reason(self) -> str:
        """One line: ``allowed: ...`` or ``denied: ...``."""
        if self.loopback:
            return "allowed: a pod can always reach itself (loopback is never blocked)"
        if self.allowed:
            if not self.allowed_by:
                applicable = [d for d in (self.egress, self.ingress) if d.applies]
                return "allowed: " + ("; ".join(d.short() for d in applicable)
                                      or "no policy applies")
            return "allowed: " + "; ".join(d.short() for d in (self.egress, self.ingress)
                                           if d.isolated)
        return "denied: " + "; ".join(d.short() for d in (self.egress, self.ingress)
                                      if not d.allowed)

    def explain(self) -> str:
        """The full explanation: the verdict, then egress and ingress in turn."""
        head = f"{self.connection}: {'ALLOWED' if self.allowed else 'DENIED'}"
        if self.loopback:
            return head + "\n  a pod can always reach itself; policies never block loopback"
        return "\n".join([head, "  " + self.egress.explain().replace("\n", "\n  "),
                          "  " + self.ingress.explain().replace("\n", "\n  ")])

    def __str__(self) -> str:
        return self.explain()


def describe_endpoint(endpoint: Endpoint) -> str:
    """An endpoint with what peers look at: ``staging/frontend (app=frontend, namespace staging, ...)``."""
    if not isinstance(endpoint, Pod):
        return f"{endpoint.id} ({endpoint.ip}, outside the cluster)"
    labels = ",".join(f"{k}={v}" for k, v in endpoint.labels.items()) or "no labels"
    return f"{endpoint.id} ({labels}, namespace {endpoint.namespace}, IP {endpoint.ip})"


def peer_matches(peer: Peer, policy_namespace: str, remote: Endpoint, cluster: Cluster) -> bool:
    """Whether ``remote`` is one of the endpoints ``peer`` describes (section 4).

    ``ipBlock`` matches by IP, pods included (lab choice, as the upstream [Feature:NetworkPolicy]
    e2e tests, not conformance tests); selectors match only pods.
    """
    if peer.ip_block is not None:
        return peer.ip_block.contains(remote.ip)
    if not isinstance(remote, Pod):
        return False
    if peer.namespace_selector is None:
        in_namespace = remote.namespace == policy_namespace
    else:
        in_namespace = peer.namespace_selector.matches(cluster.namespace_labels(remote.namespace))
    if not in_namespace:
        return False
    return peer.pod_selector is None or peer.pod_selector.matches(remote.labels)


def port_matches(entry: PolicyPort, port: int, protocol: str, destination: Endpoint) -> bool:
    """Whether a ``ports`` entry admits ``port``/``protocol`` towards ``destination`` (section 6).

    A named port is looked up in the destination pod's container ports (name
    and protocol must match); an external destination has none.
    """
    if entry.protocol != protocol:
        return False
    if entry.port is None:
        return True
    if isinstance(entry.port, str):
        return isinstance(destination, Pod) and any(
            cp.name == entry.port and cp.protocol == protocol and cp.port == port
            for cp in destination.ports
        )
    if entry.end_port is not None:
        return entry.port <= port <= entry.end_port
    return entry.port == port


def _first(items: tuple, predicate) -> int | None:
    if not items:
        return None
    for i, item in enumerate(items):
        if predicate(item):
            return i
    return -1


class _PortIndex:
    """A rule's ``ports`` list compiled for look-ups: which entry first admits a port.

    Equivalent to scanning the entries with :func:`port_matches` in order, but a
    numbered port is one dictionary look-up, so a rule of 100,000 entries does
    not cost 100,000 comparisons per question (issue 11). Ranges and named
    ports are still scanned in order, up to the first match.
    """

    def __init__(self, entries: tuple[PolicyPort, ...]) -> None:
        self.empty = not entries
        self.exact: dict[tuple[int, str], int] = {}
        self.every: dict[str, int] = {}
        self.others: list[tuple[int, PolicyPort]] = []  # ranges and named ports, in order
        for i, entry in enumerate(entries):
            if entry.port is None:
                self.every.setdefault(entry.protocol, i)
            elif isinstance(entry.port, int) and entry.end_port is None:
                self.exact.setdefault((entry.port, entry.protocol), i)
            else:
                self.others.append((i, entry))

    def first(self, port: int, protocol: str, destination: Endpoint) -> int | None:
        """The index of the first entry admitting ``port``/``protocol``; -1 if none, None if
        the rule has no ``ports`` (every port)."""
        if self.empty:
            return None
        best = -1
        for i in (self.exact.get((port, protocol)), self.every.get(protocol)):
            if i is not None and (best < 0 or i < best):
                best = i
        for i, entry in self.others:
            if 0 <= best <= i:
                break
            if port_matches(entry, port, protocol, destination):
                best = i
                break
        return best


class Scenario:
    """A cluster and a set of policies, compiled once for many questions.

    Which pods each policy selects is computed once, at construction; every
    :meth:`evaluate` then only walks the policies that isolate the two ends.

    Parameters
    ----------
    cluster : Cluster
    policies : iterable of NetworkPolicy
    """

    def __init__(self, cluster: Cluster, policies: Iterable[NetworkPolicy]) -> None:
        self.policies: tuple[NetworkPolicy, ...] = tuple(policies)
        self.cluster = cluster.with_namespaces(p.namespace for p in self.policies)
        self._port_indexes: dict[int, _PortIndex] = {}
        self._isolating: dict[str, dict[str, list[NetworkPolicy]]] = {
            d: {p.id: [] for p in self.cluster.pods} for d in DIRECTIONS
        }
        for policy in self.policies:
            for pod in self.selected_pods(policy):
                if policy.affects_egress:
                    self._isolating["egress"][pod.id].append(policy)
                if policy.affects_ingress:
                    self._isolating["ingress"][pod.id].append(policy)

    def _port_index(self, rule: Rule) -> _PortIndex:
        """``rule``'s ports as a look-up table, built on first use (the rule lives as long as
        the scenario, so its ``id`` is a safe key)."""
        index = self._port_indexes.get(id(rule))
        if index is None:
            index = self._port_indexes[id(rule)] = _PortIndex(rule.ports)
        return index

    def selected_pods(self, policy: NetworkPolicy) -> list[Pod]:
        """The pods ``policy`` applies to: its namespace, matching ``spec.podSelector``."""
        return [p for p in self.cluster.pods
                if p.namespace == policy.namespace and policy.pod_selector.matches(p.labels)]

    def isolating(self, pod: Pod | str, direction: str) -> tuple[NetworkPolicy, ...]:
        """The policies that isolate ``pod`` for ``direction`` ("ingress" or "egress")."""
        pod = self.cluster.endpoint(pod)
        if not isinstance(pod, Pod):
            return ()
        return tuple(self._isolating[direction].get(pod.id, ()))

    def direction_verdict(self, direction: str, local: Endpoint, remote: Endpoint, port: int,
                          protocol: str, destination: Endpoint) -> DirectionVerdict:
        """Evaluate one direction at ``local`` for traffic to/from ``remote``."""
        if not isinstance(local, Pod):
            return DirectionVerdict(direction, local, False, (), ())
        policies = tuple(self._isolating[direction].get(local.id, ()))
        checks = []
        for policy in policies:
            for i, rule in enumerate(policy.rules(direction)):
                peer = _first(rule.peers,
                              lambda p, ns=policy.namespace: peer_matches(p, ns, remote,
                                                                          self.cluster))
                ports = self._port_index(rule).first(port, protocol, destination)
                checks.append(RuleCheck(policy, direction, i, peer, ports, remote))
        return DirectionVerdict(direction, local, True, policies, tuple(checks))

    def evaluate(self, source: Endpoint | str, destination: Endpoint | str, port: int | str,
                 protocol: str = "TCP") -> Verdict:
        """Decide whether ``source`` may open a connection to ``destination`` on ``port``.

        ``source`` and ``destination`` are endpoints or names (``namespace/pod``,
        an external endpoint's name, or an IP). ``port`` is a number, a
        ``"8080/TCP"`` string, or the name of one of the destination's
        container ports.
        """
        src = self.cluster.endpoint(source)
        dst = self.cluster.endpoint(destination)
        number, protocol = resolve_port(port, protocol, dst)
        conn = Connection(src, dst, number, protocol)
        egress = self.direction_verdict("egress", src, dst, number, protocol, dst)
        ingress = self.direction_verdict("ingress", dst, src, number, protocol, dst)
        loopback = isinstance(src, Pod) and src is dst
        return Verdict(conn, egress, ingress, loopback)


def resolve_port(port: int | str, protocol: str, destination: Endpoint) -> tuple[int, str]:
    """Turn ``8080``, ``"8080"``, ``"53/UDP"`` or a container-port name into ``(number, protocol)``.

    Examples
    --------
    >>> from netpol_lab.model import ExternalEndpoint
    >>> resolve_port("53/udp", "TCP", ExternalEndpoint("dns", "8.8.8.8"))
    (53, 'UDP')
    """
    if isinstance(port, str):
        text = port.strip()
        if "/" in text:
            text, protocol = text.split("/", 1)
            protocol = protocol.strip().upper()
        if text.isascii() and text.isdigit():  # "٨٠" is a name, not 80
            port = int(text)
        else:
            named = [cp for cp in destination.ports if cp.name == text]
            if not named:
                raise UnknownEndpointError(
                    f"{destination.id} has no port named {text!r}",
                    expected="a port number or one of its named ports: "
                    + (", ".join(str(cp) for cp in destination.ports) or "none declared"),
                )
            return named[0].port, named[0].protocol
    if isinstance(protocol, str):
        protocol = protocol.strip().upper()  # a question, not a manifest: "udp" means UDP
    if protocol not in PROTOCOLS:
        raise NetpolError(f"{protocol!r} is not a protocol", expected="TCP, UDP or SCTP")
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise NetpolError(f"{port!r} is not a port", expected="a number from 1 to 65535")
    return port, protocol


def evaluate(cluster: Cluster, policies: Iterable[NetworkPolicy], source: Endpoint | str,
             destination: Endpoint | str, port: int | str, protocol: str = "TCP") -> Verdict:
    """Decide one connection: shorthand for ``Scenario(cluster, policies).evaluate(...)``.

    Examples
    --------
    >>> from netpol_lab import default_cluster
    >>> evaluate(default_cluster(), [], "production/frontend", "production/api", 8080).allowed
    True
    """
    return Scenario(cluster, policies).evaluate(source, destination, port, protocol)
