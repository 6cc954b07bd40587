"""The course's syllabus: the concepts it teaches, and which notebook teaches each.

Every exercise declares the concepts it needs (its ``concepts:`` field), and
every notebook of the course declares the concepts it teaches (:data:`NOTEBOOKS`
below, in course order). Together they let a test check the *teaching order*:
no notebook may embed an exercise, a question or a playground that needs a
concept the course has not taught yet.

Some concepts can be read off a policy (``matchExpressions``, ``endPort``, a
peer that ANDs a pod and a namespace selector); :func:`concepts_in` finds those,
so an exercise's reference answer can be checked against what its file
declares. Others (both ends must allow, the pod-IP caveat) can only be
declared.

Examples
--------
>>> import netpol_lab as nl
>>> sorted(concepts_in(nl.load_policies(nl.article_yaml("api-and"))))
['and-peer', 'ingress-rule', 'isolation', 'namespace-selector', 'policy-types-default']
>>> taught_by("match-expressions")
'03-selector-combination'
>>> taught_before("02-egress") >= {"ingress-rule", "isolation"}
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .model import NAME_LABEL
from .policy import NetworkPolicy, Peer, Rule
from .selectors import LabelSelector

#: Every concept of the course, with the one line that defines it.
CONCEPTS: dict[str, str] = {
    # 00 · start here
    "traffic-table": "a traffic table lists every connection with its verdict and reason",
    "isolation": "a pod selected by a policy for a direction accepts only what some rule allows",
    "ingress-rule": "ingress rules say who may connect to the selected pods (from, ports)",
    "pod-selector": "a lone podSelector peer matches pods of the policy's own namespace",
    "namespace-selector": "a namespaceSelector peer matches every pod of the selected namespaces",
    "namespace-labels": "namespaces carry labels; kubernetes.io/metadata.name is set by the API server",
    "port": "a port entry with a number (TCP by default)",
    "loopback": "a pod can always reach itself",
    # 01 · ingress
    "rules-or": "the rules of a policy are ORed; inside one rule, peer AND port must match",
    "or-peers": "the peer items of one rule are ORed",
    "policies-add-up": "policies selecting the same pod add up (union), never conflict",
    "rule-without-peers": "a rule with ports but no from/to matches every peer on those ports",
    "policy-types-default": "without policyTypes, Ingress is always in force, Egress only with egress rules",
    # 02 · egress
    "egress-rule": "egress rules say where the selected pods may connect (to, ports)",
    "both-ends": "a pod-to-pod connection needs egress at the source and ingress at the destination",
    "stateful": "replies to an allowed connection are always allowed",
    "dns": "egress-isolated pods need DNS: UDP and TCP 53 to the DNS pods",
    "protocol": "a port entry's protocol (UDP, SCTP) must match too",
    "ipblock": "ipBlock matches addresses by CIDR range",
    # 03 · selector combination
    "and-peer": "podSelector and namespaceSelector in one peer item are ANDed",
    "match-expressions": "matchExpressions: In, NotIn, Exists, DoesNotExist",
    # 04 · empty selectors
    "empty-pod-selector": "podSelector: {} selects every pod of the namespace",
    "empty-namespace-selector": "namespaceSelector: {} selects every pod of every namespace",
    "allow-all-rule": "the rule {} (ingress: [{}], egress: [{}]) allows everything",
    "no-rules-deny-all": "a direction in force with no rules (or []) denies everything",
    "default-deny": "podSelector: {} with no rules: the standard default-deny",
    "deny-external-egress": "egress to namespaceSelector: {} keeps a pod inside the cluster, DNS included",
    # 05 · ipBlock
    "ipblock-except": "except carves holes out of an ipBlock's cidr",
    "pod-ip-caveat": "whether ipBlock matches pod IPs depends on the plugin (the lab: it does)",
    "node-traffic": "traffic to and from a pod's own node is always allowed; hostNetwork pods are exempt",
    # 06 · ports
    "named-port": "a port name is resolved on the destination pod",
    "port-range": "endPort makes an inclusive port range",
    "port-without-number": "a port entry with only a protocol matches every port of it",
    # 07 · policyTypes
    "policy-types": "policyTypes says which directions a policy isolates",
    # 08 · least privilege
    "least-privilege": "default-deny, then one allow per required flow, checked over the whole scope",
    # 09 · interview prep
    "service-port": "policies see the pod's port (targetPort), never the Service's port",
    "metadata-endpoint": "blocking the cloud metadata endpoint 169.254.169.254",
    "namespace-label-trust": "custom namespace labels can be set by whoever may patch the Namespace object",
    "node-local-dns": "NodeLocal DNSCache: the policy sees the kube-dns ClusterIP or 169.254.20.10, not the coredns pods",
    "default-deny-rollout": "rolling out default-deny without an outage",
    "limits": "what NetworkPolicy cannot do: deny rules, TLS, nodes, logging, FQDNs, ICMP",
    "beyond-v1": "CNI policies (FQDN, L7) and AdminNetworkPolicy",
    # 10 · real cluster
    "real-cluster": "exporting a cluster, probing a verdict with a test pod, kubectl describe",
}


@dataclass(frozen=True)
class Notebook:
    """One notebook of the course: its file stem, title and the concepts it teaches."""

    stem: str
    title: str
    teaches: tuple[str, ...]


#: The notebooks in course order, each with the concepts it introduces.
NOTEBOOKS: tuple[Notebook, ...] = (
    Notebook("00-start-here", "Start here",
             ("traffic-table", "isolation", "ingress-rule", "pod-selector", "namespace-selector",
              "namespace-labels", "port", "loopback")),
    Notebook("01-ingress", "Ingress",
             ("rules-or", "or-peers", "rule-without-peers", "policies-add-up",
              "policy-types-default")),
    Notebook("02-egress", "Egress",
             ("egress-rule", "both-ends", "stateful", "dns", "protocol", "ipblock")),
    Notebook("03-selector-combination", "Selector combination",
             ("and-peer", "match-expressions")),
    Notebook("04-empty-selectors", "Empty selectors",
             ("empty-pod-selector", "empty-namespace-selector", "allow-all-rule",
              "no-rules-deny-all", "default-deny", "deny-external-egress")),
    Notebook("05-ipblock", "ipBlock", ("ipblock-except", "pod-ip-caveat", "node-traffic")),
    Notebook("06-ports", "Ports", ("named-port", "port-range", "port-without-number")),
    Notebook("07-policy-types", "policyTypes", ("policy-types",)),
    Notebook("08-least-privilege", "Least privilege", ("least-privilege",)),
    Notebook("09-interview-prep", "Interview prep",
             ("service-port", "metadata-endpoint", "namespace-label-trust", "node-local-dns",
              "default-deny-rollout", "limits", "beyond-v1")),
    Notebook("10-real-cluster", "From the lab to a real cluster", ("real-cluster",)),
)


def taught_by(concept: str) -> str:
    """The stem of the notebook that teaches ``concept``.

    Raises ``KeyError`` for a concept that no notebook teaches.
    """
    for notebook in NOTEBOOKS:
        if concept in notebook.teaches:
            return notebook.stem
    raise KeyError(concept)


def taught_before(stem: str, *, including: bool = True) -> set[str]:
    """Every concept taught up to notebook ``stem`` (and by it, unless ``including=False``)."""
    taught: set[str] = set()
    for notebook in NOTEBOOKS:
        if notebook.stem == stem:
            return taught | set(notebook.teaches) if including else taught
        taught.update(notebook.teaches)
    raise KeyError(stem)


def _selector_concepts(selector: LabelSelector | None) -> set[str]:
    if selector is not None and selector.match_expressions:
        return {"match-expressions"}
    return set()


def _peer_concepts(peer: Peer) -> set[str]:
    found = _selector_concepts(peer.pod_selector) | _selector_concepts(peer.namespace_selector)
    if peer.ip_block is not None:
        found.add("ipblock")
        if peer.ip_block.except_:
            found.add("ipblock-except")
    if peer.pod_selector is not None and peer.namespace_selector is not None:
        found.add("and-peer")
    if peer.namespace_selector is not None:
        found.add("empty-namespace-selector" if peer.namespace_selector.is_empty
                  else "namespace-selector")
        keys = {key for key, _ in peer.namespace_selector.match_labels}
        keys |= {req.key for req in peer.namespace_selector.match_expressions}
        if NAME_LABEL in keys:
            found.add("namespace-labels")
    elif peer.pod_selector is not None:
        found.add("empty-pod-selector" if peer.pod_selector.is_empty else "pod-selector")
    return found


def _rule_concepts(rule: Rule) -> set[str]:
    found: set[str] = set()
    if not rule.peers:
        found.add("rule-without-peers" if rule.ports else "allow-all-rule")
    for peer in rule.peers:
        found |= _peer_concepts(peer)
    for entry in rule.ports:
        if isinstance(entry.port, str):
            found.add("named-port")
        if entry.port is None:
            found.add("port-without-number")
        else:
            found.add("port")
        if entry.end_port is not None:
            found.add("port-range")
        if entry.protocol != "TCP":
            found.add("protocol")
        if entry.port == 53:
            found.add("dns")
    return found


def concepts_in(policies: Iterable[NetworkPolicy]) -> set[str]:
    """The concepts a reader needs to understand ``policies``, as far as YAML shows them.

    Finds what each policy's fields use: the directions in force, selectors
    (empty, AND-ed, ``matchExpressions``), ``ipBlock`` and ``except``, the kinds
    of port entry, rules without peers, directions with no rules, and a left-out
    ``policyTypes``. Concepts that live in the traffic rather than in the YAML
    (both ends, DNS in general, the pod-IP caveat) are for exercises to declare.
    """
    found: set[str] = set()
    for policy in policies:
        if policy.declared_policy_types is None:
            found.add("policy-types-default")
        if policy.pod_selector.is_empty:
            found.add("empty-pod-selector")
        found |= _selector_concepts(policy.pod_selector)
        for direction, rules in (("Ingress", policy.ingress), ("Egress", policy.egress)):
            if direction not in policy.policy_types:
                if rules:
                    found.add("policy-types")  # rules that policyTypes makes ignored
                continue
            found.add("isolation")
            found.add("ingress-rule" if direction == "Ingress" else "egress-rule")
            if not rules:
                found.add("no-rules-deny-all")
            for rule in rules:
                found |= _rule_concepts(rule)
    return found
