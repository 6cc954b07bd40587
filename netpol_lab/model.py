"""The cluster a lesson runs on: namespaces, pods and external endpoints.

The model holds only what NetworkPolicy looks at: namespace labels, pod
labels, pod IPs and container ports, and the IPs of endpoints outside the
cluster. It is built from plain Kubernetes manifests or from a compact
teaching format (see :func:`netpol_lab.loader.load_cluster`).

Two rules of the API server are applied here, as the cluster would:

- every namespace carries ``kubernetes.io/metadata.name: <its name>``;
- a namespace that pods or policies name but nobody declared exists with that
  label only.

Pods without an IP get one deterministically from ``10.244.0.0/16`` (one /24
per namespace, in declaration order), so tables do not change between runs.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from .errors import UnknownEndpointError

NAME_LABEL = "kubernetes.io/metadata.name"
POD_NETWORK = ipaddress.ip_network("10.244.0.0/16")


@dataclass(frozen=True)
class ContainerPort:
    """A port a container listens on: ``port``, ``protocol`` and an optional ``name``."""

    port: int
    protocol: str = "TCP"
    name: str | None = None

    def __str__(self) -> str:
        text = f"{self.port}/{self.protocol}"
        return f"{self.name}:{text}" if self.name else text


@dataclass(frozen=True, eq=False)
class Namespace:
    """A namespace and its labels (``kubernetes.io/metadata.name`` included)."""

    name: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Pod:
    """A pod: where it lives, its labels, its IP and the ports its containers declare."""

    namespace: str
    name: str
    labels: Mapping[str, str] = field(default_factory=dict)
    ip: str | None = None
    ports: tuple[ContainerPort, ...] = ()

    is_pod = True

    @property
    def id(self) -> str:
        """``namespace/name``, the way the course names a pod."""
        return f"{self.namespace}/{self.name}"

    def __str__(self) -> str:
        return self.id


@dataclass(frozen=True, eq=False)
class ExternalEndpoint:
    """Something outside the cluster, known only by its IP (and the ports it serves).

    No policy selects it; only ``ipBlock`` peers can match it.
    """

    name: str
    ip: str
    ports: tuple[ContainerPort, ...] = ()

    is_pod = False
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.name

    def __str__(self) -> str:
        return self.name


Endpoint = Pod | ExternalEndpoint


class Cluster:
    """Namespaces, pods and external endpoints, with lookups by name and IP.

    Parameters
    ----------
    namespaces : iterable of Namespace
    pods : iterable of Pod
    externals : iterable of ExternalEndpoint

    Examples
    --------
    >>> c = Cluster(pods=[Pod("shop", "web", {"app": "web"})])
    >>> c.namespace_labels("shop")
    {'kubernetes.io/metadata.name': 'shop'}
    >>> c.endpoint("shop/web").ip
    '10.244.1.10'
    """

    def __init__(
        self,
        namespaces: Iterable[Namespace] = (),
        pods: Iterable[Pod] = (),
        externals: Iterable[ExternalEndpoint] = (),
    ) -> None:
        spaces: dict[str, Namespace] = {}
        for ns in namespaces:
            spaces[ns.name] = Namespace(ns.name, {**ns.labels, NAME_LABEL: ns.name})
        pods = list(pods)
        for pod in pods:
            if pod.namespace not in spaces:
                spaces[pod.namespace] = Namespace(pod.namespace, {NAME_LABEL: pod.namespace})
        self.namespaces: dict[str, Namespace] = spaces
        self.externals: tuple[ExternalEndpoint, ...] = tuple(externals)
        self.pods: tuple[Pod, ...] = tuple(_assign_ips(pods, list(spaces), self.externals))
        self._by_id = {p.id: p for p in self.pods}
        self._by_id.update({e.name: e for e in self.externals})
        self._by_ip: dict[str, Endpoint] = {}
        for ep in (*self.pods, *self.externals):
            self._by_ip.setdefault(canonical_ip(ep.ip), ep)

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """Pods first, then external endpoints, in declaration order."""
        return (*self.pods, *self.externals)

    def namespace_labels(self, name: str) -> Mapping[str, str]:
        """Labels of a namespace (an undeclared one has only its name label)."""
        ns = self.namespaces.get(name)
        return dict(ns.labels) if ns else {NAME_LABEL: name}

    def with_namespaces(self, names: Iterable[str]) -> Cluster:
        """This cluster plus any namespaces in ``names`` it lacks (name label only)."""
        missing = [n for n in names if n not in self.namespaces]
        if not missing:
            return self
        return Cluster(
            [*self.namespaces.values(), *(Namespace(n) for n in dict.fromkeys(missing))],
            self.pods,
            self.externals,
        )

    def endpoint(self, ref: str | Endpoint) -> Endpoint:
        """Find an endpoint by ``namespace/pod``, external name, IP, or a unique pod name.

        Raises :class:`~netpol_lab.errors.UnknownEndpointError` with the names
        that exist when nothing matches.
        """
        if isinstance(ref, (Pod, ExternalEndpoint)):
            return ref
        text = str(ref).strip()
        if text in self._by_id:
            return self._by_id[text]
        try:
            return self._by_ip[str(ipaddress.ip_address(text))]
        except ValueError:
            pass
        except KeyError:
            return ExternalEndpoint(text, text)
        short = [p for p in self.pods if p.name == text]
        if len(short) == 1:
            return short[0]
        known = ", ".join(ep.id for ep in self.endpoints)
        if len(short) > 1:
            raise UnknownEndpointError(
                f"{text!r} names pods in several namespaces",
                expected="namespace/pod, one of " + ", ".join(p.id for p in short),
            )
        raise UnknownEndpointError(
            f"there is no pod or external endpoint called {text!r}",
            expected=f"namespace/pod, an external endpoint's name, or an IP address; "
            f"the cluster has {known}",
        )

    def __repr__(self) -> str:
        counts = ((len(self.namespaces), "namespace"), (len(self.pods), "pod"),
                  (len(self.externals), "external"))
        return f"Cluster({', '.join(f'{n} {w}' + 's' * (n != 1) for n, w in counts)})"


# A dotted IPv4 address without leading zeros is already written the way ipaddress writes it.
CANONICAL_IPV4 = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}"
                            r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])")


def canonical_ip(text: str) -> str:
    """``text`` written as :mod:`ipaddress` writes it (``10.0.0.1``, ``fd00::1``).

    A plain dotted IPv4 address is returned as it is, which saves thousands of
    ``ip_address`` calls on a big cluster; anything else goes through ``ip_address``
    (and raises its ``ValueError`` when it is not an address).

    >>> canonical_ip("10.0.0.1"), canonical_ip("FD00:0::1")
    ('10.0.0.1', 'fd00::1')
    """
    if CANONICAL_IPV4.fullmatch(text):
        return text
    return str(ipaddress.ip_address(text))


def _assign_ips(pods: list[Pod], namespace_order: list[str],
                externals: tuple[ExternalEndpoint, ...]) -> list[Pod]:
    used = {p.ip for p in pods if p.ip} | {e.ip for e in externals}
    next_host: dict[str, int] = {}
    base = int(POD_NETWORK.network_address)
    out = []
    for pod in pods:
        if pod.ip:
            out.append(pod)
            continue
        index = namespace_order.index(pod.namespace) + 1
        host = next_host.get(pod.namespace, base + (index % 256) * 256 + 10)
        while str(ipaddress.ip_address(host)) in used:
            host += 1
        ip = str(ipaddress.ip_address(host))
        used.add(ip)
        next_host[pod.namespace] = host + 1
        out.append(replace(pod, ip=ip))
    return out
