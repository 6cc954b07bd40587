"""From a verdict in the lab to a test on a real cluster: the kubectl commands that probe it.

Every connection the lab decides can be tried for real. :func:`probe_commands`
writes the shell commands that open that connection on a cluster and report
whether it got through, so a learner can compare the lab's verdict with what
the cluster's network plugin actually does.

The probe runs **inside the source pod's network identity**: an ephemeral debug
container (``kubectl debug``) shares the pod's network namespace, so the same
policies select it, with the same labels and IP, and nothing else about the
workload changes. A throw-away pod with copied labels would also be selected by
the workload's Services and could receive real traffic, so it is only offered
as the fallback for clusters without ephemeral containers, and said so.

The core of the lab: no Jupyter, no network, nothing is run. The commands are
text for the learner to read and paste.

Examples
--------
>>> import netpol_lab as nl
>>> cluster = nl.default_cluster()
>>> policies = nl.load_policies(nl.article_yaml("api-ingress"))
>>> probe = probe_commands(cluster, "production/frontend", "production/api", "http",
...                        policies=policies)
>>> probe.port, probe.protocol, probe.expected
(8080, 'TCP', 'allowed')
>>> print(next(line for line in probe.commands if line.startswith("kubectl debug")))
kubectl debug -n production "$SRC_POD" -i --image=nicolaka/netshoot -- nc -z -v -w 3 "$DST_IP" 8080

Notes
-----
``nc -z`` only opens and closes a TCP connection: "succeeded" or "open" means
the policies let it through (even "connection refused" does: a packet came back
from the destination); a timeout means something dropped it. UDP has no
handshake, so only an application's answer proves a UDP path: for DNS the probe
asks a real question with ``dig``.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .engine import Scenario, resolve_port
from .errors import NetpolError
from .model import Cluster, Endpoint, Pod
from .policy import NetworkPolicy

#: The default probe image: nicolaka/netshoot has nc, dig, curl and more.
NETSHOOT = "nicolaka/netshoot"
#: Labels that controllers set per revision: left out of lookups (a rollout changes them)
#: and never copied to a probe pod (a ReplicaSet would adopt a pod that carries its hash).
VOLATILE_LABELS = frozenset({"pod-template-hash", "controller-revision-hash",
                             "pod-template-generation"})


@dataclass(frozen=True)
class Probe:
    """The commands that test one connection on a real cluster.

    Attributes
    ----------
    source, destination : str
        The endpoints as the course names them (``namespace/pod`` or an external name).
    port : int
        The destination port, a named port already resolved on the destination.
    protocol : str
        ``TCP``, ``UDP`` or ``SCTP``.
    commands : tuple of str
        Shell lines in order; lines starting with ``#`` say what the next ones do.
    expected : str or None
        ``"allowed"`` or ``"denied"`` when policies were given: the lab's verdict.
    reason : str
        The lab's one-line reason, when policies were given.
    """

    source: str
    destination: str
    port: int
    protocol: str
    commands: tuple[str, ...]
    expected: str | None = None
    reason: str = ""

    def __str__(self) -> str:
        return "\n".join(self.commands)


def _labels(pod: Pod) -> dict[str, str]:
    return {k: v for k, v in pod.labels.items() if k not in VOLATILE_LABELS}


def _selector(pod: Pod) -> str:
    """A ``-l`` value that finds this pod again (or its replicas) on the cluster."""
    return ",".join(f"{key}={value}" for key, value in sorted(_labels(pod).items()))


def _lookup(pod: Pod, variable: str, field: str) -> str:
    """A shell line that stores a live pod's name or IP in ``variable``."""
    if _labels(pod):
        query = (f"kubectl get pods -n {shlex.quote(pod.namespace)} "
                 f"-l {shlex.quote(_selector(pod))} -o jsonpath='{{.items[0].{field}}}'")
    else:
        query = (f"kubectl get pod -n {shlex.quote(pod.namespace)} {shlex.quote(pod.name)} "
                 f"-o jsonpath='{{.{field}}}'")
    return f"{variable}=$({query})"


def _test(port: int, protocol: str, timeout: int) -> tuple[str, str]:
    """The test command run at the source (with ``$DST_IP``), and how to read its result."""
    if protocol == "UDP" and port == 53:
        return (f'dig +time={timeout} +tries=1 @"$DST_IP" kubernetes.default.svc.cluster.local',
                "an answer (status: NOERROR or NXDOMAIN) means allowed; "
                "'connection timed out' means denied")
    if protocol == "UDP":
        return (f'nc -z -u -v -w {timeout} "$DST_IP" {port}',
                "UDP has no handshake: nc may say 'open' either way; only an answer "
                "from the application proves the path")
    if protocol == "SCTP":
        return (f'ncat --sctp -z -v -w {timeout}s "$DST_IP" {port}',
                "'Connected' means allowed; a timeout means denied")
    return (f'nc -z -v -w {timeout} "$DST_IP" {port}',
            "'succeeded' or 'open' means allowed ('connection refused' too: the policies "
            "let it through and nothing listens); a timeout means denied")


