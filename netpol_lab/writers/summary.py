"""The summary: pods with identical verdicts grouped, and the ports each group may open.

A real cluster's table has millions of rows, but its pods come in few kinds:
replicas of one workload, and often whole namespaces, get the same verdict
towards everyone. This writer groups the sources whose rows are identical
(every destination, every port), and the destinations whose columns are,
then prints, per source group, which destination groups it may open a
connection to and on which ports::

    FROM payments-prod/{api-1, web-2}  (5 pods)
      → payments-prod/*, kube-system/dns-1  53/UDP
      → payments-prod/db-1  5432/TCP

A group is named by namespace: ``ns/*`` is every pod of the namespace (of
those shown), ``ns/{a, b}`` its workloads ``a`` and ``b`` (a pod's name less
its replica suffix), ``a (2 of 3)`` a workload of which only some pods are
in the group. Ports are those each destination declares (or ``--port``);
a pod's connections to itself (always allowed) are left out. The groups are
exact: ``netpol-lab table --format csv --from GROUP --to GROUP`` lists their
rows, ``netpol-lab explain`` explains one.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import TextIO

import numpy as np

from ..model import Endpoint
from ..reachability import _distinct
from ..rows import TableRows

REPLICA = re.compile(r"^(\d+|[a-z0-9]{5})$")


def workload(endpoint: Endpoint) -> str:
    """A pod's workload: its name less a replica suffix (``-0``, ``-x7k2p``) and template hash.

    Examples
    --------
    >>> from netpol_lab import Pod
    >>> workload(Pod("shop", "api-7d9f8c6b5-x7k2p", {"pod-template-hash": "7d9f8c6b5"}))
    'api'
    >>> workload(Pod("shop", "db-0"))
    'db'
    """
    parts = endpoint.name.split("-")
    if len(parts) > 1 and REPLICA.match(parts[-1]):
        parts.pop()
    template = endpoint.labels.get("pod-template-hash", "") if endpoint.is_pod else ""
    if len(parts) > 1 and template and template.startswith(parts[-1]):
        parts.pop()
    return "-".join(parts)


def _names(rows: TableRows, members: np.ndarray, shown: Counter) -> str:
    """``ns/*``, ``ns/{a, b (2 of 3)}`` and external names, for a group's endpoints."""
    endpoints = rows.reach.endpoints
    by_namespace: dict[str, Counter] = defaultdict(Counter)
    external = []
    for i in members.tolist():
        ep = endpoints[i]
        if ep.is_pod:
            by_namespace[ep.namespace][workload(ep)] += 1
        else:
            external.append(ep.name)
    parts = []
    for namespace in sorted(by_namespace):
        counts = by_namespace[namespace]
        if sum(counts.values()) == shown[namespace]:
            parts.append(f"{namespace}/*")
            continue
        names = [w if n == shown[(namespace, w)] else f"{w} ({n} of {shown[(namespace, w)]})"
                 for w, n in sorted(counts.items())]
        parts.append(f"{namespace}/{names[0]}" if len(names) == 1
                     else f"{namespace}/{{{', '.join(names)}}}")
    if external:
        parts.append("external " + ", ".join(sorted(external)))
    return ", ".join(parts)


def _shown(rows: TableRows, members: np.ndarray) -> Counter:
    """How many pods of each namespace and workload are among ``members``."""
    counts: Counter = Counter()
    for i in members.tolist():
        ep = rows.reach.endpoints[i]
        if ep.is_pod:
            counts[ep.namespace] += 1
            counts[(ep.namespace, workload(ep))] += 1
    return counts


def _size(members: np.ndarray, p: int) -> str:
    pods = int((members < p).sum())
    parts = [f"{pods} pod{'s' * (pods != 1)}"] if pods else []
    if len(members) - pods:
        parts.append(f"{len(members) - pods} external")
    return ", ".join(parts)


def write_summary(rows: TableRows, out: TextIO) -> None:
    """Print each source group and the destination groups and ports it may reach."""
    r, p = rows.reach, rows.reach.n_pods
    src, dst = rows.sources, rows.destinations
    ports = rows.ports
    sides = [rows.matrix(k).sides for k in range(len(ports))]
    # classes: endpoints whose factored rows (columns) agree at every port
    src_sig = np.stack([src < p, *(s[d].row_of[src] for s in sides for d in s)], axis=1)
    declared = _declared(rows, dst)
    dst_sig = np.column_stack([dst < p, declared, *(s[d].col_of[dst] for s in sides for d in s)])
    _, src_class = np.unique(src_sig, axis=0, return_inverse=True)
    dst_keys, dst_class = np.unique(dst_sig, axis=0, return_inverse=True)
    src_class, dst_class = src_class.ravel(), dst_class.ravel()
    # allowed[S, D, k] on the classes, from a representative of each
    rep_src = src[np.unique(src_class, return_index=True)[1]]
    rep_dst = dst[np.unique(dst_class, return_index=True)[1]]
    allowed = np.zeros((len(rep_src), len(rep_dst), len(ports)), dtype=bool)
    for k in range(len(ports)):
        egress, ingress = sides[k]["egress"], sides[k]["ingress"]
        allowed[:, :, k] = egress.block(rep_src, rep_dst) & ingress.block(rep_src, rep_dst)
    allowed &= ((rep_src < p)[:, None] | (rep_dst < p)[None, :])[:, :, None]
    allowed &= dst_keys[:, 1:1 + len(ports)].astype(bool)[None, :, :]
    # groups: classes with identical verdict rows (sources) or columns (destinations)
    _, src_group = _distinct(allowed.reshape(len(rep_src), -1))
    _, dst_group = _distinct(allowed.transpose(1, 0, 2).reshape(len(rep_dst), -1))
    src_members = _members(src, src_group[src_class])
    dst_members = _members(dst, dst_group[dst_class])
    src_shown, dst_shown = _shown(rows, src), _shown(rows, dst)
    dst_names = {g: _names(rows, m, dst_shown) for g, m in dst_members.items()}
    first_class_of_group = {g: c for c, g in reversed(list(enumerate(src_group.tolist())))}
    first_dst_class = {g: c for c, g in reversed(list(enumerate(dst_group.tolist())))}
    order = sorted(dst_members, key=lambda h: dst_names[h])
    dst_labels = [dst_names[h] for h in order]
    dst_rep = np.array([first_dst_class[h] for h in order], dtype=np.intp)
    blocks = []
    for g, members in src_members.items():
        lines = [f"FROM {_names(rows, members, src_shown)}  ({_size(members, p)})"]
        # this group's verdicts towards every destination group, grouped by port set
        sub = allowed[first_class_of_group[g]][dst_rep]          # destination groups × ports
        reached = np.flatnonzero(sub.any(axis=1))
        if len(reached):
            if len(ports) < 63:  # a port set as the bits of one integer: a fast 1-D unique
                bits = sub[reached].astype(np.int64) @ (np.int64(1) << np.arange(len(ports)))
                _, first, which = np.unique(bits, return_index=True, return_inverse=True)
                sets = sub[reached][first]
            else:
                sets, which = np.unique(sub[reached], axis=0, return_inverse=True)
            which = which.ravel()
            by_set = np.argsort(which, kind="stable")
            bounds = np.flatnonzero(np.diff(which[by_set])) + 1
            entries = []
            for chunk in np.split(by_set, bounds):
                open_ports = np.flatnonzero(sets[which[chunk[0]]])
                words = ", ".join(f"{ports[k][0]}/{ports[k][1]}" for k in open_ports.tolist())
                names = ", ".join(dst_labels[i] for i in reached[chunk].tolist())
                entries.append((names, f"  → {names}  {words}"))
            lines += [line for _, line in sorted(entries)]
        else:
            lines.append("  → nothing (every connection denied)")
        blocks.append("\n".join(lines))
    out.write(f"{len(src):,} sources in {len(src_members)} groups, {len(dst):,} destinations in "
              f"{len(dst_members)} groups, {len(ports)} port{'s' * (len(ports) != 1)}; "
              f"{len(r.policies)} polic{'y' if len(r.policies) == 1 else 'ies'}. Each group "
              "reaches the groups listed on the ports listed, and nothing else.\n\n")
    out.write("\n\n".join(sorted(blocks)) + "\n")


def _declared(rows: TableRows, dst: np.ndarray) -> np.ndarray:
    """destinations × ports: whether the table has that row (the port is declared, or asked)."""
    columns, keys = rows.columns()
    out = np.zeros((len(rows.ids), len(rows.ports)), dtype=bool)
    out[columns, keys] = True
    return out[dst]


def _members(endpoints: np.ndarray, group: np.ndarray) -> dict[int, np.ndarray]:
    order = np.argsort(group, kind="stable")
    bounds = np.flatnonzero(np.diff(group[order])) + 1
    return {int(group[chunk[0]]): endpoints[chunk]
            for chunk in np.split(order, bounds) if len(chunk)}
