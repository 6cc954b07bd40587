"""Pictures of a scenario with matplotlib: reachability matrix, cluster diagram, isolation map.

These are thin front ends over the core: each function compiles a
:class:`~netpol_lab.engine.Scenario` (or takes one), asks the core the
question and draws the answer. They work without ipywidgets, in a script,
a notebook or a test (any matplotlib backend; tests use Agg).

Allowed and denied are never told apart by colour alone: every cell carries a
glyph (✓ or ✗), and the colours come from the Okabe-Ito palette, which stays
distinguishable for the common forms of colour-vision deficiency.

========  ===========  =========================================
name      colour       used for
========  ===========  =========================================
allowed   ``#0072B2``  Okabe-Ito blue; ✓ in white on it
denied    ``#E69F00``  Okabe-Ito orange; ✗ in black on it
isolated  ``#CC79A7``  Okabe-Ito reddish purple (isolation map)
open      ``#F2F2F2``  light grey (not isolated)
========  ===========  =========================================

matplotlib is imported inside the functions, so importing this module is
cheap.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import netpol_lab as nl
>>> from netpol_lab.plot import plot_matrix
>>> fig = plot_matrix(nl.default_cluster(), [nl.article_policies()["api-ingress"]], port=8080)
>>> fig.axes[0].get_title()
'Who may open TCP 8080 (row → column)'
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .engine import Scenario
from .loader import read
from .model import Cluster, Endpoint, Pod
from .policy import NetworkPolicy

if TYPE_CHECKING:  # pragma: no cover - type checkers only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: The Okabe-Ito colours used for verdicts and isolation (see the module docstring).
PALETTE: dict[str, str] = {
    "allowed": "#0072B2",
    "denied": "#E69F00",
    "isolated": "#CC79A7",
    "open": "#F2F2F2",
    "blank": "#FFFFFF",
}
#: Text drawn on top of each fill, chosen for contrast.
INK: dict[str, str] = {"allowed": "#FFFFFF", "denied": "#000000", "isolated": "#000000",
                       "open": "#000000"}
ALLOWED_GLYPH = "✓"
DENIED_GLYPH = "✗"
OUTSIDE = "outside the cluster"

PoliciesArg = Iterable[NetworkPolicy] | str | None


def scenario_of(cluster: Cluster | Scenario | None, policies: PoliciesArg = None) -> Scenario:
    """A :class:`Scenario` from a scenario, or a cluster plus policies (objects or YAML text).

    ``cluster=None`` means the course's default cluster. YAML text is read
    strictly: a bad document raises its :class:`~netpol_lab.errors.NetpolError`.

    Examples
    --------
    >>> scenario_of(None, "").cluster
    Cluster(4 namespaces, 9 pods, 4 externals)
    """
    if isinstance(cluster, Scenario):
        return cluster
    if cluster is None:
        from .scenarios import default_cluster

        cluster = default_cluster()
    if isinstance(policies, str):
        loaded = read(policies)
        loaded.raise_problems()
        policies = loaded.policies
    return Scenario(cluster, policies or ())


def _figure(ax: Axes | None, width: float, height: float) -> tuple[Figure, Axes]:
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    return fig, ax


def _group(ep: Endpoint) -> str:
    return ep.namespace if isinstance(ep, Pod) else OUTSIDE


def _label_size(count: int) -> float:
    """Tick-label font size: 10 pt for a small cluster, down to 6 pt at about 60 endpoints."""
    return max(6.0, min(10.0, 10.0 - (count - 20) * 0.1))


def _port_args(port: int | str, protocol: str) -> dict[str, Any]:
    if isinstance(port, str) and "/" in port:
        return {"port": port}
    return {"port": int(port), "protocol": protocol}


def plot_matrix(scenario_or_cluster: Cluster | Scenario | None = None,
                policies: PoliciesArg = None, port: int | str = 80, protocol: str = "TCP",
                ax: Axes | None = None) -> Figure:
    """Heatmap of who may open a connection on one port: sources (rows) × destinations.

    Parameters
    ----------
    scenario_or_cluster : Cluster, Scenario or None
        ``None`` is the default cluster.
    policies : list of NetworkPolicy or YAML text, optional
        Ignored when a :class:`Scenario` is given.
    port : int or str
        ``8080``, or ``"53/UDP"`` (the protocol then comes from the string).
    protocol : str
        ``TCP``, ``UDP`` or ``SCTP``.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Each cell is blue with ✓ (allowed) or orange with ✗ (denied); external →
        external cells stay blank (no policy is involved). Thin dark lines separate
        namespaces.

    Notes
    -----
    Every pair is evaluated whether or not the destination declares the port:
    the matrix shows what the *policies* allow (semantics reference, section 7).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = plot_matrix(None, [], port="53/UDP")
    >>> texts = [t.get_text() for t in fig.axes[0].texts]
    >>> texts.count("✓"), texts.count("✗")      # 13 × 13 cells minus 4 × 4 external pairs
    (153, 0)
    """
    import numpy as np
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    from .table import traffic_matrix

    scenario = scenario_of(scenario_or_cluster, policies)
    args = _port_args(port, protocol)
    order = [*scenario.cluster.namespaces, OUTSIDE]
    endpoints = sorted(scenario.cluster.endpoints, key=lambda ep: order.index(_group(ep)))
    ids = [ep.id for ep in endpoints]
    matrix = traffic_matrix(scenario, **args).loc[ids, ids]
    n = len(endpoints)
    side = max(6.0, min(24.0, 0.3 * n + 3.0))
    fig, ax = _figure(ax, side, side * 0.9)
    values = matrix.astype("float64").to_numpy(na_value=np.nan)  # 1 allowed, 0 denied, NaN blank
    cmap = ListedColormap([PALETTE["denied"], PALETTE["allowed"]]).with_extremes(
        bad=PALETTE["blank"])
    ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0, vmax=1, aspect="equal",
              interpolation="nearest")
    size = _label_size(n)
    glyph_size = max(6.0, min(12.0, 14.0 - n * 0.12))
    for i in range(n):
        for j in range(n):
            if np.isnan(values[i, j]):
                continue
            allowed = bool(values[i, j])
            ax.text(j, i, ALLOWED_GLYPH if allowed else DENIED_GLYPH, ha="center", va="center",
                    fontsize=glyph_size, color=INK["allowed" if allowed else "denied"])
    ax.set_xticks(range(n), ids, rotation=60, ha="right", rotation_mode="anchor", fontsize=size)
    ax.set_yticks(range(n), ids, fontsize=size)
    ax.set_xticks(np.arange(-0.5, n, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, n, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=0.8)
    ax.tick_params(which="minor", length=0)
    groups = [_group(ep) for ep in endpoints]
    for k in range(1, n):
        if groups[k] != groups[k - 1]:
            ax.axhline(k - 0.5, color="#333333", linewidth=1.2)
            ax.axvline(k - 0.5, color="#333333", linewidth=1.2)
    ax.set_xlabel("destination")
    ax.set_ylabel("source")
    proto, number = _describe_port(args)
    ax.set_title(f"Who may open {proto} {number} (row → column)")
    ax.legend(handles=[Patch(color=PALETTE["allowed"], label=f"{ALLOWED_GLYPH} allowed"),
                       Patch(color=PALETTE["denied"], label=f"{DENIED_GLYPH} denied")],
              loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=size, frameon=False)
    return fig


def _na() -> Any:
    import pandas as pd

    return pd.NA


def _describe_port(args: dict[str, Any]) -> tuple[str, int]:
    from .table import parse_ports

    spec = args["port"] if "protocol" not in args else (args["port"], args["protocol"])
    [(number, proto)] = parse_ports([spec])
    return proto, number


def _edges(scenario: Scenario, port: int | str | None, protocol: str) -> dict[tuple[str, str], bool]:
    """``(source id, destination id) -> allowed`` for distinct endpoints."""
    from .table import traffic_matrix, traffic_table

    edges: dict[tuple[str, str], bool] = {}
    if port is None:
        table = traffic_table(scenario)
        for src, dst, allowed in zip(table["source"], table["destination"], table["allowed"],
                                     strict=True):
            if src != dst:
                edges[(src, dst)] = edges.get((src, dst), False) or bool(allowed)
        return edges
    matrix = traffic_matrix(scenario, **_port_args(port, protocol))
    for src in matrix.index:
        for dst in matrix.columns:
            cell = matrix.at[src, dst]
            if src != dst and cell is not _na():
                edges[(src, dst)] = bool(cell)
    return edges


def plot_diagram(scenario_or_cluster: Cluster | Scenario | None = None,
                 policies: PoliciesArg = None, port: int | str | None = None,
                 protocol: str = "TCP", show_denied: bool = False, max_edges: int = 200,
                 governed_only: bool = False, ax: Axes | None = None) -> Figure:
    """Namespaces as boxes, pods and external endpoints as nodes, allowed connections as arrows.

    Parameters
    ----------
    scenario_or_cluster : Cluster, Scenario or None
        ``None`` is the default cluster.
    policies : list of NetworkPolicy or YAML text, optional
    port : int, str or None
        Draw the connections allowed on this port (``8080``, ``"53/UDP"``).
        ``None``: an arrow means "allowed on at least one port the destination
        declares".
    protocol : str
    show_denied : bool
        Also draw the denied connections, dashed in orange.
    max_edges : int
        When more arrows than this would be drawn, leave out the *open* ones
        (neither end isolated, so no policy is involved) and say how many were
        left out in the title: a large open cluster is otherwise a hairball.
    governed_only : bool
        Draw only the connections a policy governs (the source isolated for
        egress or the destination for ingress), so the paths your policies
        decide stand out from the traffic nobody restricted.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        One column per namespace (a labelled box), external endpoints in a last
        column "outside the cluster". Pods isolated for ingress have a thick
        border, and a legend explains arrows, dashes and borders.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import netpol_lab as nl
    >>> fig = plot_diagram(None, [nl.article_policies()["api-ingress"]], port=8080)
    >>> ax = fig.axes[0]
    >>> "production" in [t.get_text() for t in ax.texts]
    True
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyBboxPatch

    scenario = scenario_of(scenario_or_cluster, policies)
    cluster = scenario.cluster
    columns: dict[str, list[Endpoint]] = {name: [] for name in cluster.namespaces}
    for pod in cluster.pods:
        columns[pod.namespace].append(pod)
    if cluster.externals:
        columns[OUTSIDE] = list(cluster.externals)
    tallest = max((len(v) for v in columns.values()), default=1) or 1
    count = len(cluster.endpoints)
    col_w, row_h = 3.0, 1.0
    width = max(7.0, min(26.0, 2.3 * len(columns) + 1.0))
    height = max(4.5, min(20.0, 0.55 * tallest + 2.5))
    fig, ax = _figure(ax, width, height)
    size = _label_size(count)
    nodes: dict[str, Any] = {}
    for c, (group, members) in enumerate(columns.items()):
        x = c * col_w
        box_h = max(len(members), 1) * row_h + 0.4
        face = "#FFFFFF" if group != OUTSIDE else "#F2F2F2"
        ax.add_patch(FancyBboxPatch((x - col_w * 0.42, -box_h + 0.5), col_w * 0.84, box_h,
                                    boxstyle="round,pad=0.05,rounding_size=0.15",
                                    facecolor=face, edgecolor="#555555", linewidth=1.0,
                                    linestyle="-" if group != OUTSIDE else ":", zorder=0))
        ax.text(x, 0.75, group, ha="center", va="bottom", fontsize=size + 1, fontweight="bold")
        for r, ep in enumerate(members):
            isolated = isinstance(ep, Pod) and bool(scenario.isolating(ep, "ingress"))
            label = ep.name if isinstance(ep, Pod) else f"{ep.name}\n{ep.ip}"
            nodes[ep.id] = ax.text(
                x, -r * row_h, label, ha="center", va="center", fontsize=size, zorder=3,
                bbox={"boxstyle": "round,pad=0.3", "facecolor": "#FFFFFF",
                      "edgecolor": "#000000", "linewidth": 2.4 if isolated else 0.8})
    edges = {pair: allowed for pair, allowed in _edges(scenario, port, protocol).items()
             if allowed or show_denied}
    hidden = 0
    if governed_only or len(edges) > max_edges:
        governed = {pair: allowed for pair, allowed in edges.items()
                    if _governed(scenario, cluster.endpoint(pair[0]), cluster.endpoint(pair[1]))}
        hidden = len(edges) - len(governed)
        edges = governed
    denied_drawn = False
    for (src, dst), allowed in edges.items():
        denied_drawn |= not allowed
        a, b = nodes[src], nodes[dst]
        ax.annotate("", xy=b.get_position(), xytext=a.get_position(), zorder=2,
                    arrowprops={"arrowstyle": "-|>", "color": PALETTE["allowed" if allowed
                                                                      else "denied"],
                                "linestyle": "-" if allowed else "--",
                                "linewidth": 0.8, "alpha": 0.7, "mutation_scale": 9,
                                "patchA": a.get_bbox_patch(), "patchB": b.get_bbox_patch(),
                                "connectionstyle": "arc3,rad=0.18"})
    ax.set_xlim(-col_w * 0.55, (len(columns) - 1) * col_w + col_w * 0.55)
    ax.set_ylim(-tallest * row_h - 0.2, 1.4)
    ax.set_axis_off()
    what = "any declared port" if port is None else "{} {}".format(
        *_describe_port(_port_args(port, protocol)))
    ax.set_title(f"Allowed connections on {what}" + (
        f"\n({hidden} connection{'s' * (hidden != 1)} between endpoints no policy isolates "
        f"{'are' if hidden != 1 else 'is'} not drawn)"
        if hidden else ""))
    handles = [Line2D([], [], color=PALETTE["allowed"], label="→ allowed"),
               Line2D([], [], color="none", marker="s", markerfacecolor="white",
                      markeredgecolor="black", markeredgewidth=2.4, markersize=9,
                      label="thick border: isolated for ingress")]
    if show_denied:
        handles.insert(1, Line2D([], [], color=PALETTE["denied"], linestyle="--",
                                 label="⇢ denied" + ("" if denied_drawn else " (none)")))
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3,
              fontsize=size, frameon=False)
    return fig


