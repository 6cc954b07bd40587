"""Egress: the same rules in the other direction, checked at the source pod.

Semantics reference §1 (egress isolation), §3 (rules), §4 (peers in ``to``)
and §7 (both ends must allow). Upstream e2e tests (tagged [Feature:NetworkPolicy], not part of the conformance suite) cited by name are in
``test/e2e/network/netpol/network_policy.go`` (kubernetes/kubernetes).
"""

from __future__ import annotations

API_EGRESS = """
podSelector: {matchLabels: {app: api}}
policyTypes: [Egress]
egress:
  - to: [{podSelector: {matchLabels: {app: database}}}]
    ports: [{protocol: TCP, port: 5432}]
  - to: [{ipBlock: {cidr: 203.0.113.0/24}}]
    ports: [{protocol: TCP, port: 443}]
  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]
    ports: [{protocol: UDP, port: 53}]
"""


def test_egress_policy_isolates_the_selected_pod_for_egress(policy, verdict):
    """§1: a policy with Egress isolates its pods' outgoing traffic; each rule ORed (§3)."""
    p = policy(API_EGRESS, name="api-egress")
    assert verdict(p, "production/api", "production/database", 5432).allowed is True
    assert verdict(p, "production/api", "partner-api", 443).allowed is True
    assert verdict(p, "production/api", "kube-system/coredns", 53, "UDP").allowed is True
    v = verdict(p, "production/api", "production/cache", 6379)
    assert v.allowed is False
    assert (v.egress.status, v.ingress.status) == ("denied", "open")
    assert v.reason == (
        "denied: production/api is isolated for egress by api-egress and none of its 3 rules "
        "allows this (rule 1: peer and port do not match; rule 2: peer and port do not match; "
        "rule 3: peer and port do not match)")


def test_egress_policy_leaves_other_pods_open(policy, verdict):
    """§1: pods the policy does not select keep open egress."""
    v = verdict(policy(API_EGRESS), "production/frontend", "production/cache", 6379)
    assert v.allowed is True
    assert (v.egress.status, v.ingress.status) == ("open", "open")


def test_egress_policy_does_not_isolate_ingress_when_types_say_egress(policy, allowed):
    """§2: ``policyTypes: [Egress]`` leaves the pod's ingress open."""
    assert allowed(policy(API_EGRESS), "production/cache", "production/api", 8080) is True


def test_egress_pod_selector_peer_stays_in_the_policy_namespace(policy, allowed):
    """§4: ``to: podSelector`` alone means pods of the policy's namespace (staging/api is not one).

    Upstream: "should enforce egress policy allowing traffic to a server in a
    different namespace based on PodSelector and NamespaceSelector": the
    cross-namespace server needs both selectors in one item.
    """
    alone = policy("""
        podSelector: {matchLabels: {app: frontend}}
        policyTypes: [Egress]
        egress:
          - to: [{podSelector: {matchLabels: {app: api}}}]
    """)
    both = policy("""
        podSelector: {matchLabels: {app: frontend}}
        policyTypes: [Egress]
        egress:
          - to: [{podSelector: {matchLabels: {app: api}},
                  namespaceSelector: {matchLabels: {env: staging}}}]
    """)
    assert allowed(alone, "production/frontend", "production/api", 8080) is True
    assert allowed(alone, "production/frontend", "staging/api", 8080) is False
    assert allowed(both, "production/frontend", "staging/api", 8080) is True
    assert allowed(both, "production/frontend", "production/api", 8080) is False


def test_egress_isolation_without_a_dns_rule_blocks_dns(policy, allowed):
    """§1/§6: an egress-isolated pod cannot even resolve names unless a rule allows UDP/TCP 53."""
    no_dns = policy("""
        podSelector: {matchLabels: {app: api}}
        policyTypes: [Egress]
        egress:
          - to: [{podSelector: {matchLabels: {app: database}}}]
    """)
    assert allowed(no_dns, "production/api", "kube-system/coredns", 53, "UDP") is False
    dns = policy(API_EGRESS)
    assert allowed(dns, "production/api", "kube-system/coredns", 53, "UDP") is True
    assert allowed(dns, "production/api", "kube-system/coredns", 53, "TCP") is False


def test_deny_all_egress_blocks_pods_and_externals(policy, allowed):
    """§2: ``policyTypes: [Egress]`` without rules denies every egress, to pods and outside."""
    p = policy("podSelector: {matchLabels: {app: api}}\npolicyTypes: [Egress]\n")
    for dst, port in (("production/database", 5432), ("staging/api", 8080),
                      ("partner-api", 443), ("kube-system/coredns", 53)):
        assert allowed(p, "production/api", dst, port) is False, dst


def test_deny_egress_from_all_pods_in_a_namespace(policy, allowed):
    """§1: upstream "should deny egress from all pods in a namespace" (podSelector: {}, Egress)."""
    p = policy("podSelector: {}\npolicyTypes: [Egress]\n")
    assert allowed(p, "production/frontend", "staging/frontend", 80) is False
    assert allowed(p, "production/cache", "production/database", 5432) is False
    assert allowed(p, "staging/frontend", "production/frontend", 80) is True


def test_egress_allowed_but_destination_ingress_denies(policy, verdict):
    """§7: egress allowed at the source is not enough: the destination's ingress must allow too."""
    egress = policy(API_EGRESS, name="api-egress")
    db_ingress = policy("""
        podSelector: {matchLabels: {app: database}}
        ingress:
          - from: [{podSelector: {matchLabels: {app: cache}}}]
    """, name="db-ingress")
    v = verdict([egress, db_ingress], "production/api", "production/database", 5432)
    assert v.allowed is False
    assert (v.egress.status, v.ingress.status) == ("allowed", "denied")
    assert v.reason.startswith("denied: production/database is isolated for ingress by db-ingress")


def test_client_side_egress_denial_wins_over_server_allow(policy, verdict):
    """§7: upstream "should support denying of egress traffic on the client side (even if
    the server explicitly allows this traffic)"."""
    deny_egress = policy("podSelector: {matchLabels: {app: frontend}}\npolicyTypes: [Egress]\n")
    allow_in = policy("podSelector: {matchLabels: {app: api}}\ningress: [{}]\n", name="allow")
    v = verdict([deny_egress, allow_in], "production/frontend", "production/api", 8080)
    assert v.allowed is False
    assert (v.egress.status, v.ingress.status) == ("denied", "allowed")


def test_egress_explanation_lists_every_rule(policy, verdict):
    """Issue 2, API (explanations): the explanation walks every rule of the isolating policy with ✓/✗ and the reason."""
    v = verdict(policy(API_EGRESS, name="api-egress"), "production/api", "partner-api", 443)
    assert v.explain().splitlines() == [
        "production/api → partner-api on TCP 443: ALLOWED",
        "  egress at production/api: isolated by api-egress; ALLOWED",
        "    - ✗ api-egress rule 1 (spec.egress[0]): peer does not match partner-api "
        "(203.0.113.10, outside the cluster): to[0] is pods app=database in namespace "
        "production; port does not match (TCP 5432)",
        "    - ✓ api-egress rule 2 (spec.egress[1]): to[0] matches (IPs in 203.0.113.0/24); "
        "port matches (TCP 443)",
        "    - ✗ api-egress rule 3 (spec.egress[2]): peer does not match partner-api "
        "(203.0.113.10, outside the cluster): to[0] is every pod in namespaces "
        "kubernetes.io/metadata.name=kube-system; port does not match (UDP 53)",
        "  ingress at partner-api: not checked, it is outside the cluster and has no policies",
    ]
