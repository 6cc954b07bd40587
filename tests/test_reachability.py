"""The vectorised path piece by piece, and the table and matrix built on it.

Each building block of ``netpol_lab.reachability`` is checked against the
engine's own definition of the same rule: selectors against
``LabelSelector.matches`` (section 5), ``ipBlock`` vectors against
``IPBlock.contains`` (section 4), port vectors against ``engine.port_matches``
(section 6). Then the pieces a learner meets: ``traffic_matrix``,
``traffic_table`` with and without per-row reasons, ``explain_rows`` and the
chunked ``iter_table``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import CIDRS, EXTERNAL_IPS, POD_IPS, clusters, labels, policy_ports, selectors

import netpol_lab as nl
from netpol_lab.engine import port_matches
from netpol_lab.policy import IPBlock, PolicyPort
from netpol_lab.reachability import (
    STATUSES,
    Reachability,
    _IPIndex,
    _LabelIndex,
    explain_rows,
    iter_table,
    reachability,
)
from netpol_lab.selectors import parse_selector
from netpol_lab.table import REASONS_LIMIT, _row_count, traffic_matrix, traffic_table

fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fast
@given(st.lists(labels, min_size=1, max_size=12), st.lists(selectors(), min_size=1, max_size=4))
def test_label_index_matches_like_label_selector(label_sets, raw_selectors):
    """Section 5: matchLabels AND matchExpressions; NotIn/DoesNotExist match a missing key."""
    index = _LabelIndex(label_sets)
    for raw in raw_selectors:
        selector = parse_selector(raw, ("podSelector",))
        expected = [selector.matches(ls) for ls in label_sets]
        assert index.select(selector).tolist() == expected, str(selector)


@fast
@given(st.lists(st.sampled_from(POD_IPS + EXTERNAL_IPS), min_size=1, unique=True),
       st.sampled_from(sorted(CIDRS)), st.data())
def test_ip_index_matches_like_ipblock_contains(ips, cidr, data):
    """Section 4: inside ``cidr`` and outside every ``except``, IPv4 and IPv6 apart."""
    excepts = data.draw(st.lists(st.sampled_from(CIDRS[cidr]), unique=True)) if CIDRS[cidr] \
        else []
    block = IPBlock.parse({"cidr": cidr, "except": excepts}, ("ipBlock",))
    endpoints = [nl.ExternalEndpoint(f"e{i}", ip) for i, ip in enumerate(ips)]
    vector = _IPIndex(endpoints).contains(block)
    assert vector.tolist() == [block.contains(ip) for ip in ips]


@fast
@given(clusters(max_pods=6), st.lists(policy_ports(), min_size=1, max_size=3),
       st.sampled_from([53, 80, 8080, 8081, 9090, 9100]), st.sampled_from(["TCP", "UDP", "SCTP"]))
def test_port_vector_matches_port_matches(cluster, raw_ports, port, protocol):
    """Section 6: numeric, named (against the destination's container ports), ranges, any."""
    parsed = nl.load_policies({"kind": "NetworkPolicy", "metadata": {"name": "x"},
                               "spec": {"ingress": [{"ports": raw_ports}]}})[0]
    ports: tuple[PolicyPort, ...] = parsed.ingress[0].ports
    reach = Reachability(cluster, [])
    match = reach._port_match(ports, port, protocol, reach._named_ports(port, protocol))
    got = np.broadcast_to(match, (len(reach.endpoints),))
    expected = [any(port_matches(e, port, protocol, dst) for e in ports)
                for dst in reach.endpoints]
    assert got.tolist() == expected


def test_named_port_needs_the_destination_to_declare_it_with_that_protocol():
    """Section 6: a named port resolves against the destination pod, name and protocol."""
    cluster = nl.load_cluster("""
pods:
  - {name: web, namespace: shop, labels: {app: web}, ports: ["http:8080"]}
  - {name: dns, namespace: shop, labels: {app: dns}, ports: ["dns:53/UDP", "dns-tcp:53"]}
  - {name: resolver, namespace: shop, labels: {app: resolver}, ports: ["dns:53"]}
  - {name: client, namespace: shop, labels: {app: client}}
""")
    policies = nl.load_policies("""
kind: NetworkPolicy
metadata: {name: named, namespace: shop}
spec:
  podSelector: {}
  ingress: [{ports: [{port: http}, {port: dns, protocol: UDP}]}]
""")
    r = Reachability(cluster, policies)
    http, udp, tcp = r.matrix(8080), r.matrix(53, "UDP"), r.matrix(53, "TCP")
    assert http.allowed_between("shop/client", "shop/web")
    assert not http.allowed_between("shop/client", "shop/dns")
    assert udp.allowed_between("shop/client", "shop/dns")
    assert not tcp.allowed_between("shop/client", "shop/dns")
    assert not udp.allowed_between("shop/client", "shop/resolver")  # its "dns" is TCP


def test_loopback_external_ends_and_the_matrix_frame(cluster):
    """Section 7: a pod reaches itself; external ends are unchecked; ext → ext is NA."""
    deny_all = nl.load_policies("""
kind: NetworkPolicy
metadata: {name: deny-all, namespace: production}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
""")
    m = reachability(cluster, deny_all, port=8080)
    api = "production/api"
    assert m.allowed_between(api, api)
    assert not m.allowed_between("production/frontend", api)
    ext = [ep.id for ep in cluster.externals]
    assert not m.allowed_between(ext[0], ext[1])
    frame = traffic_matrix(cluster, deny_all, port=8080)
    assert frame.loc[ext[0], ext[1]] is pd.NA
    assert bool(frame.loc[api, api]) and not bool(frame.loc["production/frontend", api])
    assert frame.index.name == "source" and frame.columns.name == "destination"
    assert str(frame.dtypes.iloc[0]) == "boolean"
    egress, ingress = m.status("egress"), m.status("ingress")
    i, e = m.reachability.index(api), m.reachability.index(ext[0])
    assert STATUSES[egress[i, i]] == STATUSES[ingress[i, i]] == "loopback"
    assert STATUSES[egress[e, i]] == "n/a" and STATUSES[ingress[e, i]] == "denied"


def test_both_methods_agree_on_a_larger_generated_cluster():
    """``dedupe`` and ``matmul`` give identical matrices (and so does the engine, sampled)."""
    cluster = nl.Cluster(
        [nl.Namespace(f"ns{k}", {"env": "prod" if k % 2 else "dev"}) for k in range(4)],
        [nl.Pod(f"ns{i % 4}", f"pod{i}", {"app": f"a{i % 7}", "tier": f"t{i % 3}"},
                ports=(nl.ContainerPort(8080, "TCP", "http"),)) for i in range(120)],
        [nl.ExternalEndpoint("internet", "8.8.8.8")],
    )
    policies = nl.load_policies([
        {"kind": "NetworkPolicy", "metadata": {"name": f"p{k}", "namespace": f"ns{k % 4}"},
         "spec": {"podSelector": {"matchLabels": {"app": f"a{k % 7}"}},
                  "policyTypes": ["Ingress", "Egress"],
                  "ingress": [{"from": [{"podSelector": {"matchLabels": {"tier": f"t{k % 3}"}},
                                         "namespaceSelector": {"matchLabels": {"env": "prod"}}}],
                               "ports": [{"port": "http"}]}],
                  "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0",
                                                  "except": ["10.244.1.0/24"]}}]}]}}
        for k in range(20)])
    r = Reachability(cluster, policies)
    dedupe, matmul = r.matrix(8080), r.matrix(8080, method="matmul")
    assert (dedupe.allowed == matmul.allowed).all()
    assert 0 < dedupe.allowed.sum() < dedupe.connections.sum()
    scenario = r.scenario
    for s in range(0, len(r.endpoints), 7):
        for d in range(0, len(r.endpoints), 5):
            if dedupe.connections[s, d]:
                expected = scenario.evaluate(r.endpoints[s], r.endpoints[d], 8080).allowed
                assert dedupe.allowed[s, d] == expected
    with pytest.raises(ValueError, match="method"):
        r.matrix(8080, method="bitset")


