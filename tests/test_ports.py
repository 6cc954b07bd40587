"""Ports: protocols, protocol-only entries, named ports, and endPort ranges.

Semantics reference §6. Kubernetes API, NetworkPolicyPort: "protocol ... If
not specified, this field defaults to TCP"; "port ... If this field is not
provided, this matches all port names and numbers"; "endPort indicates that the
range of ports from port to endPort if set, inclusive, should be allowed".
Upstream e2e tests (tagged [Feature:NetworkPolicy], not part of the conformance suite) (``test/e2e/network/netpol/network_policy.go``) are
cited by name.
"""

from __future__ import annotations

import pytest

import netpol_lab as nl

PROTOCOLS = """
pods:
  - {name: client, namespace: x, labels: {app: client}}
  - name: server
    namespace: x
    labels: {app: server}
    ports: ["serve-80-tcp:80", "serve-80-udp:80/UDP", "serve-80-sctp:80/SCTP",
            "serve-81-tcp:81", "serve-81-udp:81/UDP"]
"""


@pytest.fixture
def protocols_cluster() -> nl.Cluster:
    return nl.load_cluster(PROTOCOLS)


def server_ingress(policy, ports: str):
    """A policy isolating x/server for ingress whose single rule has these ``ports``."""
    return policy(f"podSelector: {{matchLabels: {{app: server}}}}\ningress: [{{ports: {ports}}}]\n",
                  namespace="x")


def test_protocol_defaults_to_tcp(policy, allowed, protocols_cluster):
    """§6: a port entry without protocol is TCP: UDP and SCTP on the same number stay denied."""
    p = server_ingress(policy, "[{port: 80}]")
    got = {proto: allowed(p, "x/client", "x/server", 80, proto, cluster=protocols_cluster)
           for proto in ("TCP", "UDP", "SCTP")}
    assert got == {"TCP": True, "UDP": False, "SCTP": False}


def test_udp_only_does_not_allow_tcp(policy, allowed, protocols_cluster):
    """§6: upstream "should not allow access by TCP when a policy specifies only UDP"."""
    p = server_ingress(policy, "[{protocol: UDP, port: 81}]")
    assert allowed(p, "x/client", "x/server", 81, "UDP", cluster=protocols_cluster) is True
    assert allowed(p, "x/client", "x/server", 81, "TCP", cluster=protocols_cluster) is False


def test_sctp_is_not_tcp(policy, allowed, protocols_cluster):
    """§6: upstream "should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if
    the plugin doesn't support SCTP"."""
    p = server_ingress(policy, "[{protocol: SCTP, port: 80}]")
    assert allowed(p, "x/client", "x/server", 80, "SCTP", cluster=protocols_cluster) is True
    assert allowed(p, "x/client", "x/server", 80, "TCP", cluster=protocols_cluster) is False


def test_protocol_only_entry_matches_every_port_of_that_protocol(policy, allowed,
                                                                 protocols_cluster):
    """§6: ``- protocol: UDP`` without port matches every UDP port and nothing else.

    Upstream: "should enforce ingress policy allowing any port traffic to a
    server on a specific protocol".
    """
    p = server_ingress(policy, "[{protocol: UDP}]")
    for port in (1, 80, 81, 65535):
        assert allowed(p, "x/client", "x/server", port, "UDP", cluster=protocols_cluster) is True
        assert allowed(p, "x/client", "x/server", port, "TCP", cluster=protocols_cluster) is False


def test_empty_port_entry_is_every_tcp_port(policy, allowed, protocols_cluster):
    """§6: ``ports: [{}]`` is one entry with the default protocol TCP and no port: all of TCP."""
    p = server_ingress(policy, "[{}]")
    assert allowed(p, "x/client", "x/server", 4242, "TCP", cluster=protocols_cluster) is True
    assert allowed(p, "x/client", "x/server", 4242, "UDP", cluster=protocols_cluster) is False


def test_several_port_entries_are_ored(policy, allowed):
    """§3/§6: any entry of ``ports`` may match. Upstream: "should enforce policy based on Ports"."""
    p = policy("""
        podSelector: {matchLabels: {app: api}}
        ingress: [{ports: [{port: 8080}, {port: 9090}]}]
    """)
    assert allowed(p, "production/cache", "production/api", 8080) is True
    assert allowed(p, "production/cache", "production/api", 9090) is True
    assert allowed(p, "production/cache", "production/api", 8081) is False


def test_named_port_for_ingress_resolves_against_the_isolated_pod(policy, allowed):
    """§6: for ingress, a named port is looked up in the isolated pod's own container ports.

    production/api declares http:8080 and metrics:9090. Upstream: "should
    allow ingress access on one named port".
    """
    http = policy("podSelector: {matchLabels: {app: api}}\ningress: [{ports: [{port: http}]}]\n")
    metrics = policy("podSelector: {matchLabels: {app: api}}\n"
                     "ingress: [{ports: [{port: metrics}]}]\n")
    assert allowed(http, "production/frontend", "production/api", 8080) is True
    assert allowed(http, "production/frontend", "production/api", 9090) is False
    assert allowed(metrics, "production/frontend", "production/api", 9090) is True
    assert allowed(metrics, "production/frontend", "production/api", 8080) is False