def probe_commands(cluster: Cluster, source: str | Endpoint, destination: str | Endpoint,
                   port: int | str, protocol: str = "TCP",
                   policies: Iterable[NetworkPolicy] | None = None, *,
                   image: str = NETSHOOT, timeout: int = 3) -> Probe:
    """The kubectl commands that test ``source -> destination port/protocol`` on a real cluster.

    Parameters
    ----------
    cluster : Cluster
        The cluster the endpoints belong to: the course's, or your own export
        (``kubectl get namespaces,pods,networkpolicies -A -o yaml``).
    source, destination : str or endpoint
        ``namespace/pod``, an external endpoint's name, or an IP address.
    port : int or str
        A number, ``"53/UDP"``, or the name of one of the destination's container ports.
    protocol : str
        ``TCP`` (default), ``UDP`` or ``SCTP``.
    policies : iterable of NetworkPolicy, optional
        When given, the probe also carries the lab's verdict and reason, to compare.
    image : str
        The probe container's image (it needs ``nc``; ``dig`` for DNS).
    timeout : int
        Seconds to wait for an answer: a denied TCP connection shows as a timeout.

    Returns
    -------
    Probe
        ``str(probe)`` is the script to paste.

    Raises
    ------
    UnknownEndpointError
        When a pod or a port name does not exist in ``cluster``.
    NetpolError
        When the port, protocol or timeout is not one a probe can use.

    Notes
    -----
    Pod IPs change whenever a pod is recreated, so the commands look the
    destination's IP up at run time by its labels; the source pod is found the
    same way. Kubernetes always allows traffic to and from the pod's own node,
    so probing from a node (or from a ``hostNetwork`` pod) says nothing about
    the policies.
    """
    if isinstance(timeout, bool) or not isinstance(timeout, int) or not 1 <= timeout <= 60:
        raise NetpolError(f"timeout {timeout!r} is not a number of seconds the probe can wait",
                          expected="a whole number from 1 to 60, e.g. timeout=3")
    src, dst = cluster.endpoint(source), cluster.endpoint(destination)
    number, proto = resolve_port(port, protocol, dst)
    lines = [f"# Does {src.id} reach {dst.id} on {proto} {number}?"]
    expected, reason = None, ""
    if policies is not None:
        verdict = Scenario(cluster, policies).evaluate(src, dst, number, proto)
        expected = "allowed" if verdict.allowed else "denied"
        reason = verdict.reason
        lines.append(f"# The lab says: {reason}")
    test, reading = _test(number, proto, timeout)

    if isinstance(dst, Pod):
        lines += ["# 1. The destination's IP now (pod IPs change when pods are recreated):",
                  _lookup(dst, "DST_IP", "status.podIP")]
    else:
        lines += ["# 1. The destination is outside the cluster, at a fixed address:",
                  f"DST_IP={shlex.quote(dst.ip)}"]

    if isinstance(src, Pod):
        quoted_ns = shlex.quote(src.namespace)
        lines += [
            "# 2. A live pod of the source (same namespace and labels, so the same policies):",
            _lookup(src, "SRC_POD", "metadata.name"),
            "# 3. Run the test inside that pod's network, in an ephemeral debug container",
            "#    (it stays listed in the pod, terminated, until the pod is recreated).",
            f"#    Reading: {reading}.",
            f'kubectl debug -n {quoted_ns} "$SRC_POD" -i --image={shlex.quote(image)} -- {test}',
        ]
        if _labels(src):
            lines += [
                "# Without ephemeral containers, a throw-away pod with the same labels works,",
                "# but the workload's Services would route real requests to it while it runs:",
                f"#   kubectl run np-probe -n {quoted_ns} --rm -i --restart=Never "
                f"--image={shlex.quote(image)} --labels={shlex.quote(_selector(src))} -- {test}",
            ]
    else:
        lines += [
            f"# 2. {src.id} is outside the cluster: run the test on a machine that has its",
            f"#    address ({src.ip}). Pod IPs are often not routable from outside; test",
            "#    through the Service (NodePort or LoadBalancer) instead, and remember that",
            "#    its NAT may change the source address the policy sees.",
            f"#    Reading: {reading}.",
            f"#    {test}",
        ]
    return Probe(src.id, dst.id, number, proto, tuple(lines), expected, reason)


def describe_commands(namespaces: Iterable[str] | Mapping[str, object]) -> list[str]:
    """``kubectl describe networkpolicy`` for each namespace, to read the policies in force.

    Examples
    --------
    >>> describe_commands(["production", "monitoring"])
    ['kubectl describe networkpolicy -n production', 'kubectl describe networkpolicy -n monitoring']
    """
    return [f"kubectl describe networkpolicy -n {shlex.quote(name)}" for name in dict.fromkeys(namespaces)]
