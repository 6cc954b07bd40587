"""Empty selectors and empty lists: what ``{}``, ``[]``, ``[{}]`` and "absent" each mean.

Semantics reference §1 (``podSelector: {}``, omitted podSelector), §3
(``ingress: [{}]`` vs ``ingress: []`` vs absent), §4 (empty selectors in
peers). Kubernetes API, NetworkPolicySpec.podSelector: "An empty podSelector
selects all pods in this namespace"; NetworkPolicyIngressRule.from: "If this
field is empty or missing, this rule matches all sources".
"""

from __future__ import annotations

import pytest

import netpol_lab as nl

PRODUCTION = ["production/frontend", "production/mobile-bff", "production/api",
              "production/database", "production/cache"]


@pytest.mark.parametrize("selector", ["podSelector: {}", "podSelector:", "podSelector: null", ""])
def test_empty_omitted_or_null_pod_selector_selects_the_whole_namespace(policy, selector):
    """§1: ``podSelector: {}``, ``podSelector:`` (null) and no podSelector all select every pod
    of the policy's namespace, and only of it (kubernetes/kubernetes#131354 made it optional)."""
    p = policy(selector + "\npolicyTypes: [Ingress]\n")
    assert p.pod_selector.is_empty
    assert p.pod_selector_omitted is (selector != "podSelector: {}")
    selected = nl.Scenario(nl.default_cluster(), [p]).selected_pods(p)
    assert [pod.id for pod in selected] == PRODUCTION


def test_empty_namespace_selector_matches_every_pod_of_the_cluster(policy, allowed, cluster):
    """§4: ``namespaceSelector: {}`` alone = every pod in every namespace, but no external."""
    p = policy("""
        podSelector: {matchLabels: {app: database}}
        ingress: [{from: [{namespaceSelector: {}}]}]
    """)
    for pod in cluster.pods:
        if pod.id != "production/database":
            assert allowed(p, pod.id, "production/database", 5432) is True, pod.id
    assert allowed(p, "partner-api", "production/database", 5432) is False


def test_empty_pod_selector_in_a_peer_means_the_policy_namespace(policy, allowed):
    """§4: ``podSelector: {}`` alone in a peer = every pod of the policy's namespace only."""
    p = policy("""
        podSelector: {matchLabels: {app: database}}
        ingress: [{from: [{podSelector: {}}]}]
    """)
    assert allowed(p, "production/cache", "production/database", 5432) is True
    assert allowed(p, "staging/api", "production/database", 5432) is False
    assert allowed(p, "monitoring/prometheus", "production/database", 5432) is False


def test_both_empty_in_one_item_means_every_pod(policy, allowed):
    """§4: ``{podSelector: {}, namespaceSelector: {}}`` = every pod in the cluster (no external)."""
    p = policy("""
        podSelector: {matchLabels: {app: database}}
        ingress: [{from: [{podSelector: {}, namespaceSelector: {}}]}]
    """)
    assert allowed(p, "staging/api", "production/database", 5432) is True
    assert allowed(p, "kube-system/coredns", "production/database", 5432) is True
    assert allowed(p, "public-web", "production/database", 5432) is False


@pytest.mark.parametrize(("rules", "from_pod", "from_external"), [
    ("ingress: [{}]", True, True),          # one empty rule: everything
    ("ingress: []", False, False),          # no rule: nothing
    ("", False, False),                     # absent, Ingress in force: nothing
    ("ingress: [{from: []}]", True, True),  # empty peer list = all peers
    ("ingress: [{ports: []}]", True, True),  # empty port list = all ports
    ("ingress: [{from: [], ports: []}]", True, True),
])
def test_empty_rule_vs_empty_list_vs_absent(policy, allowed, rules, from_pod, from_external):
    """§3: ``ingress: [{}]`` allows everything; ``ingress: []`` or no list allows nothing."""
    p = policy(f"podSelector: {{matchLabels: {{app: api}}}}\npolicyTypes: [Ingress]\n{rules}\n")
    assert allowed(p, "staging/frontend", "production/api", 9090) is from_pod
    assert allowed(p, "partner-api", "production/api", 8080) is from_external


def test_allow_all_egress_with_one_empty_rule(policy, allowed):
    """§3: ``egress: [{}]`` allows every destination, pods and externals, on any port."""
    p = policy("podSelector: {}\npolicyTypes: [Egress]\negress: [{}]\n")
    assert allowed(p, "production/api", "public-web", 443) is True
    assert allowed(p, "production/api", "kube-system/coredns", 53, "UDP") is True
    assert allowed(p, "production/api", "staging/frontend", 12345, "SCTP") is True


def test_default_deny_plus_allow_list(policy, allowed):
    """§1: default deny for the namespace, then one allow policy: the union opens exactly that.

    Upstream: "should enforce policy to allow ingress traffic for a target".
    """
    deny = policy("podSelector: {}\npolicyTypes: [Ingress]\n", name="default-deny")
    allow = policy("""
        podSelector: {matchLabels: {app: api}}
        ingress: [{from: [{podSelector: {}, namespaceSelector: {}}]}]
    """, name="allow-to-api")
    assert allowed([deny, allow], "staging/api", "production/api", 8080) is True
    assert allowed([deny, allow], "staging/api", "production/database", 5432) is False
