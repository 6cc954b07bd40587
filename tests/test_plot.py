"""The pictures (netpol_lab.plot): right content, readable labels, colour-blind-safe colours.

Each picture is drawn with the Agg backend and inspected through its
artists (texts, tick labels, patches), so the tests check what a learner
would read, not pixels.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

import netpol_lab as nl
from netpol_lab import plot
from netpol_lab.model import Cluster, ContainerPort, ExternalEndpoint, Namespace, Pod

OKABE_ITO = {"#000000", "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00",
             "#cc79a7"}
API_INGRESS = nl.article_yaml("api-ingress")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def big_cluster() -> Cluster:
    """50 pods in 5 namespaces (declared namespace by namespace) and 2 externals."""
    pods = [Pod(f"team-{k}", f"svc-{i}", {"app": f"svc-{i}", "tier": ("web", "api", "db")[i % 3]},
                ports=(ContainerPort(8080, "TCP", "http"),))
            for k in range(5) for i in range(k * 10, k * 10 + 10)]
    return Cluster([Namespace(f"team-{k}", {"team": str(k)}) for k in range(5)], pods,
                   [ExternalEndpoint("internet", "8.8.8.8", (ContainerPort(443),)),
                    ExternalEndpoint("corp", "10.9.0.1")])


BIG_POLICY = """\
kind: NetworkPolicy
metadata: {name: db-ingress, namespace: team-0}
spec:
  podSelector: {matchLabels: {tier: db}}
  ingress:
    - from: [{podSelector: {matchLabels: {tier: api}}}]
"""


def texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_palette_is_okabe_ito():
    """Allowed, denied and isolated use Okabe-Ito colours, and allowed ≠ denied."""
    for name in ("allowed", "denied", "isolated"):
        assert plot.PALETTE[name].lower() in OKABE_ITO
    assert plot.PALETTE["allowed"] != plot.PALETTE["denied"]


def test_matrix_cells_carry_glyphs_and_palette_colours():
    """Every pod-involving cell has ✓ or ✗ matching the verdict; ext→ext cells are blank."""
    cluster = nl.default_cluster()
    fig = plot.plot_matrix(cluster, API_INGRESS, port=8080)
    ax = fig.axes[0]
    glyphs = texts(ax)
    n = len(cluster.endpoints)
    externals = len(cluster.externals)
    assert len(glyphs) == n * n - externals * externals
    # api-ingress lets only production/frontend (and api itself, loopback) reach api on 8080
    denied = sum(1 for row in cluster.endpoints
                 if row.id not in ("production/frontend", "production/api"))
    assert glyphs.count(plot.DENIED_GLYPH) == denied
    assert glyphs.count(plot.ALLOWED_GLYPH) == len(glyphs) - denied
    image = ax.images[0]
    colours = {to_hex(image.cmap(0.0)), to_hex(image.cmap(1.0))}
    assert colours == {plot.PALETTE["denied"].lower(), plot.PALETTE["allowed"].lower()}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["✓ allowed", "✗ denied"]
    assert ax.get_title() == "Who may open TCP 8080 (row → column)"


def test_matrix_labels_every_endpoint_rotated():
    """Both axes name every endpoint; destination labels are rotated so they do not overlap."""
    cluster = nl.default_cluster()
    ax = plot.plot_matrix(cluster, [], port="53/UDP").axes[0]
    xs = [t.get_text() for t in ax.get_xticklabels()]
    ys = [t.get_text() for t in ax.get_yticklabels()]
    assert xs == ys == [ep.id for ep in cluster.endpoints]
    assert all(t.get_rotation() == 60 for t in ax.get_xticklabels())
    assert ax.get_title() == "Who may open UDP 53 (row → column)"


def test_matrix_at_fifty_pods_scales_down_fonts_and_groups_namespaces(big_cluster):
    """At 52 endpoints the labels shrink but stay at least 6 pt, and the figure grows."""
    fig = plot.plot_matrix(big_cluster, BIG_POLICY, port=8080)
    ax = fig.axes[0]
    sizes = {t.get_fontsize() for t in ax.get_xticklabels()}
    assert len(ax.get_xticklabels()) == 52
    assert min(sizes) >= 6
    assert fig.get_figwidth() > 12
    small = plot.plot_matrix(nl.default_cluster(), [], port=80)
    assert max(sizes) < small.axes[0].get_xticklabels()[0].get_fontsize()
    # tier=db pods of team-0 (svc-2, svc-5, svc-8) admit only the tier=api pods of team-0
    # (svc-1, svc-4, svc-7) and themselves (loopback): 52 - 4 sources denied per column
    assert texts(ax).count(plot.DENIED_GLYPH) == 3 * (52 - 4)
    # one separator line per namespace boundary (5 namespaces + outside): 5 per axis
    assert len(ax.lines) == 10


def test_diagram_has_namespace_boxes_nodes_and_allowed_arrows():
    """Namespaces are labelled columns, pods and externals are nodes, allowed pairs are arrows."""
    cluster = nl.default_cluster()
    policy = """\
