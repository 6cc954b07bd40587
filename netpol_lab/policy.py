"""NetworkPolicy as typed values, and the validation the API server performs.

A policy is read once into these frozen values; evaluation
(:mod:`netpol_lab.engine`) never looks at raw YAML. Field names follow the
Kubernetes API (``pod_selector``, ``namespace_selector``, ``ip_block``,
``end_port``, ``policy_types``) so that code maps to YAML without a glossary.

The default that trips most people is computed here, in
:func:`effective_policy_types` (semantics reference, section 2).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from . import fields
from .documents import Document, excerpt
from .selectors import LabelSelector, parse_selector

PROTOCOLS = ("TCP", "UDP", "SCTP")
POLICY_TYPES = ("Ingress", "Egress")
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

POLICY_EXAMPLE = """apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-ingress
  namespace: production
spec:
  podSelector:
    matchLabels:
      app: api
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchLabels:
              app: frontend
      ports:
        - protocol: TCP
          port: 8080"""
PEER_EXAMPLE = "from:\n  - podSelector:\n      matchLabels:\n        app: frontend"
IPBLOCK_EXAMPLE = "ipBlock:\n  cidr: 10.0.0.0/8\n  except:\n    - 10.0.1.0/24"
PORT_EXAMPLE = "ports:\n  - protocol: TCP\n    port: 8000\n    endPort: 8999"


@dataclass(frozen=True)
class IPBlock:
    """``ipBlock``: the addresses in ``cidr`` minus those in any ``except`` entry.

    ``cidr`` keeps the text as written (``10.1.2.3/8``) in ``cidr_text``; the
    network it means (``10.0.0.0/8``) is ``cidr``.

    Examples
    --------
    >>> block = IPBlock.parse({"cidr": "10.0.0.0/8", "except": ["10.0.1.0/24"]}, ("ipBlock",))
    >>> block.contains("10.0.5.1"), block.contains("10.0.1.7"), block.contains("192.168.0.1")
    (True, False, False)
    """

    cidr: IPNetwork
    except_: tuple[IPNetwork, ...] = ()
    cidr_text: str = ""

    def contains(self, ip: str | IPAddress | None) -> bool:
        """Whether ``ip`` is inside ``cidr`` and outside every ``except`` range."""
        if ip is None:
            return False
        addr = ipaddress.ip_address(ip) if isinstance(ip, str) else ip
        if addr.version != self.cidr.version or addr not in self.cidr:
            return False
        return not any(addr in ex for ex in self.except_)

    @property
    def host_bits_set(self) -> bool:
        """True when ``cidr`` was written with host bits (``10.1.2.3/8``)."""
        return bool(self.cidr_text) and self.cidr_text != str(self.cidr)

    def __str__(self) -> str:
        text = str(self.cidr)
        if self.except_:
            text += " except " + ", ".join(str(e) for e in self.except_)
        return text

    def to_manifest(self) -> dict:
        out: dict[str, Any] = {"cidr": self.cidr_text or str(self.cidr)}
        if self.except_:
            out["except"] = [str(e) for e in self.except_]
        return out

    @classmethod
    def parse(cls, value: Any, path: tuple) -> IPBlock:
        """Read and validate an ``ipBlock`` mapping (section 8 of the reference)."""
        data = fields.mapping(value, path, IPBLOCK_EXAMPLE, allow_null=False)
        fields.known_fields(data, path, ("cidr", "except"), IPBLOCK_EXAMPLE)
        if "cidr" not in data:
            fields.fail((*path, "cidr"), "ipBlock needs a cidr", "a CIDR such as 10.0.0.0/8",
                        IPBLOCK_EXAMPLE)
        text = fields.string(data["cidr"], (*path, "cidr"), IPBLOCK_EXAMPLE)
        cidr = _parse_cidr(text, (*path, "cidr"))
        excepts = []
        for i, item in enumerate(fields.sequence(data.get("except"), (*path, "except"),
                                                 IPBLOCK_EXAMPLE)):
            ex_path = (*path, "except", i)
            ex = _parse_cidr(fields.string(item, ex_path, IPBLOCK_EXAMPLE), ex_path)
            if ex.version != cidr.version or not ex.subnet_of(cidr) or ex.prefixlen <= cidr.prefixlen:
                fields.fail(ex_path, f"except entry {item} is not strictly inside cidr {cidr}",
                            f"a smaller range inside {cidr}", IPBLOCK_EXAMPLE)
            excepts.append(ex)
        return cls(cidr, tuple(excepts), text)


def _parse_cidr(text: str, path: tuple) -> IPNetwork:
    if "/" not in text:
        fields.fail(path, f"{excerpt(text)} is not a CIDR: the prefix length is missing",
                    f"CIDR notation, e.g. {text[:40]}/32 for one IPv4 address or /128 for IPv6",
                    IPBLOCK_EXAMPLE)
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError as exc:
        fields.fail(path, f"{excerpt(text)} is not a valid CIDR ({excerpt(str(exc), 80)[1:-1]})",
                    "an IPv4 or IPv6 network such as 203.0.113.0/24 or 2001:db8::/32",
                    IPBLOCK_EXAMPLE)
        raise  # unreachable: fail() raises


@dataclass(frozen=True)
class Peer:
    """One item of a rule's ``from`` or ``to`` list.

    Inside one item the fields are ANDed: ``pod_selector`` and
    ``namespace_selector`` together mean "these pods in those namespaces".
    ``pod_selector`` alone means pods of the policy's own namespace;
    ``namespace_selector`` alone means every pod of the matching namespaces.
    ``ip_block`` stands alone.
    """

    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None

    def describe(self, policy_namespace: str) -> str:
        """The peer in words, e.g. ``pods app=frontend in namespace production``."""
        if self.ip_block is not None:
            return f"IPs in {self.ip_block}"
        if self.namespace_selector is None:
            pods = "every pod" if self.pod_selector.is_empty else f"pods {self.pod_selector}"
            return f"{pods} in namespace {policy_namespace}"
        ns = ("every namespace" if self.namespace_selector.is_empty
              else f"namespaces {self.namespace_selector}")
        if self.pod_selector is None or self.pod_selector.is_empty:
            return f"every pod in {ns}"
        return f"pods {self.pod_selector} in {ns}"

    def to_manifest(self) -> dict:
        out: dict[str, Any] = {}
        if self.pod_selector is not None:
            out["podSelector"] = self.pod_selector.to_manifest()
        if self.namespace_selector is not None:
            out["namespaceSelector"] = self.namespace_selector.to_manifest()
        if self.ip_block is not None:
            out["ipBlock"] = self.ip_block.to_manifest()
        return out


@dataclass(frozen=True)
class PolicyPort:
    """One entry of a rule's ``ports`` list.

    ``port`` is a number, a named port (resolved against the destination pod's
    container ports) or ``None`` for every port of ``protocol``. With
    ``end_port`` the entry is the inclusive range ``port..end_port``.
    """

    protocol: str = "TCP"
    port: int | str | None = None
    end_port: int | None = None

    def __str__(self) -> str:
        if self.port is None:
            return f"{self.protocol} any port"
        if self.end_port is not None:
            return f"{self.protocol} {self.port}-{self.end_port}"
        return f"{self.protocol} {self.port}"

    def to_manifest(self) -> dict:
        out: dict[str, Any] = {"protocol": self.protocol}
        if self.port is not None:
            out["port"] = self.port
        if self.end_port is not None:
            out["endPort"] = self.end_port
        return out


@dataclass(frozen=True)
class Rule:
    """One ingress or egress rule: ``peers`` (``from``/``to``) and ``ports``.

    An empty ``peers`` tuple means every peer, an empty ``ports`` tuple every
    port: the rule ``{}`` allows everything.
    """

    peers: tuple[Peer, ...] = ()
    ports: tuple[PolicyPort, ...] = ()

    def to_manifest(self, direction: str) -> dict:
        out: dict[str, Any] = {}
        if self.peers:
            out["from" if direction == "ingress" else "to"] = [p.to_manifest() for p in self.peers]
        if self.ports:
            out["ports"] = [p.to_manifest() for p in self.ports]
        return out


@dataclass(frozen=True)
class Location:
    """Where a policy came from: its document, and the path of the policy inside it."""

    document: Document | None = None
    prefix: tuple = ()

    def line_of(self, path: tuple = ()) -> int | None:
        return self.document.line_of((*self.prefix, *path)) if self.document else None

    @property
    def number(self) -> int | None:
        return self.document.number if self.document else None

    @property
    def source(self) -> str | None:
        return self.document.source if self.document else None


@dataclass(frozen=True)
class NetworkPolicy:
    """A parsed ``networking.k8s.io/v1`` NetworkPolicy.

    ``policy_types`` is the *effective* list, default applied;
    ``declared_policy_types`` is what the manifest said (``None`` when absent).
    ``ingress`` and ``egress`` hold the rules as written, even when the
    policy type that would apply them is missing (lint reports that).
    """

    name: str
    namespace: str = "default"
    pod_selector: LabelSelector = field(default_factory=LabelSelector)
    policy_types: tuple[str, ...] = ("Ingress",)
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()
    declared_policy_types: tuple[str, ...] | None = None
    pod_selector_omitted: bool = False
    location: Location = field(default_factory=Location, compare=False, repr=False)

    @property
    def id(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    @property
    def affects_ingress(self) -> bool:
        """Whether this policy isolates its pods for ingress."""
        return "Ingress" in self.policy_types

    @property
    def affects_egress(self) -> bool:
        """Whether this policy isolates its pods for egress."""
        return "Egress" in self.policy_types

    def rules(self, direction: str) -> tuple[Rule, ...]:
        """The rules in force for ``direction`` ("ingress" or "egress"): none if the type is off."""
        if direction == "ingress":
            return self.ingress if self.affects_ingress else ()
        return self.egress if self.affects_egress else ()

    def to_manifest(self) -> dict:
        """The policy as a Kubernetes manifest (dict), ready for ``yaml.safe_dump``."""
        spec: dict[str, Any] = {"podSelector": self.pod_selector.to_manifest()}
        if self.declared_policy_types is not None:
            spec["policyTypes"] = list(self.declared_policy_types)
        if self.ingress:
            spec["ingress"] = [r.to_manifest("ingress") for r in self.ingress]
        if self.egress:
            spec["egress"] = [r.to_manifest("egress") for r in self.egress]
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": spec,
        }


def effective_policy_types(declared: tuple[str, ...] | None, egress_rules: list) -> tuple[str, ...]:
    """The policy types in force.

    When ``policyTypes`` is absent, ``Ingress`` is always included and
    ``Egress`` only when ``spec.egress`` is present and non-empty (semantics
    reference, section 2; Kubernetes API reference, NetworkPolicySpec.policyTypes).

    Examples
    --------
    >>> effective_policy_types(None, [])
    ('Ingress',)
    >>> effective_policy_types(None, [{"to": []}])
    ('Ingress', 'Egress')
    >>> effective_policy_types(("Egress",), [])
    ('Egress',)
    """
    if declared is not None:
        return tuple(t for t in POLICY_TYPES if t in declared)
    return ("Ingress", "Egress") if egress_rules else ("Ingress",)


def parse_policy(data: Any, location: Location | None = None) -> NetworkPolicy:
    """Build a :class:`NetworkPolicy` from a manifest dict, validating it like the API server.

    Raises :class:`~netpol_lab.errors.ValidationError` naming the field path.
    """
    root = fields.mapping(data, (), POLICY_EXAMPLE, allow_null=False)
    fields.known_fields(root, (), ("apiVersion", "kind", "metadata", "spec", "status"),
                        POLICY_EXAMPLE)
    api_version = root.get("apiVersion", "networking.k8s.io/v1")
    if api_version != "networking.k8s.io/v1":
        fields.fail(("apiVersion",), f"apiVersion {excerpt(api_version)} does not serve NetworkPolicy",
                    "apiVersion: networking.k8s.io/v1", POLICY_EXAMPLE)
    meta = fields.mapping(root.get("metadata"), ("metadata",), POLICY_EXAMPLE)
    if "name" not in meta:
        fields.fail(("metadata", "name"), "the policy has no metadata.name",
                    "a name such as api-ingress", POLICY_EXAMPLE)
    name = fields.dns_subdomain(meta["name"], ("metadata", "name"), "policy name")
    namespace = "default"
    if meta.get("namespace") is not None:
        namespace = fields.dns_label(meta["namespace"], ("metadata", "namespace"), "namespace name")
    if "spec" not in root:
        fields.fail(("spec",), "the policy has no spec", "a spec with at least a podSelector",
                    POLICY_EXAMPLE)
    spec = fields.mapping(root.get("spec"), ("spec",), POLICY_EXAMPLE)
    fields.known_fields(spec, ("spec",), ("podSelector", "policyTypes", "ingress", "egress"),
                        POLICY_EXAMPLE)
    selector_omitted = spec.get("podSelector") is None
    pod_selector = parse_selector(spec.get("podSelector"), ("spec", "podSelector"))

    declared = None
    types = fields.sequence(spec.get("policyTypes"), ("spec", "policyTypes"),
                            "policyTypes: [Ingress, Egress]")
    if types:  # an empty list is defaulted like an absent one (SetDefaults_NetworkPolicy)
        for i, value in enumerate(types):
            path = ("spec", "policyTypes", i)
            value = fields.string(value, path, "policyTypes: [Ingress, Egress]")
            if value not in POLICY_TYPES:
                guess = [t for t in POLICY_TYPES if t.lower() == value.lower()]
                fields.fail(path, f"{excerpt(value)} is not a policy type"
                            + (f" (policy types are case-sensitive: {guess[0]!r})" if guess else ""),
                            "Ingress or Egress", "policyTypes: [Ingress, Egress]")
        if len(types) > 2:
            fields.fail(("spec", "policyTypes"), "policyTypes may list at most two types",
                        "Ingress, Egress or both", "policyTypes: [Ingress, Egress]")
        declared = tuple(types)

    ingress = _parse_rules(spec.get("ingress"), ("spec", "ingress"), "ingress")
    raw_egress = fields.sequence(spec.get("egress"), ("spec", "egress"))
    egress = _parse_rules(raw_egress, ("spec", "egress"), "egress")
    return NetworkPolicy(
        name=name,
        namespace=namespace,
        pod_selector=pod_selector,
        policy_types=effective_policy_types(declared, raw_egress),
        ingress=ingress,
        egress=egress,
        declared_policy_types=declared,
        pod_selector_omitted=selector_omitted,
        location=location or Location(),
    )


def _parse_rules(value: Any, path: tuple, direction: str) -> tuple[Rule, ...]:
    peer_key = "from" if direction == "ingress" else "to"
    example = (f"{direction}:\n  - {peer_key}:\n      - podSelector:\n          matchLabels:\n"
               "            app: frontend\n    ports:\n      - port: 8080")
    rules = []
    for i, item in enumerate(fields.sequence(value, path, example)):
        rule_path = (*path, i)
        data = fields.mapping(item, rule_path, example)
        wrong = "to" if direction == "ingress" else "from"
        if wrong in data:
            fields.fail((*rule_path, wrong), f"{direction} rules have no '{wrong}' field: "
                        f"an {direction} rule lists its peers under '{peer_key}'",
                        f"'{peer_key}'", example)
        fields.known_fields(data, rule_path, (peer_key, "ports"), example)
        peers = tuple(
            _parse_peer(p, (*rule_path, peer_key, j))
            for j, p in enumerate(fields.sequence(data.get(peer_key), (*rule_path, peer_key),
                                                  example))
        )
        ports = tuple(
            _parse_port(p, (*rule_path, "ports", j))
            for j, p in enumerate(fields.sequence(data.get("ports"), (*rule_path, "ports"),
                                                  PORT_EXAMPLE))
        )
        rules.append(Rule(peers, ports))
    return tuple(rules)


def _parse_peer(value: Any, path: tuple) -> Peer:
    raw = fields.mapping(value, path, PEER_EXAMPLE, allow_null=False)
    fields.known_fields(raw, path, ("podSelector", "namespaceSelector", "ipBlock"), PEER_EXAMPLE)
    # In a peer the three fields are pointers: `podSelector:` with nothing after it is null,
    # which the API server reads as "not set" (unlike spec.podSelector, where null means {}).
    data = {k: v for k, v in raw.items() if v is not None}
    if not data:
        nulls = [k for k in raw if raw[k] is None]
        fields.fail(path, "a peer must set at least one of podSelector, namespaceSelector "
                    "or ipBlock" + (f" ({', '.join(nulls)} is empty, which means not set)"
                                    if nulls else ""),
                    "podSelector, namespaceSelector and/or ipBlock "
                    "(write {} inside a selector to match everything)",
                    "- namespaceSelector: {}")
    if "ipBlock" in data and ("podSelector" in data or "namespaceSelector" in data):
        fields.fail(path, "ipBlock cannot be combined with podSelector or namespaceSelector "
                    "in the same peer", "ipBlock alone in its list item",
                    "from:\n  - ipBlock:\n      cidr: 10.0.0.0/8\n  - podSelector:\n"
                    "      matchLabels:\n        app: frontend")
    pod = ns = block = None
    if "podSelector" in data:
        pod = parse_selector(data["podSelector"], (*path, "podSelector"))
    if "namespaceSelector" in data:
        ns = parse_selector(data["namespaceSelector"], (*path, "namespaceSelector"))
    if "ipBlock" in data:
        block = IPBlock.parse(data["ipBlock"], (*path, "ipBlock"))
    return Peer(pod, ns, block)


def _parse_port(value: Any, path: tuple) -> PolicyPort:
    # An empty item (`- ` or `~`) is an all-defaults entry: every TCP port, as the API reads it.
    data = fields.mapping(value, path, PORT_EXAMPLE)
    fields.known_fields(data, path, ("protocol", "port", "endPort"), PORT_EXAMPLE)
    protocol = data.get("protocol") or "TCP"
    protocol = fields.string(protocol, (*path, "protocol"), PORT_EXAMPLE)
    if protocol not in PROTOCOLS:
        guess = [p for p in PROTOCOLS if p == protocol.upper()]
        fields.fail((*path, "protocol"), f"{excerpt(protocol)} is not a supported protocol"
                    + (f" (protocols are upper case: {guess[0]!r})" if guess else ""),
                    "TCP, UDP or SCTP", PORT_EXAMPLE)
    port = data.get("port")
    if port is not None:
        if isinstance(port, str):
            port = _named_port(port, (*path, "port"))
        else:
            port = fields.integer(port, (*path, "port"), 1, 65535, PORT_EXAMPLE)
    end_port = data.get("endPort")
    if end_port is not None:
        end_port = fields.integer(end_port, (*path, "endPort"), 1, 65535, PORT_EXAMPLE)
        if port is None:
            fields.fail((*path, "endPort"), "endPort needs a port to start the range",
                        "a numeric port together with endPort", PORT_EXAMPLE)
        if isinstance(port, str):
            fields.fail((*path, "endPort"), f"endPort cannot be used with the named port {excerpt(port)}",
                        "a numeric port when endPort is set", PORT_EXAMPLE)
        if end_port < port:
            fields.fail((*path, "endPort"), f"endPort {end_port} is below port {port}",
                        f"endPort >= {port}", PORT_EXAMPLE)
    return PolicyPort(protocol, port, end_port)


def _named_port(value: str, path: tuple) -> str:
    example = "ports:\n  - protocol: TCP\n    port: http   # a containerPort name"
    if value.strip().isascii() and value.strip().isdigit() and len(value) <= 10:
        fields.fail(path, f"the port {excerpt(value)} is quoted, so it reads as a port *name*, "
                    "and a port name needs a letter", f"an unquoted number: port: {value.strip()}",
                    f"ports:\n  - protocol: TCP\n    port: {value.strip()}")
    if len(value) <= 40 and re.fullmatch(r"[0-9]+(\.[0-9]*)?e[-+]?[0-9]+", value.strip()):
        fields.fail(path, f"the port {excerpt(value)} reads as a number in scientific notation, "
                    "which is neither a port number nor a port name",
                    "a whole number from 1 to 65535, or a port name", PORT_EXAMPLE)
    if len(value) > 15 or not fields.PORT_NAME.fullmatch(value) or "--" in value or not any(
        c.isalpha() for c in value
    ):
        fields.fail(path, f"{excerpt(value)} is not a valid named port",
                    "a number from 1 to 65535, or a port name: lowercase letters, digits and "
                    "'-', at most 15 characters, with at least one letter", example)
    return value
