"""Lint: one test per trap of section 9 of the semantics reference.

Each warning is valid input the API server accepts; the tests pin the stable
code, the field path and the line, so course material can refer to them.
"""

from __future__ import annotations

import textwrap

import pytest

import netpol_lab as nl
from netpol_lab.lint import lint


def policies(text: str):
    return nl.load_policies(textwrap.dedent(text))


def codes(text: str, cluster=None) -> list[str]:
    return [w.code for w in lint(cluster or nl.default_cluster(), policies(text))]


def only(code: str, text: str, cluster=None):
    found = [w for w in lint(cluster or nl.default_cluster(), policies(text)) if w.code == code]
    assert len(found) == 1, found
    return found[0]


HEADER = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: p
  namespace: production
spec:
"""


def test_clean_policy_has_no_findings():
    """A least-privilege ingress policy with matching labels raises nothing."""
    assert codes(HEADER + """\
  podSelector: {matchLabels: {app: database}}
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {matchLabels: {app: api}}}]
      ports: [{port: 5432}]
""") == []


def test_or_of_selectors_is_reported_with_both_items():
    """§9 / §4: two items (OR) where one ANDed item may have been meant."""
    w = only("NPL201", HEADER + """\
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from:
        - podSelector: {matchLabels: {app: frontend}}
        - namespaceSelector: {matchLabels: {name: production}}
""")
    assert w.path == "spec.ingress[0].from"
    assert w.line == 10
    assert "ORed" in w.message and "ONE item" in w.fix


def test_or_of_selectors_is_quiet_when_no_pod_is_both():
    """§4: frontend pods of production OR every pod of monitoring: the ANDed item would
    select nothing, so the OR is what was meant (selectors-01's answer) and merging
    the items, as NPL201 would suggest, would be wrong."""
    assert "NPL201" not in codes(HEADER + """\
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from:
        - podSelector: {matchLabels: {app: frontend}}
        - namespaceSelector: {matchLabels: {name: monitoring}}
""")


def test_or_of_selectors_suggests_the_and_item():
    """§4: NPL201's suggestion merges the two items into one ANDed item, and says which
    pods that item would match."""
    text = HEADER + """\
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from:
        - podSelector: {matchLabels: {app: frontend}}
        - namespaceSelector: {matchLabels: {env: staging}}
"""
    w = only("NPL201", text)
    assert "staging/frontend" in w.fix
    (peer,) = w.suggestion.ingress[0].peers
    assert str(peer.pod_selector) == "app=frontend" and str(peer.namespace_selector) == "env=staging"
    assert w.to_dict()["suggestion"]["spec"]["ingress"][0]["from"] == [
        {"podSelector": {"matchLabels": {"app": "frontend"}},
         "namespaceSelector": {"matchLabels": {"env": "staging"}}}]


def test_and_of_selectors_matching_nothing_is_reported():
    """§9 / §4: one item with both selectors is AND; when no pod is both, the item
    matches nothing, and two ORed items were almost certainly meant."""
    w = only("NPL202", HEADER + """\
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from:
        - podSelector: {matchLabels: {app: frontend}}
          namespaceSelector: {matchLabels: {name: monitoring}}
""")
    assert w.path == "spec.ingress[0].from[0]"
    assert w.severity == "warning"
    assert "ANDed" in w.message and "monitoring/prometheus" in w.message
    assert [len(r.peers) for r in w.suggestion.ingress] == [2]


def test_and_of_selectors_matching_pods_is_the_tight_form():
    """§4: an ANDed item that matches pods (the frontend of staging, the coredns pods of
    kube-system) is the least-privilege form; splitting it would open more."""
    assert codes(HEADER + """\
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector: {matchLabels: {app: frontend}}
          namespaceSelector: {matchLabels: {name: staging}}
""") == []


def test_egress_rules_ignored_without_egress_type():
    """§2 / §9: policyTypes [Ingress] with egress rules: the egress rules do nothing."""
    w = only("NPL301", HEADER + """\
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  egress:
    - to: [{podSelector: {matchLabels: {app: database}}}]
""")
    assert w.path == "spec.egress"
    assert w.severity == "warning"


def test_ingress_rules_ignored_without_ingress_type():
    """§2: policyTypes [Egress] with ingress rules: the ingress rules do nothing."""
    assert "NPL302" in codes(HEADER + """\
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Egress]
  ingress:
    - {}
  egress:
    - {}
""")


def test_egress_only_policy_without_policy_types_isolates_ingress():
    """§2 / §9: no policyTypes + only egress rules ⇒ Ingress is in force too (deny-all ingress)."""
    w = only("NPL303", HEADER + """\
  podSelector: {matchLabels: {app: api}}
  egress:
    - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
""")
    assert "[Ingress, Egress]" in w.message


def test_egress_isolation_without_dns():
    """§9: egress isolation with no rule allowing UDP and TCP 53 to the DNS pods."""
    w = only("NPL401", HEADER + """\
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Egress]
  egress:
    - to: [{podSelector: {matchLabels: {app: database}}}]