def test_table_without_reasons_has_the_same_rows_and_summaries(cluster):
    """``reasons=False``: same rows and verdicts; reasons summarise; explain_rows fills in."""
    policies = list(nl.article_policies().values())
    exact = traffic_table(cluster, policies)
    quick = traffic_table(cluster, policies, reasons=False)
    assert list(quick.columns) == list(exact.columns)
    assert len(quick) == len(exact) == _row_count(nl.Scenario(cluster, policies), None)
    assert quick["allowed"].tolist() == exact["allowed"].tolist()
    assert quick["allowed_by"].isna().all()
    denied = quick[~quick["allowed"]]
    assert denied["reason"].astype(str).str.startswith("denied: ").all()
    explained = explain_rows(cluster, denied.head(5), policies)
    assert explained["reason"].tolist() == exact.loc[denied.head(5).index, "reason"].tolist()
    allowed = explain_rows(nl.Scenario(cluster, policies), quick[quick["allowed"]].head(5))
    assert allowed["allowed_by"].tolist() == exact.loc[allowed.index, "allowed_by"].tolist()


def test_traffic_table_chooses_the_path_by_size(cluster):
    """Up to REASONS_LIMIT rows the engine fills every reason; above it, the matrices do."""
    big = nl.Cluster(pods=[nl.Pod("ns", f"p{i}", {"app": "x"}) for i in range(320)])
    assert _row_count(nl.Scenario(big, []), [80]) > REASONS_LIMIT
    table = traffic_table(big, [], ports=[80])
    assert table["allowed_by"].isna().all() and bool(table["allowed"].all())
    assert len(table) == 320 * 320
    small = traffic_table(cluster, [], ports=[80])
    assert small["reason"].str.contains("not isolated").any()


