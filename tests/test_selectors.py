"""Label selectors and peers: AND inside one item, OR between items, operators, name labels.

Semantics reference §4 (peers) and §5 (label selectors). Kubernetes API:
NetworkPolicyPeer ("If namespaceSelector is also set, then the NetworkPolicyPeer
as a whole selects the pods matching podSelector in the Namespaces selected by
NamespaceSelector. Otherwise it selects the pods matching podSelector in the
policy's own namespace"), LabelSelector ("The requirements are ANDed").
"""

from __future__ import annotations

import pytest

import netpol_lab as nl
from netpol_lab.selectors import parse_selector

OR_FORM = """
podSelector: {matchLabels: {app: api}}
ingress:
  - from:
      - podSelector: {matchLabels: {app: frontend}}
      - namespaceSelector: {matchLabels: {env: staging}}
"""
AND_FORM = """
podSelector: {matchLabels: {app: api}}
ingress:
  - from:
      - podSelector: {matchLabels: {app: frontend}}
        namespaceSelector: {matchLabels: {env: staging}}
"""


@pytest.mark.parametrize(("source", "in_or", "in_and"), [
    ("production/frontend", True, False),   # pod selector alone: the policy's namespace
    ("staging/frontend", True, True),       # both: frontend AND in staging
    ("staging/api", True, False),           # namespace selector alone: any pod of staging
    ("production/cache", False, False),
    ("monitoring/prometheus", False, False),
])
def test_two_items_are_ored_one_item_is_anded(policy, allowed, source, in_or, in_and):
    """§4: separate list items are ORed; podSelector and namespaceSelector in one item are ANDed.

    Upstream: "should enforce policy based on PodSelector or NamespaceSelector" and
    "should enforce policy based on PodSelector and NamespaceSelector".
    """
    assert allowed(policy(OR_FORM), source, "production/api", 8080) is in_or
    assert allowed(policy(AND_FORM), source, "production/api", 8080) is in_and


def test_namespace_selector_alone_means_every_pod_of_those_namespaces(policy, allowed):
    """§4: namespaceSelector alone selects all pods in the matching namespaces."""
    p = policy("""
        podSelector: {matchLabels: {app: api}}
        ingress: [{from: [{namespaceSelector: {matchLabels: {env: production}}}]}]
    """)
    for src in ("production/frontend", "production/cache", "production/database"):
        assert allowed(p, src, "production/api", 8080) is True
    assert allowed(p, "staging/frontend", "production/api", 8080) is False


def test_match_labels_requires_every_pair(policy, allowed):
    """§5: every matchLabels pair must be present (mobile-bff has tier=web but not app=frontend)."""
    p = policy("""
        podSelector: {matchLabels: {app: api}}
        ingress: [{from: [{podSelector: {matchLabels: {app: frontend, tier: web}}}]}]
    """)
    assert allowed(p, "production/frontend", "production/api", 8080) is True
    assert allowed(p, "production/mobile-bff", "production/api", 8080) is False


def test_match_labels_and_match_expressions_are_anded(policy, allowed):
    """§5: matchLabels AND matchExpressions: tier=web but app not frontend ⇒ only mobile-bff."""
    p = policy("""
        podSelector: {matchLabels: {app: api}}
        ingress:
          - from:
              - podSelector:
                  matchLabels: {tier: web}
                  matchExpressions: [{key: app, operator: NotIn, values: [frontend]}]
    """)
    assert allowed(p, "production/mobile-bff", "production/api", 8080) is True
    assert allowed(p, "production/frontend", "production/api", 8080) is False
    assert allowed(p, "production/cache", "production/api", 8080) is False


EXPRESSIONS = [
    ({"key": "tier", "operator": "In", "values": ["web", "data"]},
     {"frontend", "mobile-bff", "database", "cache"}),
    ({"key": "tier", "operator": "NotIn", "values": ["web", "data"]}, {"api", "lonely"}),
    ({"key": "tier", "operator": "Exists"}, {"frontend", "mobile-bff", "api", "database", "cache"}),
    ({"key": "tier", "operator": "DoesNotExist"}, {"lonely"}),
]


@pytest.mark.parametrize(("expression", "selected"), EXPRESSIONS,
                         ids=[e[0]["operator"] for e in EXPRESSIONS])
def test_operators(expression, selected):
    """§5: In, NotIn, Exists, DoesNotExist; NotIn and DoesNotExist match objects lacking the key."""
    sel = parse_selector({"matchExpressions": [expression]}, ("podSelector",))
    pods = {"frontend": {"app": "frontend", "tier": "web"},
            "mobile-bff": {"app": "mobile-bff", "tier": "web"},
            "api": {"app": "api", "tier": "backend"},
            "database": {"app": "database", "tier": "data"},
            "cache": {"app": "cache", "tier": "data"},
            "lonely": {"app": "lonely"}}
    assert {name for name, labels in pods.items() if sel.matches(labels)} == selected