""")
    assert "production/api (UDP)" in w.message and "production/api (TCP)" in w.message


def test_egress_without_dns_suggests_the_dns_pods_only():
    """§9: NPL401's suggested rule reaches the DNS pods (their namespace AND their
    labels) on UDP and TCP 53, nothing more; the warning lists the blocked connections."""
    text = HEADER + """\
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Egress]
  egress:
    - to: [{podSelector: {matchLabels: {app: database}}}]
"""
    w = only("NPL401", text)
    assert w.connections == ("production/api → kube-system/coredns 53/UDP",
                             "production/api → kube-system/coredns 53/TCP")
    assert "k8s-app: kube-dns" in w.fix
    fixed = nl.traffic_table(nl.default_cluster(), [w.suggestion])
    opened = fixed[(fixed.source == "production/api") & fixed.allowed
                   & (fixed.destination != "production/api")]
    assert sorted(set(zip(opened.destination, opened.port, opened.protocol, strict=True))) == [
        ("kube-system/coredns", 53, "TCP"), ("kube-system/coredns", 53, "UDP"),
        ("production/database", 5432, "TCP")]
    assert lint(nl.default_cluster(), [w.suggestion]) == []


def test_dns_allowed_for_udp_only_still_warns_for_tcp():
    """§9: DNS needs TCP 53 too (large answers); the article's api-egress allows UDP only."""
    w = only("NPL401", nl.article_yaml("api-egress"))
    assert "(TCP)" in w.message and "(UDP)" not in w.message


def test_pod_selector_matching_nothing():
    """§9: a selector that matches nothing in the cluster (often a label typo)."""
    w = only("NPL501", HEADER + """\
  podSelector: {matchLabels: {app: apii}}
""")
    assert w.path == "spec.podSelector"


def test_peer_pod_selector_only_looks_in_policy_namespace():
    """§4 / §9: podSelector alone matches pods of the policy's namespace only."""
    w = only("NPL501", HEADER + """\
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: prometheus}}}]
""")
    assert "production" in w.fix


def test_namespace_selector_on_name_label_that_does_not_exist():
    """§5 / §9: ``name: X`` where namespaces only carry kubernetes.io/metadata.name."""
    cluster = nl.load_cluster("namespaces: {shop: {}, monitoring: {}}\n"
                              "pods: [{name: web, namespace: shop, labels: {app: web}}]\n")
    w = only("NPL502", """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
  podSelector: {}
  ingress:
    - from: [{namespaceSelector: {matchLabels: {name: monitoring}}}]
""", cluster)
    assert "kubernetes.io/metadata.name: monitoring" in w.fix
    assert "NPL502" not in [x.code for x in lint(cluster, [w.suggestion])]


def test_policy_in_missing_namespace():
    """§1: a policy in a namespace with no pods selects nothing."""
    assert codes("kind: NetworkPolicy\nmetadata: {name: p, namespace: nowhere}\n"
                 "spec: {podSelector: {}}\n") == ["NPL503"]


def test_named_port_not_exposed():
    """§6 / §9: a named port that no selected pod exposes matches nothing."""
    w = only("NPL601", HEADER + """\
  podSelector: {matchLabels: {app: api}}
  ingress:
    - ports: [{port: https}]
""")
    assert w.path == "spec.ingress[0].ports[0].port"


def test_named_port_exposed_is_fine():
    """§6: api declares ``http`` (8080), so the entry is meaningful."""
    assert "NPL601" not in codes(HEADER + """\
  podSelector: {matchLabels: {app: api}}
  ingress:
    - ports: [{port: http}]
""")


def test_ip_block_covering_pod_ips():
    """§4 lab choice / §9: an ipBlock containing pod IPs behaves differently across plugins."""
    w = only("NPL701", nl.article_yaml("api-egress-ipblock"))
    assert "production/frontend" in w.message
    assert "except: [10.244.0.0/16]" in w.fix
    block, pods = w.suggestion.egress[0].peers
    assert [str(n) for n in block.ip_block.except_] == ["10.0.1.0/24", "10.244.0.0/16"]
    assert pods.namespace_selector.is_empty and pods.pod_selector is None
    assert "NPL701" not in codes_of([w.suggestion])


def test_ip_block_suggestion_is_the_portable_form_of_the_same_traffic():
    """§4 lab choice: NPL701's suggestion cuts the pod network out of the ipBlock and
    selects the pods it matched with a selector instead, so the policy means on every
    plugin what it means in the lab: no verdict changes."""
    cluster = nl.default_cluster()
    original = policies(nl.article_yaml("api-egress-ipblock"))
    (w,) = [x for x in lint(cluster, original) if x.code == "NPL701"]
    before = nl.traffic_table(cluster, original)
    after = nl.traffic_table(cluster, [w.suggestion])
    assert before.allowed.tolist() == after.allowed.tolist()


def codes_of(policies_) -> list[str]:
    return [w.code for w in lint(nl.default_cluster(), policies_)]


