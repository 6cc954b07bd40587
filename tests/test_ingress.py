"""Ingress: isolation of the selected pods, rules ORed, peers AND ports inside a rule.

Semantics reference §1 (who is selected and isolated) and §3 (rules), checked
at the destination pod. Upstream e2e tests (tagged [Feature:NetworkPolicy], not part of the conformance suite) cited by name are in
``test/e2e/network/netpol/network_policy.go`` (kubernetes/kubernetes).
"""

from __future__ import annotations

import netpol_lab as nl

API_INGRESS = """
podSelector: {matchLabels: {app: api}}
policyTypes: [Ingress]
ingress:
  - from: [{podSelector: {matchLabels: {app: frontend}}}]
    ports: [{protocol: TCP, port: 8080}]
  - from: [{namespaceSelector: {matchLabels: {name: monitoring}}}]
    ports: [{protocol: TCP, port: 9090}]
"""


def test_ingress_policy_isolates_only_the_pods_it_selects(policy, allowed):
    """§1: a pod picked by a policy with Ingress is isolated; other pods stay open.

    Upstream: "should enforce policy to allow traffic from pods within server
    namespace based on PodSelector".
    """
    p = policy("""
        podSelector: {matchLabels: {app: api}}
        ingress:
          - from: [{podSelector: {matchLabels: {app: frontend}}}]
    """)
    assert allowed(p, "production/frontend", "production/api", 8080) is True
    assert allowed(p, "production/cache", "production/api", 8080) is False
    assert allowed(p, "production/cache", "production/database", 5432) is True  # not selected


def test_ingress_rules_are_ored(policy, allowed):
    """§3: ``ingress: [...]`` is a list of rules ORed: either rule may allow a connection."""
    p = policy(API_INGRESS)
    assert allowed(p, "production/frontend", "production/api", 8080) is True   # rule 1
    assert allowed(p, "monitoring/prometheus", "production/api", 9090) is True  # rule 2
    assert allowed(p, "production/frontend", "production/api", 9090) is False
    assert allowed(p, "monitoring/prometheus", "production/api", 8080) is False


def test_a_rule_needs_its_peer_and_its_port(policy, verdict):
    """§3: a rule matches when (a peer matches) AND (a port matches); each failure is recorded."""
    v = verdict(policy(API_INGRESS, name="api-ingress"), "production/frontend",
                "production/api", 9090)
    checks = [(c.index, c.peer_index, c.port_index, c.allowed) for c in v.ingress.checks]
    assert checks == [(0, 0, -1, False), (1, -1, 0, False)]
    assert v.reason == (
        "denied: production/api is isolated for ingress by api-ingress and none of its 2 rules "
        "allows this (rule 1: port does not match; rule 2: peer does not match)")
    v = verdict(policy(API_INGRESS, name="api-ingress"), "production/cache",
                "production/api", 8080)
    assert v.reason == (
        "denied: production/api is isolated for ingress by api-ingress and none of its 2 rules "
        "allows this (rule 1: peer does not match; rule 2: peer and port do not match)")


def test_allowed_verdict_names_the_allowing_rule(policy, verdict):
    """§3: the verdict says which rule of which policy allowed the connection."""
    v = verdict(policy(API_INGRESS, name="api-ingress"), "monitoring/prometheus",
                "production/api", 9090)
    assert v.allowed is True
    assert [c.label for c in v.ingress.allowed_by] == ["api-ingress rule 2"]
    assert (v.egress.status, v.ingress.status) == ("open", "allowed")
    assert v.reason == "allowed: ingress allowed by api-ingress rule 2"


def test_rule_without_from_allows_every_source_on_its_ports(policy, allowed):
    """§3: peers absent ⇒ any peer matches, pods and external endpoints alike."""
    p = policy("""
        podSelector: {matchLabels: {app: api}}
        ingress:
          - ports: [{port: 8080}]
    """)
    for src in ("production/cache", "staging/frontend", "kube-system/coredns", "partner-api"):
        assert allowed(p, src, "production/api", 8080) is True, src
        assert allowed(p, src, "production/api", 9090) is False, src


def test_rule_without_ports_allows_every_port_from_its_peers(policy, allowed):
    """§3: ports absent ⇒ every port and protocol from the matching peers."""
    p = policy("""
        podSelector: {matchLabels: {app: api}}
        ingress:
          - from: [{podSelector: {matchLabels: {app: frontend}}}]
    """)
    for port, proto in ((8080, "TCP"), (9090, "TCP"), (1, "TCP"), (53, "UDP"), (65535, "SCTP")):
        assert allowed(p, "production/frontend", "production/api", port, proto) is True
        assert allowed(p, "production/cache", "production/api", port, proto) is False


def test_pod_selector_picks_pods_of_the_policy_namespace_only(policy, allowed):
    """§1: spec.podSelector picks pods in the policy's namespace only (staging/api stays open)."""
    p = policy("podSelector: {matchLabels: {app: api}}\npolicyTypes: [Ingress]\n")
    assert allowed(p, "staging/frontend", "production/api", 8080) is False
    assert allowed(p, "staging/frontend", "staging/api", 8080) is True
    assert [pod.id for pod in nl.Scenario(nl.default_cluster(), [p]).selected_pods(p)] == [
        "production/api"]