def _governed(scenario: Scenario, src: Endpoint, dst: Endpoint) -> bool:
    """Whether a policy is involved: the source is isolated for egress or the destination for ingress."""
    return bool((isinstance(src, Pod) and scenario.isolating(src, "egress"))
                or (isinstance(dst, Pod) and scenario.isolating(dst, "ingress")))


def _policy_names(policies: tuple[NetworkPolicy, ...], limit: int = 34) -> str:
    """``a, b`` or, when that is longer than ``limit`` characters, ``a, b +3 more``."""
    names = [p.name for p in policies]
    shown = names[:1]
    for name in names[1:]:
        if len(", ".join([*shown, name])) > limit:
            break
        shown.append(name)
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" +{more} more" if more else "")


def plot_isolation(scenario_or_cluster: Cluster | Scenario | None = None,
                   policies: PoliciesArg = None, ax: Axes | None = None) -> Figure:
    """Which pods are isolated for ingress and egress, and by which policies.

    One row per pod, one column per direction. An isolated cell is purple with
    ``● isolated by <policies>``; an open cell is light grey with ``○ open``.
    External endpoints are not listed: no policy selects them.

    Notes
    -----
    A pod is isolated for a direction when at least one policy selects it and
    has that direction in its (effective) ``policyTypes`` (semantics reference,
    sections 2 and 3). An isolated pod accepts only what some rule allows.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import netpol_lab as nl
    >>> fig = plot_isolation(None, [nl.article_policies()["api-ingress"]])
    >>> [t.get_text() for t in fig.axes[0].texts if "isolated" in t.get_text()]
    ['● isolated by api-ingress']
    """
    from matplotlib.patches import Patch, Rectangle

    scenario = scenario_of(scenario_or_cluster, policies)
    pods = scenario.cluster.pods
    n = max(len(pods), 1)
    height = max(3.0, min(24.0, 0.32 * n + 1.6))
    fig, ax = _figure(ax, 10.0, height)
    size = _label_size(n)
    widths = (3.2, 3.4, 3.4)
    starts = (0.0, widths[0], widths[0] + widths[1])
    for c, head in enumerate(("pod", "ingress", "egress")):
        ax.text(starts[c] + 0.1, 0.5, head, ha="left", va="center", fontsize=size + 1,
                fontweight="bold")
    for r, pod in enumerate(pods):
        y = -r - 0.5
        ax.text(starts[0] + 0.1, y, pod.id, ha="left", va="center", fontsize=size)
        for c, direction in ((1, "ingress"), (2, "egress")):
            by = scenario.isolating(pod, direction)
            kind = "isolated" if by else "open"
            ax.add_patch(Rectangle((starts[c], y - 0.5), widths[c], 1.0, facecolor=PALETTE[kind],
                                   edgecolor="white", linewidth=1.5))
            text = f"● isolated by {_policy_names(by)}" if by else "○ open"
            ax.text(starts[c] + 0.1, y, text, ha="left", va="center", fontsize=size,
                    color=INK[kind], clip_on=True)
    ax.set_xlim(0, sum(widths))
    ax.set_ylim(-n - 0.1, 1.0)
    ax.set_axis_off()
    ax.set_title("Isolation: which policies select each pod, per direction")
    ax.legend(handles=[Patch(color=PALETTE["isolated"], label="● isolated (only allowed "
                             "traffic passes)"),
                       Patch(facecolor=PALETTE["open"], edgecolor="#999999",
                             label="○ open (no policy selects it)")],
              loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=2, fontsize=size,
              frameon=False)
    return fig


def figure_png(fig: Figure, dpi: int = 90) -> bytes:
    """The figure as PNG bytes, then closed (for ipywidgets.Image and files).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> figure_png(plot_isolation(None, []))[:4]
    b'\\x89PNG'
    """
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()