def test_several_expressions_are_anded():
    """§5: every requirement of matchExpressions must hold."""
    sel = parse_selector({"matchExpressions": [
        {"key": "app", "operator": "Exists"},
        {"key": "tier", "operator": "NotIn", "values": ["data"]},
        {"key": "canary", "operator": "DoesNotExist"}]}, ("podSelector",))
    assert sel.matches({"app": "api", "tier": "backend"}) is True
    assert sel.matches({"app": "api"}) is True
    assert sel.matches({"app": "api", "tier": "data"}) is False
    assert sel.matches({"app": "api", "canary": "true"}) is False
    assert sel.matches({"tier": "backend"}) is False
    assert str(sel) == "app,tier notin (data),!canary"


def test_label_values_compare_exactly():
    """§5: matching is exact and case-sensitive; an empty value is a value."""
    sel = parse_selector({"matchLabels": {"app": "API"}}, ("podSelector",))
    assert sel.matches({"app": "api"}) is False
    empty = parse_selector({"matchLabels": {"canary": ""}}, ("podSelector",))
    assert empty.matches({"canary": ""}) is True
    assert empty.matches({}) is False


def test_namespace_selector_with_match_expressions(policy, allowed):
    """§5: upstream "should enforce policy based on NamespaceSelector with MatchExpressions"."""
    p = policy("""
        podSelector: {matchLabels: {app: api}}
        ingress:
          - from:
              - namespaceSelector:
                  matchExpressions:
                    - {key: kubernetes.io/metadata.name, operator: In, values: [monitoring]}
    """)
    assert allowed(p, "monitoring/prometheus", "production/api", 9090) is True
    assert allowed(p, "production/frontend", "production/api", 9090) is False
    assert allowed(p, "staging/frontend", "production/api", 9090) is False


def test_every_namespace_carries_its_name_label(cluster):
    """§5: every namespace has ``kubernetes.io/metadata.name: <name>``, declared labels kept."""
    assert cluster.namespace_labels("kube-system") == {"kubernetes.io/metadata.name": "kube-system"}
    assert cluster.namespace_labels("production") == {
        "name": "production", "env": "production", "kubernetes.io/metadata.name": "production"}


def test_name_label_cannot_be_overridden():
    """§5: the API server sets the name label to the namespace's name, whatever was declared."""
    c = nl.load_cluster("namespaces: {shop: {labels: {kubernetes.io/metadata.name: other}}}\n")
    assert c.namespace_labels("shop") == {"kubernetes.io/metadata.name": "shop"}


def test_selecting_a_namespace_by_its_automatic_name_label(policy, allowed):
    """§5: kube-system declares no labels, yet the name label selects it (the article's DNS rule);
    a ``name: kube-system`` label, which nobody set, selects nothing (a lint trap, §9)."""
    by_name_label = policy("""
        podSelector: {matchLabels: {app: api}}
        policyTypes: [Egress]
        egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}}]}]
    """)
    by_custom_label = policy("""
        podSelector: {matchLabels: {app: api}}
        policyTypes: [Egress]
        egress: [{to: [{namespaceSelector: {matchLabels: {name: kube-system}}}]}]
    """)
    assert allowed(by_name_label, "production/api", "kube-system/coredns", 53, "UDP") is True
    assert allowed(by_custom_label, "production/api", "kube-system/coredns", 53, "UDP") is False


def test_access_follows_namespace_labels(policy, allowed):
    """§4/§5: upstream "should allow ingress access from updated namespace": labelling the
    client's namespace so that the namespaceSelector matches opens the connection."""
    text = """
namespaces: {x: {}, y: {labels: {team: blue}}}
pods:
  - {name: a, namespace: x, labels: {pod: a}, ports: [80]}
  - {name: a, namespace: y, labels: {pod: a}, ports: [80]}
"""
    p = policy("podSelector: {matchLabels: {pod: a}}\n"
               "ingress: [{from: [{namespaceSelector: {matchLabels: {ns2: updated}}}]}]\n",
               namespace="x")
    before = nl.load_cluster(text)
    after = nl.load_cluster(text.replace("{team: blue}", "{team: blue, ns2: updated}"))
    assert allowed(p, "y/a", "x/a", 80, cluster=before) is False
    assert allowed(p, "y/a", "x/a", 80, cluster=after) is True


def test_and_with_not_in_namespaces(policy, allowed):
    """§4: upstream "should enforce policy based on Multiple PodSelectors and NamespaceSelectors":
    pods {b, c} in namespaces other than x."""
    cluster = nl.load_cluster("""
pods:
  - {name: a, namespace: x, labels: {pod: a}, ports: [80]}
  - {name: b, namespace: x, labels: {pod: b}, ports: [80]}
  - {name: a, namespace: y, labels: {pod: a}, ports: [80]}
  - {name: b, namespace: y, labels: {pod: b}, ports: [80]}
  - {name: c, namespace: y, labels: {pod: c}, ports: [80]}
""")
    p = policy("""
        podSelector: {matchLabels: {pod: a}}
        ingress:
          - from:
              - namespaceSelector:
                  matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [x]}]
                podSelector:
                  matchExpressions: [{key: pod, operator: In, values: [b, c]}]
    """, namespace="x")
    got = {src: allowed(p, src, "x/a", 80, cluster=cluster) for src in ("x/b", "y/a", "y/b", "y/c")}
    assert got == {"x/b": False, "y/a": False, "y/b": True, "y/c": True}
