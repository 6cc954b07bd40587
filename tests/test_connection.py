"""A connection: both ends must allow, externals are unchecked, loopback, union, open pods.

Semantics reference §1 (union of policies, unselected pods open) and §7 (a
connection). Kubernetes documentation, "Network Policies": "for a connection
from a source pod to a destination pod to be allowed, both the egress policy on
the source pod and the ingress policy on the destination pod need to allow the
connection"; "a pod cannot block access to itself".
"""

from __future__ import annotations

from itertools import permutations

import pytest

import netpol_lab as nl

DENY_ALL = "podSelector: {}\npolicyTypes: [Ingress, Egress]\n"


def test_both_ends_must_allow(policy, verdict):
    """§7: allowed exactly when egress at the source AND ingress at the destination allow."""
    egress_ok = policy("podSelector: {matchLabels: {app: frontend}}\npolicyTypes: [Egress]\n"
                       "egress: [{to: [{podSelector: {matchLabels: {app: api}}}]}]\n", name="fe-out")
    ingress_ok = policy("podSelector: {matchLabels: {app: api}}\n"
                        "ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}]}]\n",
                        name="api-in")
    ingress_no = policy("podSelector: {matchLabels: {app: api}}\npolicyTypes: [Ingress]\n",
                        name="api-closed")
    egress_no = policy("podSelector: {matchLabels: {app: frontend}}\npolicyTypes: [Egress]\n",
                       name="fe-closed")
    table = {
        (e.name, i.name): verdict([e, i], "production/frontend", "production/api", 8080)
        for e in (egress_ok, egress_no) for i in (ingress_ok, ingress_no)
    }
    assert {k: (v.egress.status, v.ingress.status, v.allowed) for k, v in table.items()} == {
        ("fe-out", "api-in"): ("allowed", "allowed", True),
        ("fe-out", "api-closed"): ("allowed", "denied", False),
        ("fe-closed", "api-in"): ("denied", "allowed", False),
        ("fe-closed", "api-closed"): ("denied", "denied", False),
    }
    # a denial names only the direction(s) that denied
    assert table["fe-out", "api-closed"].reason.startswith(
        "denied: production/api is isolated for ingress by api-closed")
    assert "egress" not in table["fe-out", "api-closed"].reason
    assert table["fe-closed", "api-closed"].reason.count("is isolated for") == 2


def test_external_source_has_no_egress_check(policy, verdict):
    """§7: an external endpoint has no policies; only the destination pod's ingress is checked."""
    v = verdict(policy(DENY_ALL), "partner-api", "production/api", 8080)
    assert (v.egress.status, v.egress.applies, v.ingress.status, v.allowed) == (
        "n/a", False, "denied", False)
    v = verdict([], "partner-api", "production/api", 8080)
    assert (v.egress.status, v.ingress.status, v.allowed) == ("n/a", "open", True)
    assert v.reason == "allowed: production/api is not isolated for ingress"


def test_external_destination_has_no_ingress_check(policy, verdict):
    """§7: towards an external endpoint only the source pod's egress is checked."""
    allow_out = policy("podSelector: {}\npolicyTypes: [Egress]\n"
                       "egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]\n")
    v = verdict(allow_out, "production/api", "public-web", 443)
    assert (v.egress.status, v.ingress.status, v.ingress.applies, v.allowed) == (
        "allowed", "n/a", False, True)


def test_loopback_is_always_allowed(policy, verdict):
    """§7: a pod can always reach itself, even under deny-all ingress and egress."""
    v = verdict(policy(DENY_ALL), "production/api", "production/api", 8080)
    assert (v.allowed, v.loopback) == (True, True)
    assert v.reason == "allowed: a pod can always reach itself (loopback is never blocked)"
    assert not verdict(policy(DENY_ALL), "production/api", "production/frontend", 80).allowed


