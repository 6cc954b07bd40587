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
    # representatives of the classes, and which groups of classes have identical verdicts
    rep_src = src[np.unique(src_class, return_index=True)[1]]
    rep_dst = dst[np.unique(dst_class, return_index=True)[1]]
    declared_rep = dst_keys[:, 1:1 + len(ports)].astype(bool)
    if len(rep_src) * len(rep_dst) * len(ports) <= DENSE_CELLS:
        allowed = _allowed(rows, rep_src, rep_dst, declared_rep)
        _, src_group = _distinct(allowed.reshape(len(rep_src), -1))
        _, dst_group = _distinct(allowed.transpose(1, 0, 2).reshape(len(rep_dst), -1))
    else:
        src_group, dst_group = _hashed_groups(rows, rep_src, rep_dst, declared_rep)
    src_members = _members(src, src_group[src_class])
    dst_members = _members(dst, dst_group[dst_class])
    src_shown, dst_shown = _shown(rows, src), _shown(rows, dst)
    dst_names = {g: _names(rows, m, dst_shown) for g, m in dst_members.items()}
    first_class_of_group = {g: c for c, g in reversed(list(enumerate(src_group.tolist())))}
    first_dst_class = {g: c for c, g in reversed(list(enumerate(dst_group.tolist())))}
    order = sorted(dst_members, key=lambda h: dst_names[h])
    dst_labels = np.array([dst_names[h] for h in order] or [""], dtype=object)
    dst_rep = np.array([first_dst_class[h] for h in order], dtype=np.intp)
    groups = list(src_members.items())
    group_rep = np.array([first_class_of_group[g] for g, _ in groups], dtype=np.intp)
    blocks = []
    step = max(1, DENSE_CELLS // max(1, len(dst_rep) * len(ports)))
    words: dict = {}
    for start in range(0, len(groups), step):
        # these source groups' verdicts towards every destination group (× ports)
        chunk = _allowed(rows, rep_src[group_rep[start:start + step]], rep_dst[dst_rep],
                         declared_rep[dst_rep])
        for (_, members), sub in zip(groups[start:start + step], chunk, strict=True):
            blocks.append(_block(rows, members, sub, src_shown, dst_labels, p, words))
    out.write(f"{len(src):,} sources in {len(src_members)} groups, {len(dst):,} destinations in "
              f"{len(dst_members)} groups, {len(ports)} port{'s' * (len(ports) != 1)}; "
              f"{len(r.policies)} polic{'y' if len(r.policies) == 1 else 'ies'}. Each group "
              "reaches the groups listed on the ports listed, and nothing else.\n\n")
    out.write("\n\n".join(sorted(blocks)) + "\n")


def _block(rows: TableRows, members: np.ndarray, sub: np.ndarray, src_shown: Counter,
           dst_labels: np.ndarray, p: int, words: dict) -> str:
    """One source group's lines: ``sub`` is its verdict per destination group and port.

    Destination groups with the same set of open ports share a line; ``words`` caches
    each port set's text (``53/UDP, 53/TCP``).
    """
    ports = rows.ports
    lines = [f"FROM {_names(rows, members, src_shown)}  ({_size(members, p)})"]
    reached = np.flatnonzero(sub.any(axis=1))
    if not len(reached):
        lines.append("  → nothing (every connection denied)")
        return "\n".join(lines)
    if len(ports) < 63:   # a port set as the bits of one integer: a fast sort
        keys = sub[reached].astype(np.int64) @ (np.int64(1) << np.arange(len(ports)))
    else:
        packed = np.packbits(sub[reached], axis=1)
        keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    order = np.argsort(keys, kind="stable")
    bounds = np.flatnonzero(keys[order][1:] != keys[order][:-1]) + 1
    entries = []
    for chunk in np.split(order, bounds):
        key = keys[chunk[0]].tobytes() if keys.dtype.kind == "V" else int(keys[chunk[0]])
        text = words.get(key)
        if text is None:
            open_ports = np.flatnonzero(sub[reached[chunk[0]]]).tolist()
            text = words[key] = ", ".join(f"{ports[k][0]}/{ports[k][1]}" for k in open_ports)
        names = ", ".join(dst_labels[reached[chunk]].tolist())
        entries.append((names, f"  → {names}  {text}"))
    lines += [line for _, line in sorted(entries)]
    return "\n".join(lines)


DENSE_CELLS = 20_000_000
"""Above this many (source class, destination class, port) cells, groups are found by
hashing the verdict rows and columns instead of comparing them whole."""


def _allowed(rows: TableRows, rep_src: np.ndarray, rep_dst: np.ndarray,
             declared: np.ndarray) -> np.ndarray:
    """``allowed[s, d, k]`` for sources × destinations × ports (not loopback; only the
    ports each destination has in the table)."""
    p = rows.reach.n_pods
    allowed = np.zeros((len(rep_src), len(rep_dst), len(rows.ports)), dtype=bool)
    for k in range(len(rows.ports)):
        sides = rows.matrix(k).sides
        allowed[:, :, k] = (sides["egress"].block(rep_src, rep_dst)
                            & sides["ingress"].block(rep_src, rep_dst))
    allowed &= ((rep_src < p)[:, None] | (rep_dst < p)[None, :])[:, :, None]
    allowed &= declared[None, :, :]
    return allowed


def _hashed_groups(rows: TableRows, rep_src: np.ndarray, rep_dst: np.ndarray,
                   declared: np.ndarray, block: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    """Group ids of source and destination classes with identical verdicts, via hashes.

    Each destination (source) class gets four random 26-bit weights per port; a source's
    hash at a port is the sum of the weights of the cells it may open (exact in float64),
    computed on the *pairs* of factored classes (``allowed = egress[row_e, col_e] &
    ingress[row_i, col_i]``) with one BLAS product per block, never on the full
    class × class × port grid. Ports are mixed by odd 64-bit multipliers. Two different
    rows share all four sums at a port with probability about 2⁻¹⁰⁴.
    """
    p = rows.reach.n_pods
    rng = np.random.default_rng(20_000)
    h_src = np.zeros((len(rep_src), 4), dtype=np.uint64)
    h_dst = np.zeros((len(rep_dst), 4), dtype=np.uint64)
    for k in range(len(rows.ports)):
        e, i = rows.matrix(k).sides["egress"], rows.matrix(k).sides["ingress"]
        s_keys, s_of = np.unique(np.column_stack([e.row_of[rep_src], i.row_of[rep_src],
                                                  rep_src < p]), axis=0, return_inverse=True)
        d_keys, d_of = np.unique(np.column_stack([e.col_of[rep_dst], i.col_of[rep_dst],
                                                  rep_dst < p, declared[:, k]]),
                                 axis=0, return_inverse=True)
        s_of, d_of = s_of.ravel(), d_of.ravel()
        w_dst = np.zeros((len(d_keys), 4))
        w_src = np.zeros((len(s_keys), 4))
        np.add.at(w_dst, d_of, rng.integers(1, 1 << 26, size=(len(rep_dst), 4)).astype(float))
        np.add.at(w_src, s_of, rng.integers(1, 1 << 26, size=(len(rep_src), 4)).astype(float))
        e_cols = np.take(e.small, d_keys[:, 0], axis=1)
        i_cols = np.take(i.small, d_keys[:, 1], axis=1)
        d_pod, d_declared = d_keys[:, 2].astype(bool), d_keys[:, 3].astype(bool)
        pair_src = np.empty((len(s_keys), 4))
        pair_dst = np.zeros((len(d_keys), 4))
        for start in range(0, len(s_keys), block):
            keys = s_keys[start:start + block]
            pairs = e_cols[keys[:, 0]] & i_cols[keys[:, 1]] & d_declared[None, :]
            pairs &= keys[:, 2].astype(bool)[:, None] | d_pod[None, :]
            as_float = pairs.astype(np.float64)
            pair_src[start:start + block] = as_float @ w_dst
            pair_dst += as_float.T @ w_src[start:start + block]
        mix = rng.integers(0, 1 << 62, size=4, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        h_src = h_src * mix + pair_src[s_of].astype(np.uint64)
        h_dst = h_dst * mix + pair_dst[d_of].astype(np.uint64)
    _, src_group = np.unique(h_src, axis=0, return_inverse=True)
    _, dst_group = np.unique(h_dst, axis=0, return_inverse=True)
    return src_group.ravel(), dst_group.ravel()


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
