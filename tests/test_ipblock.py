"""ipBlock: CIDR ranges, ``except``, host bits, IPv6, and the pod-IP lab choice.

Semantics reference §4. Kubernetes API, IPBlock: "cidr is a string
representing the IPBlock. Valid examples are 192.168.1.0/24 or 2001:db8::/64";
"except is a slice of CIDRs that should not be included within an IPBlock".
Upstream e2e tests (tagged [Feature:NetworkPolicy], not part of the conformance suite) (``test/e2e/network/netpol/network_policy.go``):
"should allow egress access to server in CIDR block", "should enforce except
clause while egress access to server in CIDR block", "should ensure an IP
overlapping both IPBlock.CIDR and IPBlock.Except is allowed"; those tests use
the *server pod's* IP, which is why netpol_lab matches pod IPs (lab choice).
"""

from __future__ import annotations

import ipaddress

import pytest

import netpol_lab as nl
from netpol_lab.policy import IPBlock


def egress_to(policy, *peers: str):
    """An egress policy for production/api whose one rule lists ``peers`` (YAML flow items)."""
    return policy("podSelector: {matchLabels: {app: api}}\npolicyTypes: [Egress]\n"
                  f"egress: [{{to: [{', '.join(peers)}]}}]\n")


def test_cidr_matches_external_endpoints_in_range(policy, allowed):
    """§4: ipBlock matches by the remote IP: 203.0.113.10 is in 203.0.113.0/24, 198.51.100.20 not."""
    p = egress_to(policy, "{ipBlock: {cidr: 203.0.113.0/24}}")
    assert allowed(p, "production/api", "partner-api", 443) is True
    assert allowed(p, "production/api", "public-web", 443) is False


def test_except_removes_a_subrange(policy, allowed):
    """§4: 10.0.0.0/8 except 10.0.1.0/24: corp-net 10.0.5.20 in, corp-vault 10.0.1.20 out."""
    p = egress_to(policy, "{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.1.0/24]}}")
    assert allowed(p, "production/api", "corp-net", 443) is True
    assert allowed(p, "production/api", "corp-vault", 443) is False


def test_ipblock_matches_pod_ips_lab_choice(policy, allowed):
    """§4 lab choice: ipBlock also matches pod IPs, as the upstream [Feature:NetworkPolicy] e2e tests expect.

    Upstream: "should allow egress access to server in CIDR block" (server pod IP /32).
    """
    p = egress_to(policy, "{ipBlock: {cidr: 10.244.1.13/32}}")   # production/database
    assert allowed(p, "production/api", "production/database", 5432) is True
    assert allowed(p, "production/api", "production/cache", 6379) is False


def test_except_clause_denies_a_pod_ip(policy, allowed):
    """§4: upstream "should enforce except clause while egress access to server in CIDR block"."""
    p = egress_to(policy, "{ipBlock: {cidr: 10.244.0.0/16, except: [10.244.1.13/32]}}")
    assert allowed(p, "production/api", "production/cache", 6379) is True
    assert allowed(p, "production/api", "production/database", 5432) is False


def test_ip_in_one_blocks_except_and_another_blocks_cidr_is_allowed(policy, allowed):
    """§4: peers are ORed: upstream "should ensure an IP overlapping both IPBlock.CIDR and
    IPBlock.Except is allowed"."""
    p = egress_to(policy, "{ipBlock: {cidr: 10.244.0.0/16, except: [10.244.1.0/24]}}",
                  "{ipBlock: {cidr: 10.244.1.13/32}}")
    assert allowed(p, "production/api", "production/database", 5432) is True  # 2nd block
    assert allowed(p, "production/api", "production/cache", 6379) is False    # excepted
    assert allowed(p, "production/api", "staging/api", 8080) is True          # 1st block


def test_ingress_from_an_external_source_by_ipblock(policy, allowed):
    """§4/§7: an external source reaches an ingress-isolated pod only through an ipBlock peer."""
    p = policy("""
        podSelector: {matchLabels: {app: api}}
        ingress: [{from: [{ipBlock: {cidr: 203.0.113.0/24}}]}]
    """)
    assert allowed(p, "partner-api", "production/api", 8080) is True
    assert allowed(p, "public-web", "production/api", 8080) is False
    assert allowed(p, "203.0.113.77", "production/api", 8080) is True   # an address by itself


