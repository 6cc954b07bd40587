"""Differential and property tests: two evaluators, one semantics.

The per-connection engine (``Scenario.evaluate``) is the reference: it
follows the semantics reference rule by rule and explains itself. The
vectorised path (``netpol_lab.reachability``) computes whole matrices with
boolean algebra. On random clusters and policies using every feature, the two
must agree on every pair and port; and both must have the properties the
semantics reference promises (section 1: order never matters, rules only add,
a pod no policy picks is open).

Examples are bounded (``max_examples``) so the file runs in well under a
minute; ``HYPOTHESIS_PROFILE=thorough`` runs ten times more.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import PORTS_UNDER_TEST, clusters, policy_lists, rules

import netpol_lab as nl
from netpol_lab.reachability import STATUSES, Reachability, iter_table
from netpol_lab.table import traffic_table

EXAMPLES = 600 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else 60
bounded = settings(max_examples=EXAMPLES, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow])


def verdict_grid(scenario: nl.Scenario, port: int, protocol: str) -> np.ndarray:
    """The engine's verdict for every (source, destination), ext → ext left False."""
    endpoints = scenario.cluster.endpoints
    out = np.zeros((len(endpoints), len(endpoints)), dtype=bool)
    for i, src in enumerate(endpoints):
        for j, dst in enumerate(endpoints):
            if src.is_pod or dst.is_pod:
                out[i, j] = scenario.evaluate(src, dst, port, protocol).allowed
    return out


def all_verdicts(cluster: nl.Cluster, policies) -> dict[tuple[int, str], np.ndarray]:
    scenario = nl.Scenario(cluster, policies)
    return {key: verdict_grid(scenario, *key) for key in PORTS_UNDER_TEST}


@settings(bounded, max_examples=EXAMPLES * 4)
@given(clusters(), policy_lists(min_size=1))
def test_vectorised_path_equals_the_engine_on_every_pair_and_port(cluster, manifests):
    """Both paths agree on the verdict and on each direction, for every pair and port.

    Covers sections 1-7 at once: selection and isolation, policyTypes
    defaults, rule matching, peers (both selectors, empty ones, ipBlock with
    except over pod and external IPs, IPv4 and IPv6), ports (numeric, named,
    endPort ranges, protocol-only), external ends and loopback.
    """
    policies = nl.load_policies(manifests)
    scenario = nl.Scenario(cluster, policies)
    reach = Reachability(scenario)
    endpoints = scenario.cluster.endpoints
    assert reach.ids == [ep.id for ep in endpoints]
    for port, protocol in PORTS_UNDER_TEST:
        m = reach.matrix(port, protocol)
        assert (reach.matrix(port, protocol, method="matmul").allowed == m.allowed).all()
        egress, ingress = m.status("egress"), m.status("ingress")
        for i, src in enumerate(endpoints):
            for j, dst in enumerate(endpoints):
                if not src.is_pod and not dst.is_pod:
                    assert not m.connections[i, j] and not m.allowed[i, j]
                    continue
                v = scenario.evaluate(src, dst, port, protocol)
                where = f"{src.id} → {dst.id} {protocol} {port}: {v.reason}"
                assert m.allowed[i, j] == v.allowed, where
                assert m.egress[i, j] == v.egress.allowed, where
                assert m.ingress[i, j] == v.ingress.allowed, where
                expected = ("loopback", "loopback") if v.loopback else (
                    v.egress.status, v.ingress.status)
                assert (STATUSES[egress[i, j]], STATUSES[ingress[i, j]]) == expected, where


