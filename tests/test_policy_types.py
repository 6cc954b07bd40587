"""policyTypes: its default, and the three traps it sets.

Semantics reference §2. Kubernetes API, NetworkPolicySpec.policyTypes: "If
this field is not specified, it will default based on the existence of ingress
or egress rules; policies that contain an egress section are assumed to affect
egress, and all policies (whether or not they contain an ingress section) are
assumed to affect ingress."
"""

from __future__ import annotations

import pytest

from netpol_lab.policy import effective_policy_types


def test_absent_policy_types_with_ingress_rules_is_ingress_only(policy, verdict):
    """§2: absent policyTypes, ingress rules only ⇒ ``(Ingress,)``; egress stays open."""
    p = policy("podSelector: {matchLabels: {app: api}}\n"
               "ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}]}]\n")
    assert (p.policy_types, p.declared_policy_types) == (("Ingress",), None)
    assert verdict(p, "production/api", "public-web", 443).egress.status == "open"


def test_trap_egress_rules_without_policy_types_also_isolate_ingress(policy, verdict):
    """§2 trap 1: absent policyTypes + egress rules ⇒ Ingress is also in force (deny-all ingress).

    The author meant "limit api's egress", and also cut every connection into api.
    """
    p = policy("podSelector: {matchLabels: {app: api}}\n"
               "egress: [{to: [{podSelector: {matchLabels: {app: database}}}]}]\n", name="egress-only")
    assert p.policy_types == ("Ingress", "Egress")
    v = verdict(p, "production/frontend", "production/api", 8080)
    assert v.allowed is False
    assert v.ingress.status == "denied"
    assert v.reason == ("denied: production/api is isolated for ingress by egress-only, which has "
                        "no ingress rules, so nothing is allowed")
    assert verdict(p, "production/api", "production/database", 5432).allowed is True


def test_absent_policy_types_with_empty_egress_list_is_ingress_only(policy):
    """§2: Egress joins the default only when ``spec.egress`` is present AND non-empty."""
    assert policy("podSelector: {}\negress: []\n").policy_types == ("Ingress",)
    assert policy("podSelector: {}\negress: [{}]\n").policy_types == ("Ingress", "Egress")


def test_trap_policy_types_ingress_ignores_egress_rules(policy, verdict):
    """§2 trap 2: ``policyTypes: [Ingress]`` with egress rules: the egress rules are ignored.

    The rules are kept on the policy (for lint) but none is in force, and the
    pod's egress stays open.
    """
    p = policy("podSelector: {matchLabels: {app: api}}\npolicyTypes: [Ingress]\n"
               "egress: [{to: [{podSelector: {matchLabels: {app: database}}}]}]\n")
    assert (len(p.egress), p.rules("egress")) == (1, ())
    v = verdict(p, "production/api", "production/cache", 6379)
    assert (v.allowed, v.egress.status) == (True, "open")


def test_trap_policy_types_egress_without_rules_denies_all_egress(policy, verdict):
    """§2 trap 3: ``policyTypes: [Egress]`` and no egress rules = deny all egress; ingress open."""
    p = policy("podSelector: {matchLabels: {app: api}}\npolicyTypes: [Egress]\n")
    assert p.policy_types == ("Egress",)
    assert verdict(p, "production/api", "production/database", 5432).egress.status == "denied"
    assert verdict(p, "production/frontend", "production/api", 8080).ingress.status == "open"


def test_ingress_and_egress_together(policy, allowed):
    """§2: upstream "should work with Ingress, Egress specified together": each direction
    applies its own rules."""
    p = policy("""
        podSelector: {matchLabels: {app: api}}
        policyTypes: [Ingress, Egress]
        ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}]}]
        egress: [{to: [{podSelector: {matchLabels: {app: database}}}]}]
    """)
    assert allowed(p, "production/frontend", "production/api", 8080) is True
    assert allowed(p, "production/cache", "production/api", 8080) is False
    assert allowed(p, "production/api", "production/database", 5432) is True
    assert allowed(p, "production/api", "production/cache", 6379) is False


def test_directions_are_controlled_independently(policy, verdict):
    """§1/§2: upstream "should enforce policies to check ingress and egress policies can be
    controlled independently based on PodSelector": an egress policy and an ingress policy on
    different pods each act on their own direction only."""
    deny_egress_api = policy("podSelector: {matchLabels: {app: api}}\npolicyTypes: [Egress]\n",
                             name="a")
    deny_ingress_db = policy("podSelector: {matchLabels: {app: database}}\n"
                             "policyTypes: [Ingress]\n", name="b")
    v = verdict([deny_egress_api, deny_ingress_db], "production/cache", "production/api", 8080)
    assert (v.allowed, v.egress.status, v.ingress.status) == (True, "open", "open")
    v = verdict([deny_egress_api, deny_ingress_db], "production/api", "production/cache", 6379)
    assert (v.allowed, v.egress.status, v.ingress.status) == (False, "denied", "open")
    v = verdict([deny_egress_api, deny_ingress_db], "production/cache", "production/database", 5432)
    assert (v.allowed, v.egress.status, v.ingress.status) == (False, "open", "denied")


@pytest.mark.parametrize(("declared", "effective"), [
    ("[Ingress]", ("Ingress",)), ("[Egress]", ("Egress",)),
    ("[Ingress, Egress]", ("Ingress", "Egress")), ("[Egress, Ingress]", ("Ingress", "Egress")),
])
def test_declared_policy_types_are_taken_as_written(policy, declared, effective):
    """§2: when policyTypes is given, it alone decides (order does not matter)."""
    p = policy(f"podSelector: {{}}\npolicyTypes: {declared}\negress: [{{}}]\n")
    assert p.policy_types == effective


def test_empty_policy_types_list_is_defaulted_like_an_absent_one(policy):
    """§2: ``policyTypes: []`` gets the default, as the API server's SetDefaults_NetworkPolicy."""
    assert policy("podSelector: {}\npolicyTypes: []\negress: [{}]\n").policy_types == (
        "Ingress", "Egress")
    assert policy("podSelector: {}\npolicyTypes: []\n").declared_policy_types is None


def test_effective_policy_types_function():
    """§2: the default as a pure function of (declared, egress rules)."""
    assert effective_policy_types(None, []) == ("Ingress",)
    assert effective_policy_types(None, [{}]) == ("Ingress", "Egress")
    assert effective_policy_types(("Egress",), [{}]) == ("Egress",)
    assert effective_policy_types(("Ingress",), [{}]) == ("Ingress",)
