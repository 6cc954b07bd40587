"""Hypothesis strategies: small random clusters and NetworkPolicy manifests with every feature.

The vocabularies are deliberately tiny (three namespaces, three label keys
with three values, a handful of IPs and port names) so that random selectors
and peers often *do* match something, and named ports, ``endPort`` ranges and
``ipBlock`` ``except`` entries land on the ports and IPs under test.

Policies are drawn as manifest dicts and parsed with ``nl.load_policies``, as
a learner's YAML would be: every strategy produces only manifests the API
server accepts.
"""

from __future__ import annotations

from hypothesis import strategies as st

from netpol_lab import Cluster, ContainerPort, ExternalEndpoint, Namespace, Pod

NAMESPACES = ["shop", "ops", "data"]
KEYS = ["app", "tier", "env"]
VALUES = ["x", "y", "z"]
PORT_NAMES = ["http", "metrics", "dns"]
PROTOCOLS = ["TCP", "UDP", "SCTP"]
NUMBERS = [53, 80, 8080, 9090]
POD_IPS = [f"10.0.0.{i}" for i in range(1, 12)] + ["fd00::1", "fd00::2", "fd00::9"]
EXTERNAL_IPS = ["192.0.2.1", "192.0.2.130", "10.0.0.200", "2001:db8::5", "8.8.8.8"]
CIDRS = {  # cidr: possible except entries (each strictly inside)
    "10.0.0.0/28": ["10.0.0.0/30", "10.0.0.4/31", "10.0.0.8/32"],
    "10.0.0.0/8": ["10.0.0.0/28", "10.0.0.0/24"],
    "192.0.2.0/24": ["192.0.2.128/25", "192.0.2.0/30"],
    "0.0.0.0/0": ["10.0.0.0/8", "192.0.2.0/24"],
    "fd00::/64": ["fd00::/126", "fd00::8/125"],
    "2001:db8::/32": ["2001:db8::/120"],
    "10.0.0.5/32": [],
}
PORTS_UNDER_TEST = [(53, "UDP"), (53, "TCP"), (80, "TCP"), (8080, "TCP"), (8081, "TCP"),
                    (9090, "TCP"), (80, "SCTP")]

labels = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=3)


@st.composite
def container_ports(draw) -> tuple[ContainerPort, ...]:
    """Up to three container ports, with distinct names where named."""
    out = []
    names = draw(st.lists(st.sampled_from(PORT_NAMES), unique=True, max_size=3))
    for i in range(draw(st.integers(0, 3))):
        name = names[i] if i < len(names) and draw(st.booleans()) else None
        out.append(ContainerPort(draw(st.sampled_from([*NUMBERS, 8081])),
                                 draw(st.sampled_from(PROTOCOLS[:2] if i else PROTOCOLS)), name))
    return tuple(out)


@st.composite
def clusters(draw, max_pods: int = 7, max_externals: int = 3) -> Cluster:
    """A cluster of 1..max_pods pods in up to three namespaces, plus external endpoints."""
    namespaces = [Namespace(ns, draw(labels)) for ns in NAMESPACES]
    n = draw(st.integers(1, max_pods))
    ips = draw(st.lists(st.sampled_from(POD_IPS), min_size=n, max_size=n, unique=True))
    pods = [Pod(draw(st.sampled_from(NAMESPACES)), f"p{i}", draw(labels),
                ip if draw(st.integers(0, 4)) else None, draw(container_ports()))
            for i, ip in enumerate(ips)]
    ext_ips = draw(st.lists(st.sampled_from(EXTERNAL_IPS), max_size=max_externals, unique=True))
    externals = [ExternalEndpoint(f"ext{i}", ip, draw(container_ports()))
                 for i, ip in enumerate(ext_ips)]
    return Cluster(namespaces, pods, externals)