def test_named_port_for_egress_resolves_against_each_destination(policy, allowed):
    """§6: for egress, a named port is looked up in the pod being connected to.

    ``port: http`` from production/frontend means 8080 towards api (http:8080)
    and 80 towards staging/frontend (http:80). Upstream: "should allow egress
    access on one named port".
    """
    p = policy("podSelector: {matchLabels: {app: frontend}}\npolicyTypes: [Egress]\n"
               "egress: [{ports: [{port: http}]}]\n")
    expected = {
        ("production/api", 8080): True, ("production/api", 80): False,
        ("staging/frontend", 80): True, ("staging/frontend", 8080): False,
        ("production/mobile-bff", 8080): True,
        ("production/database", 5432): False,   # its port is called postgres
    }
    got = {(dst, port): allowed(p, "production/frontend", dst, port) for dst, port in expected}
    assert got == expected


def test_named_port_must_match_the_protocol_too(policy, allowed):
    """§6: name and protocol must both match: coredns has dns (53/UDP) and dns-tcp (53/TCP)."""
    egress = "podSelector: {{matchLabels: {{app: api}}}}\npolicyTypes: [Egress]\negress: [{{ports: [{}]}}]\n"
    dns_tcp = policy(egress.format("{protocol: TCP, port: dns}"))
    dns_udp = policy(egress.format("{protocol: UDP, port: dns}"))
    assert allowed(dns_tcp, "production/api", "kube-system/coredns", 53, "TCP") is False
    assert allowed(dns_tcp, "production/api", "kube-system/coredns", 53, "UDP") is False
    assert allowed(dns_udp, "production/api", "kube-system/coredns", 53, "UDP") is True


def test_named_port_never_matches_an_external_destination(policy, allowed):
    """§6: externals have no container ports, so a named port never matches them.

    Even ``https`` towards an endpoint that serves 443 is denied, while the
    numeric 443 is allowed.
    """
    named = policy("podSelector: {matchLabels: {app: api}}\npolicyTypes: [Egress]\n"
                   "egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: https}]}]\n")
    numeric = policy("podSelector: {matchLabels: {app: api}}\npolicyTypes: [Egress]\n"
                     "egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 443}]}]\n")
    assert allowed(named, "production/api", "partner-api", 443) is False
    assert allowed(numeric, "production/api", "partner-api", 443) is True


@pytest.mark.parametrize(("port", "expected"), [
    (7999, False), (8000, True), (8080, True), (8999, True), (9000, False)])
def test_end_port_range_is_inclusive(policy, allowed, port, expected):
    """§6: ``port: 8000, endPort: 8999`` allows 8000..8999, both ends included (the article)."""
    p = policy("podSelector: {matchLabels: {app: api}}\n"
               "ingress: [{ports: [{protocol: TCP, port: 8000, endPort: 8999}]}]\n")
    assert allowed(p, "production/frontend", "production/api", port) is expected


def test_end_port_equal_to_port_is_a_single_port(policy, allowed):
    """§6: ``endPort >= port``; equality is the one-port range."""
    p = policy("podSelector: {matchLabels: {app: api}}\n"
               "ingress: [{ports: [{port: 8080, endPort: 8080}]}]\n")
    assert [allowed(p, "production/frontend", "production/api", n) for n in (8079, 8080, 8081)] == [
        False, True, False]


def test_end_port_range_respects_protocol(policy, allowed):
    """§6: a UDP range does not open TCP."""
    p = policy("podSelector: {matchLabels: {app: api}}\n"
               "ingress: [{ports: [{protocol: UDP, port: 8000, endPort: 8999}]}]\n")
    assert allowed(p, "production/frontend", "production/api", 8080, "UDP") is True
    assert allowed(p, "production/frontend", "production/api", 8080, "TCP") is False


def test_question_by_port_name_uses_the_destination_number(cluster):
    """§6 / issue 2, API: evaluating ``"metrics"`` towards api asks about 9090/TCP, its declared number."""
    v = nl.evaluate(cluster, [], "production/frontend", "production/api", "metrics")
    assert (v.connection.port, v.connection.protocol) == (9090, "TCP")
    v = nl.evaluate(cluster, [], "production/api", "kube-system/coredns", "53/udp")
    assert (v.connection.port, v.connection.protocol) == (53, "UDP")
    v = nl.evaluate(cluster, [], "production/api", "kube-system/coredns", 53, "udp")
    assert (v.connection.port, v.connection.protocol) == (53, "UDP")
    with pytest.raises(nl.NetpolError) as bad:
        nl.evaluate(cluster, [], "production/api", "kube-system/coredns", 53, "ICMP")
    assert bad.value.message == "'ICMP' is not a protocol"
    with pytest.raises(nl.UnknownEndpointError) as info:
        nl.evaluate(cluster, [], "production/frontend", "production/api", "grpc")
    assert info.value.message == "production/api has no port named 'grpc'"


def test_empty_port_item_means_every_tcp_port(policy, allowed, protocols_cluster):
    """§6: an empty ``ports`` item (``- ~``) is an all-defaults NetworkPolicyPort: protocol TCP,
    no port, so every TCP port and nothing else (the API server reads it the same way)."""
    p = server_ingress(policy, "[~]")
    assert p.ingress[0].ports == (nl.PolicyPort("TCP", None, None),)
    assert allowed(p, "x/client", "x/server", 81, "TCP", cluster=protocols_cluster) is True
    assert allowed(p, "x/client", "x/server", 81, "UDP", cluster=protocols_cluster) is False


def test_scientific_notation_port_is_rejected():
    """§8: ``port: 1e400`` is read by YAML as a string, but it is no port name (the API server
    reads it as a number and refuses it): a clear error, not a named port."""
    with pytest.raises(nl.ValidationError) as err:
        nl.load_policies("kind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n"
                         "  ingress:\n    - ports: [{port: 1e400}]\n")
    assert err.value.path == "spec.ingress[0].ports[0].port"
    assert "scientific notation" in err.value.message
