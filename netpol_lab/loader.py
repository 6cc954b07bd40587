"""Read policies and clusters from YAML/JSON text, files or Python data.

Accepted input, as people write it and as ``kubectl get ... -o yaml`` prints it:

- one document, several documents separated by ``---``, or ``kind: List`` /
  ``NetworkPolicyList`` / ``PodList`` / ``NamespaceList`` wrappers;
- ``NetworkPolicy`` manifests;
- cluster objects: ``Namespace``, ``Pod``, and workloads (``Deployment``,
  ``StatefulSet``, ``DaemonSet``, ``ReplicaSet``, ``Job``), each of which becomes
  one representative pod built from its pod template;
- the compact teaching format, a document with ``namespaces``, ``pods`` and
  ``externals`` keys (optionally ``kind: Cluster``)::

      namespaces:
        production: {labels: {env: prod}}
      pods:
        - {name: api, namespace: production, labels: {app: api}, ports: ["http:8080"]}
      externals:
        - {name: partner-api, ip: 203.0.113.10, ports: [443]}

Other kinds (Service, ConfigMap, ...) are reported in ``skipped``, not fatal.

:func:`read` never raises for a bad document: it collects every problem, so a
widget can list them all. :func:`load_policies`, :func:`load_cluster` and
:func:`load` are the strict forms that raise the problems.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import fields
from .documents import (
    MAX_TEXT_BYTES,
    Document,
    _collector_paused,
    excerpt,
    format_path,
    iter_documents,
    read_text,
)
from .errors import InputErrors, NetpolError, ParseError, ValidationError
from .model import CANONICAL_IPV4, Cluster, ContainerPort, ExternalEndpoint, Namespace, Pod
from .policy import PROTOCOLS, Location, NetworkPolicy, parse_policy

WORKLOADS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job",
             "ReplicationController")
LISTS = ("List", "NetworkPolicyList", "PodList", "NamespaceList", "DeploymentList")
CLUSTER_EXAMPLE = """namespaces:
  production:
    labels: {env: production}
pods:
  - name: api
    namespace: production
    labels: {app: api}
    ports: ["http:8080", "dns:53/UDP"]