def test_loopback_by_ip_is_still_loopback(policy, verdict):
    """§7: naming the same pod by its IP is the same endpoint, so still loopback."""
    v = verdict(policy(DENY_ALL), "production/api", "10.244.1.12", 8080)
    assert (v.loopback, v.allowed) == (True, True)


def test_pod_selected_by_no_policy_is_open(policy, verdict):
    """§1: a pod that no policy picks is open in both directions ("not isolated")."""
    v = verdict(policy(DENY_ALL), "staging/frontend", "staging/api", 8080)
    assert (v.egress.status, v.ingress.status, v.allowed) == ("open", "open", True)
    assert v.egress.isolating == () and v.ingress.isolating == ()
    assert v.reason == ("allowed: staging/frontend is not isolated for egress; "
                        "staging/api is not isolated for ingress")


def test_allowed_set_is_the_union_of_policies(policy, allowed):
    """§1: for an isolated pod, allowed traffic is the union of every selecting policy's rules."""
    from_frontend = policy("podSelector: {matchLabels: {app: api}}\n"
                           "ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}]}]\n",
                           name="a")
    from_bff = policy("podSelector: {matchLabels: {tier: backend}}\n"
                      "ingress: [{from: [{podSelector: {matchLabels: {app: mobile-bff}}}]}]\n",
                      name="b")
    both = [from_frontend, from_bff]
    assert allowed(both, "production/frontend", "production/api", 8080) is True
    assert allowed(both, "production/mobile-bff", "production/api", 8080) is True
    assert allowed(both, "production/cache", "production/api", 8080) is False
    assert allowed([from_frontend], "production/mobile-bff", "production/api", 8080) is False


def test_stacked_policies_on_different_ports(policy, allowed):
    """§1: upstream "should enforce multiple, stacked policies with overlapping podSelectors":
    a second policy opens port 80 next to the first one's 81."""
    cluster = nl.load_cluster("""
pods:
  - {name: a, namespace: x, labels: {pod: a}, ports: [80, 81]}
  - {name: a, namespace: y, labels: {pod: a}}
""")
    p81 = policy("podSelector: {matchLabels: {pod: a}}\n"
                 "ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}}],"
                 " ports: [{port: 81}]}]\n", namespace="x", name="p81")
    p80 = policy("podSelector: {matchLabels: {pod: a}}\n"
                 "ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: y}}}],"
                 " ports: [{port: 80}]}]\n", namespace="x", name="p80")
    assert [allowed([p81], "y/a", "x/a", n, cluster=cluster) for n in (80, 81)] == [False, True]
    assert [allowed([p81, p80], "y/a", "x/a", n, cluster=cluster) for n in (80, 81)] == [True, True]


def test_policy_order_never_matters():
    """§1: policies never conflict; every order of the article's policies gives the same table."""
    policies = list(nl.article_policies().values())[:4]
    cluster = nl.default_cluster()
    tables = set()
    for order in permutations(policies):
        table = nl.traffic_table(cluster, list(order))
        tables.add(tuple(zip(table["source"], table["destination"], table["port"],
                             table["allowed"], strict=True)))
    assert len(tables) == 1


def test_adding_an_allow_policy_never_removes_access(policy, allowed):
    """§1: there are no deny rules in v1; an allow-all policy next to a deny-all opens everything."""
    deny = policy(DENY_ALL, name="deny")
    allow = policy("podSelector: {}\ningress: [{}]\negress: [{}]\n", name="allow")
    assert allowed([deny], "production/frontend", "production/api", 8080) is False
    assert allowed([deny, allow], "production/frontend", "production/api", 8080) is True
    assert allowed([allow, deny], "production/frontend", "production/api", 8080) is True


def test_policy_deleted_means_open_again(policy, allowed):
    """§1: upstream "should stop enforcing policies after they are deleted"."""
    assert allowed(policy(DENY_ALL), "production/frontend", "production/api", 8080) is False
    assert allowed([], "production/frontend", "production/api", 8080) is True