@st.composite
def selectors(draw) -> dict:
    """A label selector: empty, matchLabels, matchExpressions with all four operators, or both."""
    out: dict = {}
    match = draw(st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=1))
    if match:
        out["matchLabels"] = match
    expressions = []
    for _ in range(draw(st.integers(0, 2))):
        operator = draw(st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]))
        expr = {"key": draw(st.sampled_from(KEYS)), "operator": operator}
        if operator in ("In", "NotIn"):
            expr["values"] = draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=2,
                                           unique=True))
        expressions.append(expr)
    if expressions:
        out["matchExpressions"] = expressions
    return out


namespace_selectors = st.one_of(
    selectors(),
    st.sampled_from(NAMESPACES).map(
        lambda ns: {"matchLabels": {"kubernetes.io/metadata.name": ns}}),
)


@st.composite
def peers(draw) -> dict:
    """One from/to item: podSelector, namespaceSelector, both, or an ipBlock with except."""
    kind = draw(st.sampled_from(["pod", "namespace", "both", "ip", "ip"]))
    if kind == "ip":
        cidr = draw(st.sampled_from(sorted(CIDRS)))
        block: dict = {"cidr": cidr}
        excepts = draw(st.lists(st.sampled_from(CIDRS[cidr]), unique=True, max_size=2)) \
            if CIDRS[cidr] else []
        if excepts:
            block["except"] = excepts
        return {"ipBlock": block}
    out = {}
    if kind in ("pod", "both"):
        out["podSelector"] = draw(selectors())
    if kind in ("namespace", "both"):
        out["namespaceSelector"] = draw(namespace_selectors)
    return out


@st.composite
def policy_ports(draw) -> dict:
    """A ports entry: numeric, named, a range with endPort, or protocol only."""
    kind = draw(st.sampled_from(["number", "name", "range", "protocol"]))
    out: dict = {}
    if draw(st.booleans()) or kind == "protocol":
        out["protocol"] = draw(st.sampled_from(PROTOCOLS))
    if kind == "number":
        out["port"] = draw(st.sampled_from(NUMBERS))
    elif kind == "name":
        out["port"] = draw(st.sampled_from(PORT_NAMES))
    elif kind == "range":
        start = draw(st.sampled_from([53, 80, 8000, 8080]))
        out["port"] = start
        out["endPort"] = start + draw(st.sampled_from([0, 1, 100, 1100]))
    return out


@st.composite
def rules(draw, direction: str) -> dict:
    """A rule: peers absent, empty or listed; ports absent, empty or listed."""
    key = "from" if direction == "ingress" else "to"
    out: dict = {}
    peer_form = draw(st.sampled_from(["absent", "empty", "list", "list"]))
    if peer_form == "empty":
        out[key] = []
    elif peer_form == "list":
        out[key] = draw(st.lists(peers(), min_size=1, max_size=3))
    port_form = draw(st.sampled_from(["absent", "empty", "list", "list"]))
    if port_form == "empty":
        out["ports"] = []
    elif port_form == "list":
        out["ports"] = draw(st.lists(policy_ports(), min_size=1, max_size=3))
    return out


def rule_lists(direction: str):
    """A rule list as a manifest writes it: absent (None), ``[]``, or some rules."""
    return st.one_of(st.none(), st.just([]), st.lists(rules(direction), min_size=1, max_size=3))


@st.composite
def policy_manifests(draw, name: str = "p0") -> dict:
    """A NetworkPolicy manifest exercising every field and every policyTypes variant."""
    namespace = draw(st.sampled_from([*NAMESPACES, "ghost"]))
    spec: dict = {}
    if draw(st.integers(0, 5)):
        spec["podSelector"] = draw(selectors())
    types = draw(st.sampled_from([None, None, [], ["Ingress"], ["Egress"],
                                  ["Ingress", "Egress"], ["Egress", "Ingress"]]))
    if types is not None:
        spec["policyTypes"] = types
    for direction in ("ingress", "egress"):
        value = draw(rule_lists(direction))
        if value is not None:
            spec[direction] = value
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace}, "spec": spec}


@st.composite
def policy_lists(draw, min_size: int = 0, max_size: int = 5) -> list[dict]:
    """``min_size`` to ``max_size`` policy manifests with distinct names."""
    n = draw(st.integers(min_size, max_size))
    return [draw(policy_manifests(f"p{i}")) for i in range(n)]