externals:
  - name: partner-api
    ip: 203.0.113.10
    ports: [443]"""

MAX_PROBLEMS = 20  # problems kept per input; more are counted, not listed
Source = str | bytes | os.PathLike | dict | list | NetworkPolicy | Cluster | None


@dataclass
class Loaded:
    """Everything read from one input: policies, cluster objects, problems, skipped kinds."""

    policies: list[NetworkPolicy] = field(default_factory=list)
    namespaces: list[Namespace] = field(default_factory=list)
    pods: list[Pod] = field(default_factory=list)
    externals: list[ExternalEndpoint] = field(default_factory=list)
    workloads: list[Pod] = field(default_factory=list)
    problems: list[NetpolError] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    cluster_given: Cluster | None = None

    @property
    def has_cluster(self) -> bool:
        return bool(self.cluster_given or self.namespaces or self.pods or self.externals
                    or self.workloads)

    def cluster(self) -> Cluster:
        """The cluster these objects describe, policy namespaces included."""
        pods = list(self.pods)
        by_label: dict[tuple[str, str, str], list[Pod]] = {}  # (namespace, key, value) → pods
        if self.workloads:
            for p in self.pods:
                for k, v in p.labels.items():
                    by_label.setdefault((p.namespace, k, v), []).append(p)
        for rep in self.workloads:
            # its running pods are listed when a pod of its namespace carries all its template
            # labels; a template without labels proves nothing, so that workload always counts
            candidates = min((by_label.get((rep.namespace, k, v), []) for k, v in
                              rep.labels.items()), key=len, default=[])
            covered = bool(rep.labels) and any(
                all(p.labels.get(k) == v for k, v in rep.labels.items()) for p in candidates)
            if not covered:
                pods.append(rep)
        base = self.cluster_given
        if base is not None:
            cluster = Cluster([*base.namespaces.values(), *self.namespaces],
                              [*base.pods, *pods], [*base.externals, *self.externals])
        else:
            cluster = Cluster(self.namespaces, pods, self.externals)
        return cluster.with_namespaces(p.namespace for p in self.policies)

    def raise_problems(self) -> None:
        """Raise the problems found, if any (one error, or :class:`InputErrors`)."""
        if len(self.problems) == 1:
            raise self.problems[0]
        if self.problems:
            raise InputErrors(self.problems)


def read(source: Source, loaded: Loaded | None = None, *,
         max_bytes: int = MAX_TEXT_BYTES) -> Loaded:
    """Read ``source`` into a :class:`Loaded`, collecting problems instead of raising.

    ``source`` is YAML/JSON text (a ``str`` is always text, never a file
    name), a :class:`pathlib.Path`, a dict or a list of those,
    :class:`NetworkPolicy` objects, a :class:`Cluster`, or ``None``. Text or a
    file larger than ``max_bytes`` is a problem, refused before it is parsed.

    Examples
    --------
    >>> out = read("kind: NetworkPolicy\\nmetadata: {name: x}\\nspec:\\n  podSelector: {}\\n"
    ...            "---\\nkind: Service\\nmetadata: {name: api}\\n")
    >>> [p.name for p in out.policies], out.skipped
    (['x'], ['document 2: Service api (not used by NetworkPolicy)'])
    """
    out = loaded if loaded is not None else Loaded()
    if source is None:
        return out
    if isinstance(source, NetworkPolicy):
        out.policies.append(source)
    elif isinstance(source, Cluster):
        out.cluster_given = source
    elif isinstance(source, dict):
        _read_object(source, None, (), out)
    elif isinstance(source, (list, tuple)):
        for item in source:
            if isinstance(item, dict):
                _read_object(item, None, (), out)
            else:
                read(item, out, max_bytes=max_bytes)
    else:
        try:
            text, name = read_text(source, max_bytes=max_bytes)
            # the documents of a large export are millions of live objects: collection
            # passes while the objects are built would walk them all again and again
            with _collector_paused():
                for doc in iter_documents(text, name):
                    _read_object(doc.data, doc, (), out)
        except ParseError as exc:
            out.problems.append(exc)
    if len(out.problems) > MAX_PROBLEMS:  # 10,000 broken documents: the first ones say enough
        more = len(out.problems) - MAX_PROBLEMS
        out.problems[MAX_PROBLEMS:] = [NetpolError(
            f"and {more:,} more problem{'s' * (more != 1)} not listed",
            expected=f"fix the first {MAX_PROBLEMS} first")]
    return out


def load_policies(source: Source) -> list[NetworkPolicy]:
    """Read NetworkPolicies, raising the first problem (or all of them) if any.

    Cluster objects in the same input are ignored here; use :func:`load` for both.

    Examples
    --------
    >>> [p.id for p in load_policies('''
    ... apiVersion: networking.k8s.io/v1
    ... kind: NetworkPolicy
    ... metadata: {name: deny-all, namespace: production}
    ... spec: {podSelector: {}}
    ... ''')]
    ['production/deny-all']
    """
    loaded = read(source)
    loaded.raise_problems()
    return loaded.policies


def load_cluster(source: Source) -> Cluster:
    """Read a cluster (manifests or the compact format), raising problems if any."""
    loaded = read(source)
    loaded.raise_problems()
    return loaded.cluster()


def load(source: Source) -> tuple[Cluster, list[NetworkPolicy]]:
    """Read a file holding a cluster and its policies together."""
    loaded = read(source)
    loaded.raise_problems()
    return loaded.cluster(), loaded.policies


def _locate(exc: NetpolError, doc: Document | None, prefix: tuple) -> NetpolError:
    if doc is None:
        return exc.located(prefix=format_path(prefix))
    rel = getattr(exc, "key_path", None) or tuple(_split_path(exc.path))
    return exc.located(document=doc.number, line=doc.line_of((*prefix, *rel)),
                       source=doc.source, prefix=format_path(prefix))


def _split_path(text: str) -> Iterable:
    for part in text.replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("[") and part.endswith("]") and part[1:-1].isdigit():
            yield int(part[1:-1])
        else:
            yield part


def _read_object(data: Any, doc: Document | None, prefix: tuple, out: Loaded) -> None:
    where = f"document {doc.number}" if doc else "input"
    if prefix:
        where += f" {format_path(prefix)}"
    try:
        if not isinstance(data, dict):
            fields.fail((), f"expected a Kubernetes object (a mapping with 'kind') but found "
                        f"{fields.type_name(data)}", "a mapping with apiVersion, kind, metadata",
                        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n...")
        kind = data.get("kind")
        if kind is None and any(k in data for k in ("namespaces", "pods", "externals")):
            kind = "Cluster"
        if kind is None:
            fields.fail(("kind",), "the document has no 'kind'",
                        "kind: NetworkPolicy (or Namespace, Pod, List, or a compact cluster "
                        "with namespaces/pods/externals)")
        if not isinstance(kind, str):
            fields.fail(("kind",), f"kind must be a string, not {fields.type_name(kind)}")
        if kind in LISTS:
            items = fields.sequence(data.get("items"), ("items",))
            for i, item in enumerate(items):
                _read_object(item, doc, (*prefix, "items", i), out)
            return
        if kind == "NetworkPolicy":
            out.policies.append(parse_policy(data, Location(doc, prefix)))
        elif kind == "Cluster":
            _read_compact(data, out)
        elif kind == "Namespace":
            out.namespaces.append(_read_namespace_manifest(data))
        elif kind == "Pod":
            out.pods.append(_read_pod_manifest(data))
        elif kind in WORKLOADS:
            out.workloads.append(_read_workload(data))
        else:
            _near_miss_kind(kind)
            name = data.get("metadata", {}).get("name") if isinstance(
                data.get("metadata"), dict) else None
            out.skipped.append(f"{where}: {kind} {name or ''}".rstrip()
                               + " (not used by NetworkPolicy)")
    except ValidationError as exc:
        out.problems.append(_locate(exc, doc, prefix))


def _near_miss_kind(kind: str) -> None:
    """Refuse a kind that is a typo of one netpol_lab reads (``Networkpolicy``, ``Pods``).

    Other kinds are skipped quietly; a misspelt ``NetworkPolicy`` must not be,
    or the learner's policy would silently vanish.
    """
    known = ("NetworkPolicy", "Namespace", "Pod", "Cluster", *WORKLOADS, *LISTS)
    singular = {kind.lower(), kind.lower().removesuffix("s"),
                kind.lower().removesuffix("ies") + "y"}
    guess = [k for k in known if k.lower() in singular] or difflib.get_close_matches(
        kind, known, n=1, cutoff=0.85)
    if guess:
        fields.fail(("kind",), f"unknown kind {excerpt(kind)}; did you mean {guess[0]!r}?",
                    f"kind: {guess[0]} (kinds are case-sensitive)")


def _meta(data: dict, kind: str) -> tuple[str, str, dict]:
    meta = fields.mapping(data.get("metadata"), ("metadata",))
    if "name" not in meta:
        fields.fail(("metadata", "name"), f"the {kind} has no metadata.name", "a name")
    name = fields.dns_subdomain(meta["name"], ("metadata", "name"), f"{kind} name")
    namespace = "default"
    if meta.get("namespace") is not None:
        namespace = fields.dns_label(meta["namespace"], ("metadata", "namespace"), "namespace name")
    labels = _labels(meta.get("labels"), ("metadata", "labels"))
    return name, namespace, labels


def _read_namespace_manifest(data: dict) -> Namespace:
    meta = fields.mapping(data.get("metadata"), ("metadata",))
    if "name" not in meta:
        fields.fail(("metadata", "name"), "the Namespace has no metadata.name", "a name")
    name = fields.dns_label(meta["name"], ("metadata", "name"), "namespace name")
    return Namespace(name, _labels(meta.get("labels"), ("metadata", "labels")))


def _container_ports(spec: Any, path: tuple) -> tuple[ContainerPort, ...]:
    spec = fields.mapping(spec, path)
    ports = []
    for kind in ("initContainers", "containers"):
        for i, container in enumerate(fields.sequence(spec.get(kind), (*path, kind))):
            cpath = (*path, kind, i)
            container = fields.mapping(container, cpath)
            for j, port in enumerate(fields.sequence(container.get("ports"), (*cpath, "ports"))):
                ppath = (*cpath, "ports", j)
                port = fields.mapping(port, ppath)
                number = fields.integer(port.get("containerPort"), (*ppath, "containerPort"),
                                        1, 65535)
                protocol = _protocol(port.get("protocol") or "TCP", (*ppath, "protocol"))
                name = port.get("name")
                if name is not None:
                    name = fields.string(name, (*ppath, "name"))
                ports.append(ContainerPort(number, protocol, name))
    return tuple(ports)


def _protocol(value: Any, path: tuple) -> str:
    value = fields.string(value, path)
    if value not in PROTOCOLS:
        fields.fail(path, f"{excerpt(value)} is not a supported protocol", "TCP, UDP or SCTP")
    return value


def _read_pod_manifest(data: dict) -> Pod:
    name, namespace, labels = _meta(data, "Pod")
    ports = _container_ports(data.get("spec"), ("spec",))
    status = fields.mapping(data.get("status"), ("status",))
    ip = status.get("podIP")
    if ip is not None:
        ip = _ip(ip, ("status", "podIP"))
    return Pod(namespace, name, labels, ip, ports)


def _read_workload(data: dict) -> Pod:
    name, namespace, _ = _meta(data, data["kind"])
    spec = fields.mapping(data.get("spec"), ("spec",))
    if data["kind"] == "Job" or "template" in spec:
        template = fields.mapping(spec.get("template"), ("spec", "template"))
    else:
        template = {}
    tmeta = fields.mapping(template.get("metadata"), ("spec", "template", "metadata"))
    labels = fields.labels(tmeta.get("labels"), ("spec", "template", "metadata", "labels"))
    ports = _container_ports(template.get("spec"), ("spec", "template", "spec"))
    return Pod(namespace, name, labels, None, ports)


# Labels repeat across a cluster's pods: keys and values checked once are remembered (a
# bounded cache), so a 5,000-pod export checks each distinct one once.
_CHECKED_LABEL_KEYS: set[str] = set()
_CHECKED_LABEL_VALUES: set[str] = set()


def _labels(value: Any, path: tuple) -> dict[str, str]:
    """:func:`fields.labels`, with the keys and values it has accepted before remembered."""
    if type(value) is dict and _CHECKED_LABEL_KEYS.issuperset(value) \
            and _CHECKED_LABEL_VALUES.issuperset(value.values()):
        return dict(value)  # only str keys and values enter the caches
    labels = fields.labels(value, path)
    if len(_CHECKED_LABEL_VALUES) > 50_000:
        _CHECKED_LABEL_KEYS.clear()
        _CHECKED_LABEL_VALUES.clear()
    _CHECKED_LABEL_KEYS.update(labels)
    _CHECKED_LABEL_VALUES.update(labels.values())
    return labels


def _ip(value: Any, path: tuple) -> str:
    import ipaddress

    if type(value) is str and CANONICAL_IPV4.fullmatch(value):
        return value
    text = fields.string(value, path)
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        fields.fail(path, f"{excerpt(text)} is not an IP address", "an IPv4 or IPv6 address",
                    "ip: 203.0.113.10")
        raise


def _read_compact(data: dict, out: Loaded) -> None:
    fields.known_fields(data, (), ("apiVersion", "kind", "metadata", "namespaces", "pods",
                                   "externals"), CLUSTER_EXAMPLE)
    namespaces = data.get("namespaces")
    if isinstance(namespaces, list):
        for i, item in enumerate(namespaces):
            path = ("namespaces", i)
            if isinstance(item, str):
                item = {"name": item}
            item = fields.mapping(item, path, CLUSTER_EXAMPLE, allow_null=False)
            fields.known_fields(item, path, ("name", "labels"), CLUSTER_EXAMPLE)
            name = fields.dns_label(item.get("name"), (*path, "name"), "namespace name")
            out.namespaces.append(Namespace(name, fields.labels(item.get("labels"),
                                                                (*path, "labels"))))
    else:
        for name, item in fields.mapping(namespaces, ("namespaces",), CLUSTER_EXAMPLE).items():
            path = ("namespaces", name)
            fields.dns_label(name, path, "namespace name")
            item = fields.mapping(item, path, CLUSTER_EXAMPLE)
            fields.known_fields(item, path, ("labels",), CLUSTER_EXAMPLE)
            out.namespaces.append(Namespace(name, fields.labels(item.get("labels"),
                                                                (*path, "labels"))))
    for i, item in enumerate(fields.sequence(data.get("pods"), ("pods",), CLUSTER_EXAMPLE)):
        path = ("pods", i)
        item = fields.mapping(item, path, CLUSTER_EXAMPLE, allow_null=False)
        fields.known_fields(item, path, ("name", "namespace", "labels", "ip", "ports"),
                            CLUSTER_EXAMPLE)
        if "name" not in item:
            fields.fail((*path, "name"), "the pod has no name", "a name", CLUSTER_EXAMPLE)
        name = fields.dns_subdomain(item["name"], (*path, "name"), "pod name")
        namespace = fields.dns_label(item.get("namespace", "default"), (*path, "namespace"),
                                     "namespace name")
        ip = _ip(item["ip"], (*path, "ip")) if item.get("ip") is not None else None
        out.pods.append(Pod(namespace, name, fields.labels(item.get("labels"), (*path, "labels")),
                            ip, _compact_ports(item.get("ports"), (*path, "ports"))))
    for i, item in enumerate(fields.sequence(data.get("externals"), ("externals",),
                                             CLUSTER_EXAMPLE)):
        path = ("externals", i)
        item = fields.mapping(item, path, CLUSTER_EXAMPLE, allow_null=False)
        fields.known_fields(item, path, ("name", "ip", "ports"), CLUSTER_EXAMPLE)
        if "name" not in item or "ip" not in item:
            fields.fail(path, "an external endpoint needs a name and an ip", "name and ip",
                        "externals:\n  - name: partner-api\n    ip: 203.0.113.10")
        name = fields.dns_subdomain(item["name"], (*path, "name"), "external endpoint name")
        out.externals.append(ExternalEndpoint(name, _ip(item["ip"], (*path, "ip")),
                                              _compact_ports(item.get("ports"), (*path, "ports"))))


def _compact_ports(value: Any, path: tuple) -> tuple[ContainerPort, ...]:
    """Ports as ``8080``, ``"53/UDP"``, ``"http:8080"``, ``"dns:53/UDP"`` or a mapping."""
    example = 'ports: [8080, "53/UDP", "http:8080", {name: dns, port: 53, protocol: UDP}]'
    ports = []
    for i, item in enumerate(fields.sequence(value, path, example)):
        ipath = (*path, i)
        if isinstance(item, dict):
            fields.known_fields(item, ipath, ("name", "port", "containerPort", "protocol"), example)
            number = item.get("port", item.get("containerPort"))
            protocol = item.get("protocol") or "TCP"
            name = item.get("name")
        elif isinstance(item, str):
            name, _, rest = item.rpartition(":")
            number, _, protocol = rest.partition("/")
            protocol = protocol or "TCP"
            name = name or None
            digits = number.strip()
            number = int(digits) if digits.isascii() and digits.isdigit() and len(
                digits) <= 10 else number  # "٨٠" and 5,000 digits are not numbers here
        else:
            number, protocol, name = item, "TCP", None
        number = fields.integer(number, ipath, 1, 65535, example)
        protocol = _protocol(protocol, ipath)
        if name is not None:
            name = fields.string(name, ipath, example)
        ports.append(ContainerPort(number, protocol, name))
    return tuple(ports)