@settings(bounded, max_examples=EXAMPLES // 2)
@given(clusters(max_pods=5, max_externals=2), policy_lists(max_size=3),
       st.sampled_from([None, [80, "53/UDP", 8080]]))
def test_vectorised_table_equals_the_engine_table(cluster, manifests, ports):
    """The chunked table (``reasons=False``) has the engine table's rows, in order.

    Same sources, destinations, ports, protocols, port names and verdicts
    (section 7: external → external rows are left out of both).
    """
    policies = nl.load_policies(manifests)
    exact = traffic_table(cluster, policies, ports, reasons=True)
    fast = traffic_table(cluster, policies, ports, reasons=False)
    assert len(fast) == len(exact)
    for column in ["source", "destination", "protocol", "port_name", "egress", "ingress"]:
        assert fast[column].astype(str).tolist() == exact[column].tolist(), column
    assert fast["port"].tolist() == exact["port"].tolist()
    assert fast["allowed"].tolist() == exact["allowed"].tolist()
    chunks = list(iter_table(Reachability(cluster, policies),
                             ports=None if ports is None else nl.table.parse_ports(ports),
                             chunk_rows=7))
    assert sum(len(c) for c in chunks) == len(exact)


@bounded
@given(clusters(), policy_lists(), st.randoms(use_true_random=False))
def test_order_of_policies_and_documents_changes_nothing(cluster, manifests, rnd):
    """Section 1: policies never conflict and their order never matters.

    Shuffles the parsed policies, and separately the YAML documents of a
    multi-document file, and compares every verdict of both paths.
    """
    policies = nl.load_policies(manifests)
    before = all_verdicts(cluster, policies)
    shuffled = list(policies)
    rnd.shuffle(shuffled)
    documents = list(manifests)
    rnd.shuffle(documents)
    from_text = nl.load_policies(yaml.safe_dump_all(documents))
    for variant in (shuffled, from_text):
        after = all_verdicts(cluster, variant)
        reach = Reachability(cluster, variant)
        for key, grid in before.items():
            assert (after[key] == grid).all()
            assert (reach.matrix(*key).allowed == grid).all()


@bounded
@given(clusters(), policy_lists(max_size=3).filter(bool), st.data())
def test_adding_a_rule_never_removes_an_allowed_connection(cluster, manifests, data):
    """Sections 1 and 3: what an isolated pod accepts is a union of rules, so rules only add.

    The rule is added to a parsed policy with its policy types unchanged.
    (Adding the first ``egress`` rule to a manifest *without* ``policyTypes``
    is different: it switches egress isolation on; see the next test.)
    """
    policies = nl.load_policies(manifests)
    k = data.draw(st.integers(0, len(policies) - 1))
    direction = data.draw(st.sampled_from(["ingress", "egress"]))
    carrier = {"kind": "NetworkPolicy", "metadata": {"name": "carrier"},
               "spec": {"policyTypes": ["Ingress", "Egress"],
                        direction: [data.draw(rules(direction))]}}
    (rule,) = nl.load_policies(carrier)[0].rules(direction)
    grown = dataclasses.replace(
        policies[k], **{direction: (*getattr(policies[k], direction), rule)})
    before = all_verdicts(cluster, policies)
    after = all_verdicts(cluster, [*policies[:k], grown, *policies[k + 1:]])
    reach = Reachability(cluster, [*policies[:k], grown, *policies[k + 1:]])
    for key, grid in before.items():
        assert (after[key] >= grid).all(), f"{rule} removed a connection on {key}"
        assert (reach.matrix(*key).allowed == after[key]).all()


def test_first_egress_rule_without_policy_types_switches_egress_isolation_on():
    """Section 2 trap: without ``policyTypes``, an ``egress`` list turns egress isolation on.

    So "adding a rule never removes a connection" holds for the rules in
    force, not for manifests whose default ``policyTypes`` the rule changes.
    """
    cluster = nl.default_cluster()
    base = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "api", "namespace": "production"},
            "spec": {"podSelector": {"matchLabels": {"app": "api"}}, "ingress": [{}]}}
    grown = {**base, "spec": {**base["spec"], "egress": [{"ports": [{"port": 5432}]}]}}
    for policies in (nl.load_policies(base), nl.load_policies(grown)):
        vector = Reachability(cluster, policies).matrix(53, "UDP")
        engine = nl.evaluate(cluster, policies, "production/api", "kube-system/coredns", 53,
                             "UDP")
        assert vector.allowed_between("production/api", "kube-system/coredns") == engine.allowed
    assert nl.evaluate(cluster, nl.load_policies(base), "production/api",
                       "kube-system/coredns", 53, "UDP").allowed
    assert not nl.evaluate(cluster, nl.load_policies(grown), "production/api",
                           "kube-system/coredns", 53, "UDP").allowed


@bounded
@given(clusters(), policy_lists())
def test_a_pod_no_policy_selects_is_open(cluster, manifests):
    """Section 1: a pod that no policy picks for a direction is open in that direction.

    Which policies pick a pod is recomputed here from the selectors alone,
    independently of both evaluators.
    """
    policies = nl.load_policies(manifests)
    scenario = nl.Scenario(cluster, policies)
    reach = Reachability(scenario)
    endpoints = scenario.cluster.endpoints
    for direction in ("ingress", "egress"):
        for pod in scenario.cluster.pods:
            picked = [p for p in policies
                      if p.namespace == pod.namespace and p.pod_selector.matches(pod.labels)
                      and direction.capitalize() in p.policy_types]
            if picked:
                continue
            i = reach.index(pod)
            for key in PORTS_UNDER_TEST:
                m = reach.matrix(*key)
                line = m.egress[i, :] if direction == "egress" else m.ingress[:, i]
                assert line.all()
                for other in endpoints:
                    src, dst = (pod, other) if direction == "egress" else (other, pod)
                    v = scenario.evaluate(src, dst, *key)
                    assert v.loopback or getattr(v, direction).status == "open"


@bounded
@given(clusters(), policy_lists())
def test_yaml_round_trip_preserves_every_verdict(cluster, manifests):
    """``to_manifest()`` → ``yaml.safe_dump`` → ``load_policies`` keeps every verdict.

    Covers what a round trip could lose: omitted ``podSelector``, absent or
    empty ``policyTypes``, empty ``from``/``ports`` lists, ``except`` lists,
    named ports and ``endPort``.
    """
    policies = nl.load_policies(manifests)
    text = yaml.safe_dump_all([p.to_manifest() for p in policies])
    again = nl.load_policies(text) if policies else []
    assert [p.policy_types for p in again] == [p.policy_types for p in policies]
    before, after = all_verdicts(cluster, policies), all_verdicts(cluster, again)
    for key, grid in before.items():
        assert (after[key] == grid).all(), key
