"""Issue 11, Budgets: lint and the engine's port look-up are linear in ports and rules, and right.

The check used to compare every port with every ``ports`` entry and every rule
with every other rule (2 rules x 1,000 ports took 29 s). The fast form
(bisection over merged port ranges, one count per connection) must find
exactly what the plain definition finds: a rule is shadowed for a pod when
every (remote, port, protocol) it allows is allowed by another rule.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from limits import run_cli
from strategies import clusters, policy_lists

import netpol_lab as nl
from netpol_lab.engine import _PortIndex, peer_matches, port_matches
from netpol_lab.lint import lint
from netpol_lab.model import ContainerPort, Pod
from netpol_lab.policy import PolicyPort


def shadowed_by_definition(scenario: nl.Scenario) -> set[tuple]:
    """The plain, quadratic definition: (policy, direction, rule index) never useful."""
    cluster = scenario.cluster
    ports = sorted({(cp.port, cp.protocol) for ep in cluster.endpoints for cp in ep.ports}
                   | {(e.port, e.protocol) for p in scenario.policies
                      for r in (*p.ingress, *p.egress) for e in r.ports
                      if isinstance(e.port, int)}
                   | {(e.end_port, e.protocol) for p in scenario.policies
                      for r in (*p.ingress, *p.egress) for e in r.ports if e.end_port})
    shadowed, useful = set(), set()
    for direction in ("ingress", "egress"):
        for pod in cluster.pods:
            rules = [(pol, i, r) for pol in scenario.isolating(pod, direction)
                     for i, r in enumerate(pol.rules(direction))]
            if len(rules) < 2:
                continue
            sets = []
            for pol, _, rule in rules:
                out = set()
                for remote in cluster.endpoints:
                    if remote is pod or (rule.peers and not any(
                            peer_matches(peer, pol.namespace, remote, cluster)
                            for peer in rule.peers)):
                        continue
                    dest = pod if direction == "ingress" else remote
                    out |= {(remote.id, n, proto) for n, proto in ports if not rule.ports
                            or any(port_matches(e, n, proto, dest) for e in rule.ports)}
                sets.append(out)
            for k, (pol, i, _) in enumerate(rules):
                others = set().union(*(s for m, s in enumerate(sets) if m != k))
                key = (pol.id, direction, i)
                (shadowed if sets[k] and sets[k] <= others else useful).add(key)
    return shadowed - useful


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(), policy_lists(min_size=1, max_size=4))
def test_shadowed_rules_match_the_definition(cluster, manifests):
    """NPL801 reports exactly the rules the plain definition finds shadowed."""
    scenario = nl.Scenario(cluster, nl.load_policies(manifests))
    found = {(w.policy, w.path.split(".")[1].split("[")[0], int(w.path.split("[")[1].rstrip("]")))
             for w in lint(scenario) if w.code == "NPL801"}
    assert found == shadowed_by_definition(scenario)


def test_two_rules_of_a_thousand_ports_lint_within_limits(tmp_path):
    """The issue's 26 KB policy (2 rules x 1,000 ports, open peers) lints in a limited child."""
    lines = ["kind: NetworkPolicy", "metadata: {name: many, namespace: production}", "spec:",
             "  podSelector: {matchLabels: {app: api}}", "  ingress:"]
    for rule in range(2):
        lines += ["    - from: [{namespaceSelector: {}}]", "      ports:"]
        lines += [f"        - {{protocol: TCP, port: {1000 + i + rule}}}" for i in range(1000)]
    path = tmp_path / "many.yaml"
    path.write_text("\n".join(lines) + "\n")
    proc = run_cli("lint", "--policies", path)
    assert proc.returncode == 0, proc.stderr.decode()
    assert b"NPL801" not in proc.stdout  # each rule has a port of its own
    path.write_text(path.read_text().replace("port: 1000}", "port: 2000}"))
    assert b"NPL801" in run_cli("lint", "--policies", path).stdout  # now rule 1 is covered


entries = st.lists(st.builds(
    PolicyPort, st.sampled_from(["TCP", "UDP"]),
    st.one_of(st.none(), st.integers(1, 12), st.sampled_from(["http", "dns"])),
    st.one_of(st.none(), st.integers(1, 14))).filter(
        lambda e: e.end_port is None or (isinstance(e.port, int) and e.end_port >= e.port)),
    max_size=8)


@settings(max_examples=300, deadline=None)
@given(entries, st.integers(1, 14), st.sampled_from(["TCP", "UDP"]))
def test_port_index_finds_the_same_entry_as_a_scan(ports, port, protocol):
    """The engine's port look-up table names the same first entry as scanning in order."""
    pod = Pod("shop", "web", {}, None, (ContainerPort(3, "TCP", "http"),
                                        ContainerPort(5, "UDP", "dns")))
    scan = None if not ports else next(
        (i for i, e in enumerate(ports) if port_matches(e, port, protocol, pod)), -1)
    assert _PortIndex(tuple(ports)).first(port, protocol, pod) == scan