@pytest.mark.parametrize("code, text", [
    ("NPL301", HEADER + "  podSelector: {}\n  policyTypes: [Ingress]\n"
                        "  egress: [{to: [{podSelector: {}}]}]\n"),
    ("NPL302", HEADER + "  podSelector: {}\n  policyTypes: [Egress]\n  ingress: [{}]\n"
                        "  egress: [{}]\n"),
    ("NPL303", HEADER + "  podSelector: {}\n  egress: [{}]\n"),
    ("NPL801", HEADER + "  podSelector: {matchLabels: {app: api}}\n  ingress:\n"
                        "    - from: [{podSelector: {}}]\n    - from: [{podSelector: {}}]\n"
                        "      ports: [{port: 8080}]\n"),
])
def test_following_a_suggestion_removes_the_warning(code, text):
    """A warning's suggestion is the fix applied: linting it again, the warning is gone."""
    w = only(code, text)
    assert w.suggestion is not None and w.suggestion.id == w.policy
    assert code not in codes_of([w.suggestion])


def test_deleting_a_shadowed_rule_keeps_the_traffic():
    """§9: NPL801's suggestion (delete the rule) changes no verdict, even when it deletes
    the last egress rule of a policy without policyTypes (the types are written out)."""
    text = HEADER + """\
  podSelector: {matchLabels: {app: api}}
  egress:
    - to: [{podSelector: {}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: q, namespace: production}
spec:
  podSelector: {matchLabels: {app: api}}
  egress:
    - to: [{podSelector: {}}]
"""
    pols = policies(text)
    found = [w for w in lint(nl.default_cluster(), pols) if w.code == "NPL801"]
    assert found
    for w in found:
        fixed = [w.suggestion if p.id == w.policy else p for p in pols]
        before = nl.traffic_table(nl.default_cluster(), pols)
        after = nl.traffic_table(nl.default_cluster(), fixed)
        assert before.allowed.tolist() == after.allowed.tolist()


def test_cidr_with_host_bits():
    """§4: ``10.1.2.3/8`` is accepted and means 10.0.0.0/8; worth a note."""
    w = only("NPL102", HEADER + """\
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Egress]
  egress:
    - to: [{ipBlock: {cidr: 203.0.113.7/24}}]
    - ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
""")
    assert "203.0.113.0/24" in w.fix


def test_omitted_pod_selector_is_accepted_with_a_note():
    """§1: spec.podSelector left out means {} (kubernetes/kubernetes#131354)."""
    found = lint(nl.default_cluster(), policies(
        "kind: NetworkPolicy\nmetadata: {name: p, namespace: production}\nspec: {}\n"))
    assert [w.code for w in found] == ["NPL101"]


def test_shadowed_rule():
    """§9: a rule that can never add anything beyond the other rules of the same pod."""
    w = only("NPL801", HEADER + """\
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from: [{podSelector: {}}]
    - from: [{podSelector: {matchLabels: {app: frontend}}}]
      ports: [{port: 8080}]
""")
    assert w.path == "spec.ingress[1]"


def test_rule_adding_something_is_not_shadowed():
    """Two rules that each allow something the other does not are both useful."""
    assert "NPL801" not in codes(nl.article_yaml("api-ingress"))


@pytest.mark.parametrize("name", sorted(nl.article_policies()))
def test_warnings_carry_location_and_fix(name):
    """Every finding names a policy, a path, a line (text input) and a fix."""
    for w in lint(nl.default_cluster(), nl.load_policies(nl.article_yaml(name))):
        assert w.policy == f"production/{name}"
        assert w.path.startswith("spec")
        assert w.line is not None and w.fix
        assert str(w).startswith(w.code)


def test_udp_only_dns_says_lookups_falling_back_to_tcp_fail():
    """§9: with UDP 53 allowed, only lookups that fall back to TCP fail; say that, no more."""
    w = only("NPL401", nl.article_yaml("api-egress"))
    assert "Name lookups that fall back to TCP (answers too large for UDP) will fail." in w.message
    assert "Name lookups will fail" not in w.message


def test_default_deny_plus_udp_only_dns_is_one_warning_on_the_dns_policy():
    """§9: one missing DNS rule is one warning, on the policy that has egress rules; the
    default-deny policy (no egress rules) is not told to change its `spec.egress`."""
    deny = HEADER.replace("name: p", "name: deny-egress") + "  podSelector: {}\n" \
        "  policyTypes: [Egress]\n"
    dns = HEADER.replace("name: p", "name: allow-dns") + """\
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}},
            podSelector: {matchLabels: {k8s-app: kube-dns}}}]
      ports: [{protocol: UDP, port: 53}]
"""
    w = only("NPL401", deny + "---\n" + dns)
    assert w.policy == "production/allow-dns" and w.path == "spec.egress"
    # alone, the default-deny policy is told about it, at its policyTypes
    w = only("NPL401", deny)
    assert w.path == "spec.policyTypes" and w.line == 8
