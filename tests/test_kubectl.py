"""netpol_lab.kubectl: the commands that try a lab verdict on a real cluster (issue 10).

Nothing here runs kubectl; the tests read the commands as a learner would paste
them: the right pod, the right port after resolving names on the destination,
the right test for the protocol, the lab's own verdict beside them, and every
name from a learner's cluster quoted for the shell.
"""

from __future__ import annotations

import shlex

import pytest

import netpol_lab as nl
from netpol_lab.errors import NetpolError, UnknownEndpointError
from netpol_lab.kubectl import describe_commands, probe_commands
from netpol_lab.model import Cluster, ContainerPort, Pod


@pytest.fixture
def api_ingress() -> list[nl.NetworkPolicy]:
    return nl.load_policies(nl.article_yaml("api-ingress"))


def _commands(probe) -> list[str]:
    return [line for line in probe.commands if not line.startswith("#")]


def test_pod_to_pod_runs_inside_the_source_pod(cluster, api_ingress) -> None:
    """The test runs in an ephemeral container of a live source pod, against the live destination IP."""
    probe = probe_commands(cluster, "production/frontend", "production/api", 8080, policies=api_ingress)
    dst, src, run = _commands(probe)
    assert dst.startswith("DST_IP=$(kubectl get pods -n production -l app=api,tier=backend ")
    assert "status.podIP" in dst
    assert src.startswith("SRC_POD=$(kubectl get pods -n production -l app=frontend,tier=web ")
    assert run == ('kubectl debug -n production "$SRC_POD" -i --image=nicolaka/netshoot -- '
                   'nc -z -v -w 3 "$DST_IP" 8080')
    assert (probe.expected, probe.port, probe.protocol) == ("allowed", 8080, "TCP")


def test_the_lab_verdict_comes_with_the_probe(cluster, api_ingress) -> None:
    """A denied connection is labelled denied, with the engine's reason, so the two can be compared."""
    probe = probe_commands(cluster, "staging/frontend", "production/api", 8080, policies=api_ingress)
    assert probe.expected == "denied"
    assert probe.reason.startswith("denied: production/api is isolated for ingress by api-ingress")
    assert f"# The lab says: {probe.reason}" in probe.commands
    assert probe_commands(cluster, "staging/frontend", "production/api", 8080).expected is None


def test_named_ports_resolve_on_the_destination(cluster) -> None:
    """'http' is 8080 on api and 80 on frontend: the probe uses the destination's number."""
    assert probe_commands(cluster, "production/frontend", "production/api", "http").port == 8080
    assert probe_commands(cluster, "production/api", "production/frontend", "http").port == 80
    with pytest.raises(UnknownEndpointError, match="no port named 'postgres'"):
        probe_commands(cluster, "production/frontend", "production/api", "postgres")


def test_dns_is_probed_with_a_real_question(cluster) -> None:
    """UDP has no handshake: DNS is tested with dig, and other UDP ports say why nc is weak."""
    dns = probe_commands(cluster, "production/api", "kube-system/coredns", "53/UDP")
    assert dns.protocol == "UDP"
    assert _commands(dns)[-1].endswith('-- dig +time=3 +tries=1 @"$DST_IP" kubernetes.default.svc.cluster.local')
    other = probe_commands(cluster, "production/api", "partner-api", 9999, "UDP")
    assert "nc -z -u" in str(other) and "only an answer" in str(other)


def test_external_destination_uses_its_fixed_address(cluster) -> None:
    """An endpoint outside the cluster has no pod to look up: its IP is written down."""
    probe = probe_commands(cluster, "production/api", "partner-api", 443, timeout=5)
    assert "DST_IP=203.0.113.10" in _commands(probe)
    assert _commands(probe)[-1].endswith('nc -z -v -w 5 "$DST_IP" 443')


def test_external_source_gets_advice_not_kubectl(cluster) -> None:
    """kubectl cannot run a test from outside the cluster: only commented advice is printed."""
    probe = probe_commands(cluster, "public-web", "production/frontend", 80)
    assert [line for line in _commands(probe) if "kubectl debug" in line or "kubectl run" in line] == []
    assert any("outside the cluster" in line for line in probe.commands)
    assert any("NAT" in line for line in probe.commands)


def test_names_from_a_learners_cluster_are_quoted() -> None:
    """Labels and names from an imported cluster cannot inject shell commands."""
    evil = "$(touch /tmp/pwned)"
    cluster = Cluster(pods=[Pod("shop", "web", {"app": evil}, ports=(ContainerPort(80),)),
                            Pod("shop", "db; rm -rf ~", {}, ports=(ContainerPort(5432),))])
    probe = probe_commands(cluster, "shop/web", "shop/db; rm -rf ~", 5432)
    text = str(probe)
    assert shlex.quote(f"app={evil}") in text
    assert shlex.quote("db; rm -rf ~") in text
    assert f" {evil}" not in text.replace(shlex.quote(f"app={evil}"), "")


def test_wrong_input_is_a_clear_error(cluster) -> None:
    """Unknown pods, ports and timeouts are reported as errors that say what to write."""
    with pytest.raises(UnknownEndpointError):
        probe_commands(cluster, "production/nope", "production/api", 8080)
    with pytest.raises(NetpolError, match="not a port"):
        probe_commands(cluster, "production/frontend", "production/api", 70000)
    for bad in (0, 61, 2.5, True):
        with pytest.raises(NetpolError, match="number of seconds"):
            probe_commands(cluster, "production/frontend", "production/api", 8080, timeout=bad)


def test_describe_commands_once_per_namespace() -> None:
    assert describe_commands(["production", "production", "kube-system"]) == [
        "kubectl describe networkpolicy -n production",
        "kubectl describe networkpolicy -n kube-system",
    ]


def test_revision_labels_are_left_out() -> None:
    """pod-template-hash changes with every rollout, and copying it would let a ReplicaSet adopt the probe."""
    cluster = Cluster(pods=[
        Pod("shop", "web-7d9c6b5f4d-x2k8q", {"app": "web", "pod-template-hash": "7d9c6b5f4d"},
            ports=(ContainerPort(8080, name="http"),)),
        Pod("shop", "db-0", {"app": "db"}, ports=(ContainerPort(5432),)),
    ])
    text = str(probe_commands(cluster, "shop/web-7d9c6b5f4d-x2k8q", "shop/db-0", 5432))
    assert "pod-template-hash" not in text
    assert "-l app=web " in text and "--labels=app=web " in text