def test_iter_table_chunks_concatenate_to_the_whole_table(cluster):
    """Chunks come in table order, split between sources, never inside one."""
    policies = list(nl.article_policies().values())
    r = Reachability(cluster, policies)
    whole = pd.concat(list(iter_table(r, ports=[(8080, "TCP"), (53, "UDP")])), ignore_index=True)
    pieces = list(iter_table(r, ports=[(8080, "TCP"), (53, "UDP")], chunk_rows=10))
    assert len(pieces) > 1
    joined = pd.concat(pieces, ignore_index=True)
    pd.testing.assert_frame_equal(joined, whole)
    exact = traffic_table(cluster, policies, ports=[8080, "53/UDP"], reasons=True)
    assert joined["allowed"].tolist() == exact["allowed"].tolist()


def test_empty_cluster_and_diff_across_paths():
    """No endpoints gives an empty table; diff works between the two kinds of table."""
    empty = traffic_table(nl.Cluster(), [], reasons=False)
    assert list(empty.columns) == list(traffic_table(nl.Cluster(), []).columns)
    assert len(empty) == 0
    cluster = nl.default_cluster()
    policy = [nl.article_policies()["api-ingress"]]
    changes = nl.diff(traffic_table(cluster, [], reasons=True),
                      traffic_table(cluster, policy, reasons=False))
    exact = nl.diff(traffic_table(cluster, []), traffic_table(cluster, policy))
    assert sorted(map(tuple, changes[["source", "destination", "port"]].astype(str).values)) \
        == sorted(map(tuple, exact[["source", "destination", "port"]].astype(str).values))


def test_ip_block_profile_without_pod_ips(cluster):
    """Section 4 lab choice: ipBlock matches pod IPs; the comparison profile turns that off."""
    policies = nl.load_policies("""
kind: NetworkPolicy
metadata: {name: by-ip, namespace: production}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]
""")
    lab = Reachability(cluster, policies).matrix(8080)
    plugin = Reachability(cluster, policies, ip_block_matches_pods=False).matrix(8080)
    assert lab.allowed_between("production/frontend", "production/api")
    assert not plugin.allowed_between("production/frontend", "production/api")
    outside = cluster.externals[0].id
    assert plugin.allowed_between(outside, "production/api")


def test_pairs_and_unknown_endpoints(cluster):
    """``pairs`` lists the allowed (or denied) connections; an unknown address is a clear error."""
    policy = [nl.article_policies()["api-ingress"]]
    m = reachability(cluster, policy, port=8080)
    allowed, denied = set(m.pairs()), set(m.pairs(allowed=False))
    assert ("production/frontend", "production/api") in allowed
    assert ("monitoring/prometheus", "production/api") in denied
    assert not allowed & denied
    assert len(allowed) + len(denied) == int(m.connections.sum())
    with pytest.raises(nl.UnknownEndpointError, match="not an endpoint of this cluster"):
        m.allowed_between("192.0.2.77", "production/api")


def test_distinct_rows_of_a_transposed_view_equal_those_of_a_copy():
    """_distinct packs a transposed view along its memory order: same classes as a copy."""
    import numpy as np

    from netpol_lab.reachability import _distinct

    rng = np.random.default_rng(1)
    for shape in [(5, 3), (40, 17), (3, 2), (100, 9), (9, 100)]:
        m = rng.random(shape) < 0.3
        m[::3] = m[0]                        # repeated columns of the view
        view = m.T
        assert not view.flags.c_contiguous
        rows, of = _distinct(view)
        copy_rows, copy_of = _distinct(np.ascontiguousarray(view))
        assert (rows == copy_rows).all() and (of == copy_of).all()
        assert (rows[of] == view).all()


@pytest.mark.parametrize("text", ["0.0.0.0", "10.0.0.1", "255.255.255.255", "192.168.10.200",
                                  "fd00::1", "FD00:0::1", "::ffff:10.0.0.1", "2001:db8::"])
def test_fast_ip_reading_equals_ipaddress(text):
    """The shortcut for plain dotted IPv4 (model.canonical_ip, _IPIndex) gives what
    :mod:`ipaddress` gives, for the addresses at the edges and for IPv6."""
    import ipaddress

    from netpol_lab.model import canonical_ip

    addr = ipaddress.ip_address(text)
    assert canonical_ip(text) == str(addr)
    index = _IPIndex([nl.ExternalEndpoint("e", text)])
    assert int(index.version[0]) == addr.version
    value = int(index.high[0]) << 64 | int(index.low[0]) if addr.version == 6 \
        else int(index.high[0])
    assert value == int(addr)


@pytest.mark.parametrize("text", ["10.0.0.01", "256.0.0.1", "10.0.0", "1.2.3.4 "])
def test_canonical_ip_refuses_what_ipaddress_refuses(text):
    from netpol_lab.model import canonical_ip

    with pytest.raises(ValueError):
        canonical_ip(text)
