"""Traffic tables: every connection of a scenario, its verdict and its reason, as pandas.

:func:`traffic_table` has one row per (source, destination, port, protocol):
every pod and external endpoint as a source, every pod and external endpoint
as a destination (external → external is left out: no policy is involved),
and by default the ports each destination declares. :func:`traffic_matrix`
is the sources × destinations view of one port, and :func:`diff` compares two
tables.

The traffic table is about who may *open* a connection: replies to an allowed
connection are always allowed (policies are stateful).

Two paths compute the verdicts, and the differential tests check that they
agree on every pair. Small tables ask :meth:`Scenario.evaluate
<netpol_lab.engine.Scenario.evaluate>` about each row, so every row carries
its full one-line reason. :func:`traffic_matrix`, and :func:`traffic_table`
above :data:`REASONS_LIMIT` rows, use the whole-cluster boolean matrices of
:mod:`netpol_lab.reachability`: there ``allowed``, ``egress`` and ``ingress``
are exact, ``allowed_by`` is missing and ``reason`` a summary without rule
names, and :func:`~netpol_lab.reachability.explain_rows` fills both in for the
rows you pick.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from .engine import Scenario
from .model import Cluster, ContainerPort, Endpoint
from .policy import NetworkPolicy
from .rows import parse_ports  # kept importable from here; rows.py needs no pandas

COLUMNS = ["source", "destination", "port", "protocol", "port_name", "allowed", "egress",
           "ingress", "allowed_by", "reason"]
KEY = ["source", "destination", "port", "protocol"]
REASONS_LIMIT = 100_000
"""Largest table that gets a full reason per row by default (the engine takes about
13 µs per row on the benchmark machine, so about 1.3 s at this size)."""

PortSpec = int | str | tuple[int, str] | ContainerPort


def _scenario(cluster: Cluster | Scenario, policies: Iterable[NetworkPolicy] | None) -> Scenario:
    if isinstance(cluster, Scenario):
        return cluster
    return Scenario(cluster, policies or ())


def connections(scenario: Scenario, ports: Sequence[PortSpec] | None = None):
    """Yield ``(source, destination, port, protocol, port_name)`` for every table row."""
    wanted = None if ports is None else parse_ports(ports)
    endpoints = scenario.cluster.endpoints
    for src in endpoints:
        for dst in endpoints:
            if not src.is_pod and not dst.is_pod:
                continue
            if wanted is None:
                for cp in dst.ports:
                    yield src, dst, cp.port, cp.protocol, cp.name
            else:
                names = {(cp.port, cp.protocol): cp.name for cp in dst.ports}
                for number, protocol in wanted:
                    yield src, dst, number, protocol, names.get((number, protocol))


def traffic_table(cluster: Cluster | Scenario, policies: Iterable[NetworkPolicy] | None = None,
                  ports: Sequence[PortSpec] | None = None, *,
                  reasons: bool | None = None) -> pd.DataFrame:
    """Every connection of the cluster with its verdict.

    Parameters
    ----------
    cluster : Cluster or Scenario
        The cluster (then ``policies`` applies) or an already compiled scenario.
    policies : iterable of NetworkPolicy
    ports : list of ports, optional
        ``[80, "53/UDP"]`` to ask about these ports for every destination;
        by default each destination's declared container ports.
    reasons : bool, optional
        ``True``: evaluate each row with the engine, filling ``allowed_by``
        and the full ``reason``. ``False``: compute the table from the
        vectorised matrices (:func:`netpol_lab.reachability.iter_table`):
        same rows and verdicts, ``allowed_by`` missing, ``reason`` a summary,
        text columns categorical. By default ``True`` up to
        :data:`REASONS_LIMIT` rows.

    Returns
    -------
    pandas.DataFrame
        Columns ``source``, ``destination`` (``namespace/pod`` or the external
        endpoint's name), ``port``, ``protocol``, ``port_name``, ``allowed``
        (bool), ``egress`` and ``ingress`` (``open``, ``allowed``, ``denied``,
        ``n/a`` or ``loopback``), ``allowed_by`` (the allowing rules) and
        ``reason``.

    Examples
    --------
    >>> from netpol_lab import default_cluster
    >>> table = traffic_table(default_cluster(), [])
    >>> bool(table["allowed"].all())      # no policy: everything is open
    True
    >>> list(table.columns[:4])
    ['source', 'destination', 'port', 'protocol']
    >>> fast = traffic_table(default_cluster(), [], reasons=False)
    >>> bool((fast["allowed"].to_numpy() == table["allowed"].to_numpy()).all())
    True
    """
    scenario = _scenario(cluster, policies)
    if reasons is None:
        reasons = _row_count(scenario, ports) <= REASONS_LIMIT
    if not reasons:
        from .reachability import Reachability, iter_table

        wanted = None if ports is None else parse_ports(ports)
        chunks = list(iter_table(Reachability(scenario), ports=wanted))
        return chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
    rows: list[dict[str, Any]] = []
    for src, dst, number, protocol, name in connections(scenario, ports):
        verdict = scenario.evaluate(src, dst, number, protocol)
        rows.append({
            "source": src.id,
            "destination": dst.id,
            "port": number,
            "protocol": protocol,
            "port_name": name or "",
            "allowed": verdict.allowed,
            "egress": "loopback" if verdict.loopback else verdict.egress.status,
            "ingress": "loopback" if verdict.loopback else verdict.ingress.status,
            "allowed_by": ", ".join(f"{c.policy.name} rule {c.index + 1}"
                                    for c in verdict.allowed_by),
            "reason": verdict.reason,
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def _row_count(scenario: Scenario, ports: Sequence[PortSpec] | None) -> int:
    """How many rows :func:`traffic_table` would have, without building them."""
    cluster = scenario.cluster
    if ports is None:
        to_pods = sum(len(p.ports) for p in cluster.pods)
        to_all = to_pods + sum(len(e.ports) for e in cluster.externals)
    else:
        to_pods = len(cluster.pods) * len(ports)
        to_all = len(cluster.endpoints) * len(ports)
    return len(cluster.pods) * to_all + len(cluster.externals) * to_pods


def traffic_matrix(cluster: Cluster | Scenario, policies: Iterable[NetworkPolicy] | None = None,
                   port: PortSpec = 80, protocol: str | None = None) -> pd.DataFrame:
    """Sources × destinations for one port: ``True`` where the connection is allowed.

    Every pair is evaluated, whether or not the destination declares the port
    (the matrix answers what the *policies* allow). External → external
    cells are ``NA``. Computed for all pairs at once by
    :mod:`netpol_lab.reachability`; ``Scenario.evaluate`` explains a cell.

    Examples
    --------
    >>> from netpol_lab import default_cluster
    >>> m = traffic_matrix(default_cluster(), [], port="53/UDP")
    >>> bool(m.loc["production/api", "kube-system/coredns"])
    True
    """
    from .reachability import Reachability

    scenario = _scenario(cluster, policies)
    if protocol is not None and not isinstance(port, tuple):
        port = (int(port), protocol)
    [(number, proto)] = parse_ports([port])
    return Reachability(scenario).matrix(number, proto).to_frame()


def endpoint_ids(endpoints: Iterable[Endpoint]) -> list[str]:
    return [ep.id for ep in endpoints]


def diff(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """The connections whose verdict changed between two traffic tables.

    Returns one row per changed connection with ``before`` and ``after``
    (``allowed``/``denied``, or ``absent`` when the connection is only in one
    table) and ``change``: ``newly allowed``, ``newly denied``, ``added`` or
    ``removed``; plus the ``reason`` from the ``after`` table.

    Examples
    --------
    >>> from netpol_lab import default_cluster, load_policies
    >>> deny = load_policies("kind: NetworkPolicy\\nmetadata: {name: deny, namespace: "
    ...                      "production}\\nspec: {podSelector: {matchLabels: {app: api}}}")
    >>> changes = diff(traffic_table(default_cluster(), []),
    ...                traffic_table(default_cluster(), deny))
    >>> set(changes["change"]), set(changes["destination"])
    ({'newly denied'}, {'production/api'})
    """
    left = before[[*KEY, "allowed"]]
    right = after[[*KEY, "allowed", "reason"]]
    merged = left.merge(right, on=KEY, how="outer", suffixes=("_before", "_after"),
                        indicator=True)

    def word(value: Any) -> str:
        if value is None or value is pd.NA or (isinstance(value, float) and value != value):
            return "absent"
        return "allowed" if bool(value) else "denied"

    merged["before"] = merged["allowed_before"].map(word)
    merged["after"] = merged["allowed_after"].map(word)
    merged = merged[merged["before"] != merged["after"]].copy()
    change = {("denied", "allowed"): "newly allowed", ("allowed", "denied"): "newly denied"}
    merged["change"] = [
        change.get((b, a), "added" if b == "absent" else "removed")
        for b, a in zip(merged["before"], merged["after"], strict=False)
    ]
    merged["reason"] = merged["reason"].astype(object).fillna("")  # may be categorical
    out = merged[[*KEY, "before", "after", "change", "reason"]]
    return out.sort_values(KEY).reset_index(drop=True)