def test_policy_in_a_namespace_that_does_not_exist_yet(policy, cluster):
    """§1 / issue 2: a policy may live in a namespace with no pods and no Namespace object.

    It selects nothing, changes no verdict, and the namespace appears in the
    scenario with only its name label.
    """
    p = policy(DENY_ALL, namespace="payments")
    scenario = nl.Scenario(cluster, [p])
    assert scenario.selected_pods(p) == []
    assert scenario.cluster.namespace_labels("payments") == {
        "kubernetes.io/metadata.name": "payments"}
    assert "payments" not in cluster.namespaces  # the default cluster itself is unchanged
    before = nl.traffic_table(cluster, [])
    after = nl.traffic_table(cluster, [p])
    assert after["allowed"].tolist() == before["allowed"].tolist()
    assert bool(after["allowed"].all())


def test_policy_waiting_for_its_namespace_applies_once_pods_arrive(policy, allowed):
    """§1: the same policy, once the namespace has pods, isolates them."""
    p = policy(DENY_ALL, namespace="payments")
    cluster = nl.load_cluster("pods:\n  - {name: ledger, namespace: payments, ports: [8443]}\n"
                              "  - {name: web, namespace: shop}\n")
    assert allowed(p, "shop/web", "payments/ledger", 8443, cluster=cluster) is False
    assert allowed([], "shop/web", "payments/ledger", 8443, cluster=cluster) is True


def test_isolating_lists_policies_per_direction(policy, cluster):
    """§1: ``Scenario.isolating`` names the policies that isolate a pod, per direction."""
    a = policy("podSelector: {}\npolicyTypes: [Ingress]\n", name="a")
    b = policy("podSelector: {matchLabels: {app: api}}\npolicyTypes: [Ingress, Egress]\n", name="b")
    s = nl.Scenario(cluster, [a, b])
    assert [p.name for p in s.isolating("production/api", "ingress")] == ["a", "b"]
    assert [p.name for p in s.isolating("production/api", "egress")] == ["b"]
    assert [p.name for p in s.isolating("production/cache", "egress")] == []
    assert s.isolating("partner-api", "ingress") == ()


def test_endpoints_by_name_ip_or_short_name(cluster):
    """Issue 2, API (endpoints): endpoints are named ``namespace/pod``, by external name, by IP, or by a unique pod name."""
    assert cluster.endpoint("production/api").ip == "10.244.1.12"
    assert cluster.endpoint("10.244.1.12").id == "production/api"
    assert cluster.endpoint("partner-api").ip == "203.0.113.10"
    assert cluster.endpoint("database").id == "production/database"
    unknown_ip = cluster.endpoint("8.8.8.8")
    assert (unknown_ip.is_pod, unknown_ip.ip) == (False, "8.8.8.8")


@pytest.mark.parametrize(("ref", "message"), [
    ("production/nope", "there is no pod or external endpoint called 'production/nope'"),
    ("frontend", "'frontend' names pods in several namespaces"),
])
def test_unknown_endpoint_is_a_netpol_error(cluster, ref, message):
    """Issue 2, API (endpoints): A question about an endpoint that does not exist is an UnknownEndpointError, not KeyError."""
    with pytest.raises(nl.UnknownEndpointError) as info:
        nl.evaluate(cluster, [], ref, "production/api", 8080)
    assert info.value.message == message
    assert isinstance(info.value, nl.NetpolError)


def test_table_is_about_who_opens_the_connection(policy, cluster):
    """§7: policies are stateful; the table asks who may *open* a connection, per direction.

    With api closed for ingress, frontend cannot open a connection to api, yet
    api may open one to frontend (and the replies of that connection flow back).
    """
    p = policy("podSelector: {matchLabels: {app: api}}\npolicyTypes: [Ingress]\n")
    table = nl.traffic_table(cluster, [p])
    row = table.set_index(["source", "destination", "port", "protocol"])["allowed"]
    assert bool(row["production/frontend", "production/api", 8080, "TCP"]) is False
    assert bool(row["production/api", "production/frontend", 80, "TCP"]) is True