kind: NetworkPolicy
metadata: {name: deny-all, namespace: production}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
"""
    fig = plot.plot_diagram(cluster, policy, port=8080, show_denied=True)
    ax = fig.axes[0]
    words = texts(ax)
    for name in [*cluster.namespaces, plot.OUTSIDE, "api", "coredns"]:
        assert name in words
    assert "partner-api\n203.0.113.10" in words
    arrows = [c for c in ax.texts if c.get_text() == "" and hasattr(c, "arrow_patch")]
    solid = [a for a in arrows if a.arrow_patch.get_linestyle() == "-"]
    dashed = [a for a in arrows if a.arrow_patch.get_linestyle() != "-"]
    production = [p.id for p in cluster.pods if p.namespace == "production"]
    n, k, e = len(cluster.endpoints), len(production), len(cluster.externals)
    pairs = n * (n - 1) - e * (e - 1)
    involving_production = k * (n - 1) * 2 - k * (k - 1)
    assert len(solid) == pairs - involving_production
    assert len(dashed) == involving_production
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:2] == ["→ allowed", "⇢ denied"]
    assert to_hex(solid[0].arrow_patch.get_edgecolor()) == plot.PALETTE["allowed"].lower()
    assert to_hex(dashed[0].arrow_patch.get_edgecolor()) == plot.PALETTE["denied"].lower()


def test_diagram_any_port_and_denied_hidden_by_default():
    """Without a port an arrow means allowed on some declared port; denied pairs are not drawn."""
    policies = [nl.article_policies()["api-ingress"]]
    ax = plot.plot_diagram(None, policies).axes[0]
    arrows = [t for t in ax.texts if hasattr(t, "arrow_patch")]
    assert all(a.arrow_patch.get_linestyle() == "-" for a in arrows)
    assert ax.get_title() == "Allowed connections on any declared port"
    table = nl.traffic_table(nl.default_cluster(), policies)
    table = table[table["source"] != table["destination"]]
    allowed_pairs = table[table["allowed"]].groupby(["source", "destination"]).ngroups
    assert len(arrows) == allowed_pairs


def test_diagram_at_fifty_pods_leaves_out_open_pairs(big_cluster):
    """A big open cluster draws only the connections a policy governs, and says so."""
    ax = plot.plot_diagram(big_cluster, BIG_POLICY, port=8080).axes[0]
    arrows = [t for t in ax.texts if hasattr(t, "arrow_patch")]
    # 3 isolated db pods in team-0, reachable from the other 3 api pods of team-0 (svc-1,4,7)
    assert len(arrows) == 9
    assert "connections between endpoints no policy isolates are not drawn" in ax.get_title()
    assert {"svc-0", "svc-49", "team-4", "internet\n8.8.8.8"} <= set(texts(ax))


def test_isolation_names_policies_per_direction():
    """Each pod row says open, or isolated by which policies, per direction."""
    policies = [nl.article_policies()[n] for n in ("api-ingress", "api-egress")]
    ax = plot.plot_isolation(None, policies).axes[0]
    words = texts(ax)
    pods = [p.id for p in nl.default_cluster().pods]
    assert [w for w in words if "/" in w] == pods
    assert words.count("● isolated by api-ingress") == 1   # production/api, not staging/api
    assert words.count("● isolated by api-egress") == 1


def test_isolation_shortens_long_policy_lists():
    """Many policies on one pod are shortened to '+N more' so the text stays in its cell."""
    ax = plot.plot_isolation(None, list(nl.article_policies().values())).axes[0]
    long = [w for w in texts(ax) if "more" in w]
    assert long and all(len(w) < 60 for w in long)


def test_isolation_at_fifty_pods(big_cluster):
    ax = plot.plot_isolation(big_cluster, BIG_POLICY).axes[0]
    words = texts(ax)
    assert words.count("● isolated by db-ingress") == 3  # svc-2, svc-5, svc-8: tier db in team-0
    assert words.count("○ open") == 2 * 50 - 3
    assert min(t.get_fontsize() for t in ax.texts) >= 6


def test_figure_png_closes_the_figure():
    fig = plot.plot_isolation(None, [])
    data = plot.figure_png(fig)
    assert data.startswith(b"\x89PNG")
    assert not plt.fignum_exists(fig.number)


def test_bad_yaml_raises_a_netpol_error():
    """The plot functions are strict: bad YAML raises a learner-readable NetpolError."""
    with pytest.raises(nl.NetpolError):
        plot.plot_matrix(None, "kind: NetworkPolicy\nmetadata: {name: x}\nspec: {podSelector: 3}")


def test_diagram_governed_only_leaves_out_unrestricted_traffic():
    """``governed_only`` draws just the arrows a policy decides and says how many it left out."""
    policies = [nl.article_policies()["api-ingress"]]
    full = plot.plot_diagram(None, policies, port=8080)
    governed = plot.plot_diagram(None, policies, port=8080, governed_only=True)
    arrows = [len([t for t in fig.axes[0].texts if getattr(t, "arrow_patch", None) is not None])
              for fig in (full, governed)]
    # into the isolated api only frontend is allowed on 8080; every other arrow is unrestricted
    assert arrows[1] == 1 and arrows[0] > 50
    assert "not drawn" in governed.axes[0].get_title()