def test_host_bits_mean_the_containing_network(policy, allowed):
    """§4: ``10.244.1.13/16`` is accepted and means 10.244.0.0/16 (a lint note, not an error)."""
    p = egress_to(policy, "{ipBlock: {cidr: 10.244.1.13/16}}")
    block = p.egress[0].peers[0].ip_block
    assert (str(block.cidr), block.cidr_text, block.host_bits_set) == (
        "10.244.0.0/16", "10.244.1.13/16", True)
    assert allowed(p, "production/api", "staging/frontend", 80) is True   # 10.244.2.10
    assert allowed(p, "production/api", "corp-net", 443) is False          # 10.0.5.20


def test_block_without_host_bits_reports_none():
    """§4: a canonical CIDR has no host bits set."""
    assert IPBlock.parse({"cidr": "10.0.0.0/8"}, ("ipBlock",)).host_bits_set is False


V6 = """
pods:
  - {name: client, namespace: x, labels: {app: client}, ip: "fd00::1"}
  - {name: server, namespace: x, labels: {app: server}, ip: "fd00::5", ports: [80]}
  - {name: other, namespace: x, labels: {app: other}, ip: "fd00::6", ports: [80]}
  - {name: v4, namespace: x, labels: {app: v4}, ip: 10.1.0.5, ports: [80]}
externals:
  - {name: ext6, ip: "2001:db8::1", ports: [443]}
"""


def test_ipv6_slash_128_is_one_address(policy, allowed):
    """§4: IPv6 CIDRs work the same; ``/128`` is exactly one address."""
    cluster = nl.load_cluster(V6)
    p = policy("podSelector: {matchLabels: {app: client}}\npolicyTypes: [Egress]\n"
               "egress: [{to: [{ipBlock: {cidr: 'fd00::5/128'}}]}]\n", namespace="x")
    assert allowed(p, "x/client", "x/server", 80, cluster=cluster) is True
    assert allowed(p, "x/client", "x/other", 80, cluster=cluster) is False


def test_ipv6_range_with_except_and_families_never_mix(policy, allowed):
    """§4: an IPv6 block never matches an IPv4 address, and ``::/0`` is not ``0.0.0.0/0``."""
    cluster = nl.load_cluster(V6)
    p = policy("podSelector: {matchLabels: {app: client}}\npolicyTypes: [Egress]\n"
               "egress: [{to: [{ipBlock: {cidr: '::/0', except: ['fd00::6/128']}}]}]\n",
               namespace="x")
    assert allowed(p, "x/client", "x/server", 80, cluster=cluster) is True
    assert allowed(p, "x/client", "ext6", 443, cluster=cluster) is True
    assert allowed(p, "x/client", "x/other", 80, cluster=cluster) is False
    assert allowed(p, "x/client", "x/v4", 80, cluster=cluster) is False


@pytest.mark.parametrize(("ip", "inside"), [
    ("10.0.0.0", False), ("10.0.0.255", False),   # first and last address of the except range
    ("10.0.1.0", True), ("10.255.255.255", True),  # just after it, and the last of the cidr
    ("9.255.255.255", False), ("11.0.0.0", False), ("::ffff:10.0.0.1", False), (None, False),
])
def test_contains_at_the_edges(ip, inside):
    """§4: ``cidr`` bounds are inclusive; an ``except`` range removes its first and last address."""
    block = IPBlock.parse({"cidr": "10.0.0.0/8", "except": ["10.0.0.0/24"]}, ("ipBlock",))
    assert block.contains(ip) is inside
    if ip is not None:
        assert block.contains(ipaddress.ip_address(ip)) is inside


def test_zero_slash_zero_matches_every_ipv4_endpoint(policy, allowed, cluster):
    """§4: ``0.0.0.0/0`` matches every IPv4 address: all pods (lab choice) and externals."""
    p = egress_to(policy, "{ipBlock: {cidr: 0.0.0.0/0}}")
    for ep in cluster.endpoints:
        if ep.id != "production/api":
            assert allowed(p, "production/api", ep.id, ep.ports[0].port, ep.ports[0].protocol)