def test_selectors_in_a_peer_never_match_external_endpoints(policy, allowed):
    """§4: pod and namespace selectors match pods; an external source needs an ipBlock."""
    p = policy("""
        podSelector: {matchLabels: {app: api}}
        ingress:
          - from: [{namespaceSelector: {}, podSelector: {}}]
    """)
    assert allowed(p, "kube-system/coredns", "production/api", 8080) is True
    assert allowed(p, "partner-api", "production/api", 8080) is False


def test_ingress_policy_does_not_restrict_the_selected_pods_egress(policy, verdict):
    """§1: isolation is per direction: an ingress-only policy leaves the pod's egress open."""
    v = verdict(policy(API_INGRESS), "production/api", "production/cache", 6379)
    assert v.allowed is True
    assert (v.egress.status, v.ingress.status) == ("open", "open")


def test_deny_all_ingress_for_a_namespace(policy, allowed, cluster):
    """§1/§3: ``podSelector: {}`` with Ingress and no rules denies all ingress in the namespace.

    Upstream: "should support a 'default-deny-ingress' policy".
    """
    p = policy("podSelector: {}\npolicyTypes: [Ingress]\n")
    for pod in cluster.pods:
        for src in ("production/frontend", "staging/frontend", "partner-api"):
            if src == pod.id:
                continue
            expected = pod.namespace != "production"
            assert allowed(p, src, pod.id, pod.ports[0].port, pod.ports[0].protocol) is expected


TWO_PODS = """
namespaces: {x: {}, y: {}}
pods:
  - {name: a, namespace: x, labels: {pod: a}, ports: [80]}
  - {name: b, namespace: x, labels: {pod: b}, ports: [80]}
  - {name: c, namespace: y, labels: {pod: c}, ports: [80]}
"""


def test_ingress_follows_the_source_pods_labels(policy, allowed):
    """§1/§4: verdicts depend on the labels at evaluation time.

    Upstream: "should allow ingress access from updated pod": relabelling the
    client so that it matches the peer selector opens the connection.
    """
    p = policy("podSelector: {matchLabels: {pod: a}}\n"
               "ingress: [{from: [{podSelector: {matchLabels: {pod: client}}}]}]\n", namespace="x")
    before = nl.load_cluster(TWO_PODS)
    after = nl.load_cluster(TWO_PODS.replace("labels: {pod: b}", "labels: {pod: client}"))
    assert allowed(p, "x/b", "x/a", 80, cluster=before) is False
    assert allowed(p, "x/b", "x/a", 80, cluster=after) is True


def test_relabelled_target_becomes_isolated(policy, allowed):
    """§1: upstream "should deny ingress access to updated pod": a pod that gains the
    selected label becomes isolated and loses its open ingress."""
    p = policy("podSelector: {matchLabels: {target: 'true'}}\npolicyTypes: [Ingress]\n",
               namespace="x")
    before = nl.load_cluster(TWO_PODS)
    after = nl.load_cluster(TWO_PODS.replace("labels: {pod: a}", "labels: {pod: a, target: 'true'}"))
    assert allowed(p, "x/b", "x/a", 80, cluster=before) is True
    assert allowed(p, "x/b", "x/a", 80, cluster=after) is False


def test_updated_policy_from_allow_all_to_deny_all(policy, allowed):
    """§3: upstream "should enforce updated policy": ``ingress: [{}]`` then ``ingress: []``."""
    cluster = nl.load_cluster(TWO_PODS)
    allow_all = policy("podSelector: {}\ningress: [{}]\n", namespace="x")
    deny_all = policy("podSelector: {}\ningress: []\n", namespace="x")
    assert allowed(allow_all, "y/c", "x/a", 80, cluster=cluster) is True
    assert allowed(deny_all, "y/c", "x/a", 80, cluster=cluster) is False


def test_policy_without_namespace_lives_in_default(allowed):
    """§1: a policy lives in one namespace; without ``metadata.namespace`` it is ``default``."""
    (p,) = nl.load_policies("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                            "metadata: {name: deny}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n")
    cluster = nl.load_cluster("pods:\n  - {name: a, namespace: default, ports: [80]}\n"
                              "  - {name: b, namespace: other, ports: [80]}\n")
    assert p.namespace == "default"
    assert allowed(p, "other/b", "default/a", 80, cluster=cluster) is False
    assert allowed(p, "default/a", "other/b", 80, cluster=cluster) is True


def test_denied_explanation_describes_the_peers_that_did_not_match():
    """§4, explanations: a rule whose peers fail names the other end (labels, namespace) and
    what each ``from`` item asks for, so AND/OR mistakes can be read off the explanation."""
    v = nl.evaluate(nl.default_cluster(), nl.load_policies(nl.article_yaml("api-or")),
                    "staging/frontend", "production/api", 8080)
    assert v.ingress.checks[0].describe() == (
        "api-or rule 1 (spec.ingress[0]): no peer matches staging/frontend (app=frontend,"
        "tier=web, namespace staging, IP 10.244.2.10): from[0] is pods app=frontend in namespace "
        "production, from[1] is every pod in namespaces name=monitoring; no 'ports', so every "
        "port matches")
