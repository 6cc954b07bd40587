"""The widgets' logic without a browser: edit the YAML, read the panes.

A learner's loop is "change one line, see which connections open or close".
These tests drive that loop through the Python side of the widgets (setting
``editor.value`` re-evaluates synchronously) and check what each pane shows:
the table, the changes, the problems, the explanation, and that nothing ever
raises while the text is half typed.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import ipywidgets as widgets
import pytest

import netpol_lab as nl
from netpol_lab.widgets import (
    DIAGRAM_TAB,
    MATRIX_TAB,
    ClusterView,
    Compare,
    Playground,
    evaluate_text,
    table_html,
)

API_INGRESS = nl.article_yaml("api-ingress")
MOBILE_RULE = """\
    - from:
        - podSelector:
            matchLabels:
              app: mobile-bff
      ports:
        - port: 8080
"""
MOBILE = ("production/mobile-bff", "production/api", 8080, "TCP")


def row_html(pg: Playground, key: tuple) -> str:
    """The ``<tr>`` of one connection in the rendered table."""
    marker = 'data-key="{}|{}|{}|{}"'.format(*key)
    match = re.search(r"<tr[^>]*" + re.escape(marker) + r".*?</tr>", pg.table_pane.value)
    assert match, f"no row for {key}"
    return match.group(0)


@pytest.fixture
def pg() -> Playground:
    return Playground(API_INGRESS)


def test_playground_is_a_vbox_with_a_monospace_editor(pg):
    assert isinstance(pg, widgets.VBox)
    assert "netpol-editor" in pg.editor._dom_classes
    assert pg.editor.value == API_INGRESS
    style = pg.children[0].value
    assert ".netpol-editor textarea" in style and "monospace" in style


def test_first_table_shows_verdicts_as_glyph_word_and_class(pg):
    """The table has every connection; allowed/denied are a class (colour), a glyph and a word."""
    assert len(pg.table) == len(nl.traffic_table(nl.default_cluster(), []))
    assert pg.verdict(*MOBILE) is False
    assert pg.verdict("production/frontend", "production/api", 8080) is True
    denied = row_html(pg, MOBILE)
    assert 'class="netpol-denied"' in denied and "✗ denied" in denied
    allowed = row_html(pg, ("production/frontend", "production/api", 8080, "TCP"))
    assert "netpol-allowed" in allowed and "✓ allowed" in allowed
    assert "1 policy · 192 connections" in pg.status.value
    assert "No connection differs from the starting version" in pg.changes_pane.value
    assert pg.changes.empty
    assert not pg.stale


def test_edit_opens_a_connection_and_reports_the_change(pg):
    """Adding a peer re-evaluates at once: the row flips, is highlighted and summarised."""
    pg.editor.value = API_INGRESS + MOBILE_RULE
    assert pg.verdict(*MOBILE) is True
    assert pg.changes[["source", "destination", "port", "change"]].values.tolist() == [
        ["production/mobile-bff", "production/api", 8080, "newly allowed"]]
    row = row_html(pg, MOBILE)
    assert "netpol-changed" in row and "▲ newly allowed" in row and "✓ allowed" in row
    assert "▲ 1 newly allowed" in pg.changes_pane.value
    assert "production/mobile-bff → production/api TCP 8080" in pg.changes_pane.value
    # the explanation follows the change until the learner picks a connection
    assert pg.connection.value == MOBILE
    assert pg.explanation.startswith("production/mobile-bff → production/api on TCP 8080: ALLOWED")
    assert "✓ api-ingress rule 3 (spec.ingress[2])" in pg.explanation
    assert "netpol-allowed" in pg.explain_pane.value


def test_edit_that_closes_connections(pg):
    pg.editor.value = API_INGRESS.replace("name: monitoring", "name: nobody")
    assert set(pg.changes["change"]) == {"newly denied"}
    assert set(pg.changes["source"]) == {"monitoring/prometheus"}
    assert "▼ 1 newly denied" in pg.changes_pane.value
    assert any(w.code == "NPL501" for w in pg.problems)   # the selector now matches nothing
    assert "NPL501" in pg.problems_pane.value


def test_invalid_yaml_shows_the_baseline_table_marked_stale(pg):
    """Half-typed YAML never raises; the problem names the line; the baseline's table stays."""
    good = pg.table
    pg.editor.value = API_INGRESS + "    - from: [\n"
    assert pg.stale
    assert pg.table is good
    assert pg.problems and isinstance(pg.problems[0], nl.NetpolError)
    assert "line" in pg.problems_pane.value and "not valid yet" in pg.problems_pane.value
    assert "stale" in pg.table_pane.value and "netpol-stale" in pg.table_pane.value
    assert "⚠ stale" in pg.status.value
    assert "✗ denied" in row_html(pg, MOBILE)               # the last good rows are still there
    assert "table of the starting version" in pg.table_pane.value
    assert pg.changes.empty and "show again once it is valid" in pg.changes_pane.value
    assert pg.pin_button.disabled
    # fixing it: the changes are measured against the starting version
    pg.editor.value = API_INGRESS + MOBILE_RULE
    assert not pg.stale
    assert pg.changes["change"].tolist() == ["newly allowed"]
    assert "stale" not in pg.table_pane.value


def test_typing_a_rule_key_by_key_shows_exactly_what_the_finished_rule_changed():
    """Changes compare with the starting version, never with a half-typed state.

    Issue 12: pausing after ``- from:`` (no peers yet: every source allowed, a valid text)
    used to make that allow-all state the baseline, so the finished rule looked as if it
    closed dozens of connections it never touched. Each prefix of the typed rule is
    evaluated, as a learner typing key by key produces it.
    """
    pg = Playground(API_INGRESS)
    start = pg.table
    final = API_INGRESS + MOBILE_RULE
    half_valid = invalid_after_half = 0
    for end in range(len(API_INGRESS) + 1, len(final) + 1):
        pg.editor.value = final[:end]
        text = final[:end]
        if text.endswith("    - from:") and not pg.stale:   # the learner pauses here
            half_valid += 1
            assert pg.verdict("staging/frontend", "production/api", 8080) is True
            assert len(pg.changes) > 5                      # allow-all: many rows differ
        elif half_valid and pg.stale and not invalid_after_half:
            invalid_after_half += 1
            # the stale table is the starting version, not the half-typed allow-all one
            assert pg.table is start
            assert pg.verdict("staging/frontend", "production/api", 8080) is False
            assert "table of the starting version" in pg.table_pane.value
    assert half_valid == 1 and invalid_after_half == 1
    assert not pg.stale
    expected = nl.diff(start, nl.traffic_table(nl.default_cluster(), nl.load_policies(final)))
    assert pg.changes[["source", "destination", "port", "protocol", "change"]].values.tolist() \
        == expected[["source", "destination", "port", "protocol", "change"]].values.tolist() \
        == [["production/mobile-bff", "production/api", 8080, "TCP", "newly allowed"]]
    assert "1 connection differs from the starting version" in pg.changes_pane.value


def test_pin_makes_the_current_version_the_baseline(pg):
    pg.editor.value = API_INGRESS + MOBILE_RULE
    assert not pg.pin_button.disabled and pg.unpin_button.disabled
    pg.pin_button.click()
    assert pg.changes.empty and pg.baseline_name == "the pinned version"
    assert "No connection differs from the pinned version" in pg.changes_pane.value
    assert not pg.unpin_button.disabled
    pg.editor.value = API_INGRESS                                   # the rule removed again
    assert pg.changes["change"].tolist() == ["newly denied"]
    assert "differs from the pinned version" in pg.changes_pane.value
    pg.editor.value = API_INGRESS + "    - from: [\n"                # invalid: the pinned table
    assert pg.stale and pg.verdict(*MOBILE) is True
    assert "⚠ stale: showing the pinned version" in pg.status.value
    with pytest.raises(nl.NetpolError, match="nothing to pin"):
        pg.pin()
    pg.unpin_button.click()
    assert pg.baseline_name == "the starting version" and pg.unpin_button.disabled
    assert pg.stale and pg.verdict(*MOBILE) is False                # the starting table
    pg.editor.value = API_INGRESS + MOBILE_RULE
    assert pg.changes["change"].tolist() == ["newly allowed"]


def test_validation_error_shows_field_path_and_line(pg):
    pg.editor.value = API_INGRESS.replace("port: 8080", "port: 80800")
    [error] = [p for p in pg.problems if isinstance(p, nl.NetpolError)]
    assert error.path == "spec.ingress[0].ports[0].port"
    line = 1 + API_INGRESS.splitlines().index("          port: 8080")
    assert error.line == line
    assert f"line {line}, spec.ingress[0].ports[0].port" in pg.problems_pane.value


def test_invalid_from_the_start_compares_with_no_policy_at_all():
    """No half-typed text becomes the baseline, even when the starter itself is invalid."""
    pg = Playground("kind: NetworkPolicy\nmetadata: {name: x}\nspec: {podSelector: nope}")
    assert pg.stale and bool(pg.table["allowed"].all())
    assert pg.baseline_name == "no policy at all"
    assert "table of no policy at all" in pg.table_pane.value
    assert "spec.podSelector" in pg.problems_pane.value
    pg.editor.value = "kind: NetworkPolicy\nmetadata: {name: x, namespace: production}\n" \
                      "spec: {podSelector: {matchLabels: {app: api}}}"
    assert not pg.stale and set(pg.changes["change"]) == {"newly denied"}
    assert "from no policy at all" in pg.changes_pane.value


def test_empty_editor_means_no_policy():
    pg = Playground("")
    assert not pg.stale and bool(pg.table["allowed"].all())
    assert "0 policies" in pg.status.value


def test_filters_narrow_the_rendered_table(pg):
    pg.editor.value = API_INGRESS + MOBILE_RULE
    pg.destination_filter.value = "production/api"
    pg.port_filter.value = "8080/TCP"
    shown = pg.filtered()
    assert set(shown["destination"]) == {"production/api"} and set(shown["port"]) == {8080}
    assert pg.table_pane.value.count("<tr class=") == len(shown) == 13
    assert f"{len(shown)} of {len(pg.table)} connections" in pg.table_pane.value
    pg.source_filter.value = "staging/frontend"
    assert pg.table_pane.value.count("<tr class=") == 1
    pg.source_filter.value = ""
    pg.changed_only.value = True
    assert pg.table_pane.value.count("<tr class=") == 1
    assert "production/mobile-bff" in pg.table_pane.value
    assert pg.view_problem.value == ""


def test_picking_a_connection_explains_it_and_sticks(pg):
    key = ("staging/frontend", "production/api", 8080, "TCP")
    pg.connection.value = key
    assert pg.explanation.startswith("staging/frontend → production/api on TCP 8080: DENIED")
    assert "rule 1" in pg.explanation and "netpol-denied" in pg.explain_pane.value
    pg.editor.value = API_INGRESS + MOBILE_RULE                 # a change elsewhere
    assert pg.connection.value == key                        # the learner's pick is kept
    assert "staging/frontend" in pg.explain_pane.value


def test_matrix_and_diagram_views_render_pictures(pg):
    pg.views.selected_index = MATRIX_TAB
    assert bytes(pg.matrix_image.value).startswith(b"\x89PNG")
    pg.matrix_port.value = "53/UDP"
    assert bytes(pg.matrix_image.value).startswith(b"\x89PNG")
    pg.views.selected_index = DIAGRAM_TAB
    assert bytes(pg.diagram_image.value).startswith(b"\x89PNG")
    before = bytes(pg.diagram_image.value)
    pg.diagram_denied.value = True
    assert bytes(pg.diagram_image.value) != before
    assert pg.view_problem.value == ""


def test_unexpected_errors_are_shown_not_raised(pg, monkeypatch):
    """As a last resort any exception becomes a problem, never a traceback."""
    import netpol_lab.widgets as w

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(w, "traffic_table", broken)
    pg.editor.value = API_INGRESS + MOBILE_RULE
    assert pg.stale
    assert "boom" in pg.problems_pane.value
    monkeypatch.setattr(pg.scenario, "evaluate", broken)
    pg.connection.value = ("staging/frontend", "production/api", 8080, "TCP")
    assert "boom" in pg.view_problem.value


def test_ports_argument_asks_about_given_ports():
    pg = Playground(API_INGRESS, ports=[8080, "53/UDP"])
    assert set(zip(pg.table["port"], pg.table["protocol"], strict=True)) == {(8080, "TCP"),
                                                                             (53, "UDP")}


def test_cluster_objects_in_the_editor_join_the_cluster():
    text = API_INGRESS + "---\nkind: Pod\napiVersion: v1\nmetadata: {name: web2, namespace: " \
        "production, labels: {app: frontend}}\nspec: {containers: [{name: c, ports: " \
        "[{containerPort: 80}]}]}\n"
    pg = Playground(text)
    assert pg.verdict("production/web2", "production/api", 8080) is True


def test_evaluate_text_collects_every_document_problem():
    out = evaluate_text("kind: NetworkPolicy\nmetadata: {name: a}\nspec: {podSelector: 1}\n---\n"
                        "kind: NetworkPolicy\nmetadata: {name: b}\nspec: {podSelector: 2}\n",
                        nl.default_cluster())
    assert not out.valid and [e.line for e in out.errors] == [3, 7]


def test_table_html_escapes_names():
    import pandas as pd

    table = pd.DataFrame([{"source": "<b>x</b>", "destination": "d", "port": 1, "protocol": "TCP",
                           "port_name": "", "allowed": True, "egress": "open",
                           "ingress": "open", "allowed_by": "", "reason": "a & b"}])
    out = table_html(table)
    assert "&lt;b&gt;x&lt;/b&gt;" in out and "a &amp; b" in out and "<b>x</b>" not in out


def test_compare_and_versus_or():
    """The AND form admits fewer sources than the OR form: the difference lists them."""
    c = Compare(nl.article_yaml("api-and"), nl.article_yaml("api-or"), titles=("AND", "OR"))
    assert isinstance(c, widgets.VBox)
    expected = nl.diff(nl.traffic_table(nl.default_cluster(), [nl.article_policies()["api-and"]]),
                       nl.traffic_table(nl.default_cluster(), [nl.article_policies()["api-or"]]))
    assert c.difference.equals(expected) and not c.difference.empty
    assert f"{len(expected)} connections differ" in c.summary.value
    assert "allowed only by OR" in c.summary.value
    assert c.table_pane.value.count("<tr class=") == len(expected)
    assert "<th>AND</th><th>OR</th>" in c.table_pane.value
    c.differences_only.value = False
    assert c.table_pane.value.count("<tr class=") == len(c.left_table)


def test_compare_same_text_and_invalid_side():
    c = Compare(API_INGRESS, API_INGRESS)
    assert c.difference.empty and "exactly the same" in c.summary.value
    c.right_editor.value = "spec: ["
    assert c.stale and c.right_problems and not c.left_problems
    assert "not valid yet" in c.right_pane.value and "⚠ stale" in c.summary.value
    assert c.difference.empty                     # the last valid right table is kept
    c.right_editor.value = API_INGRESS + MOBILE_RULE
    assert not c.stale and c.difference["change"].tolist() == ["newly allowed"]


def test_cluster_view_lists_namespaces_pods_externals_and_isolation():
    cluster = nl.default_cluster()
    view = ClusterView(policies=nl.article_yaml("api-full-policy"))
    html = view.content.value
    for ns in cluster.namespaces:
        assert f"namespace {ns}" in html
    for pod in cluster.pods:
        assert f"<b>{pod.name}</b>" in html
    assert "app=api" in html and "http:8080/TCP" in html and "10.244.1.12" in html
    assert "partner-api" in html and "203.0.113.10" in html
    assert html.count("● isolated by api-full-policy") == 2      # api: ingress and egress
    assert html.count("○ open") == 2 * len(cluster.pods) - 2
    iso = view.isolation.set_index("pod")
    assert iso.loc["production/api", "ingress"] == "api-full-policy"
    assert iso.loc["staging/api", "egress"] == ""


def test_cluster_view_accepts_policy_objects_and_shows_bad_yaml():
    policies = list(nl.article_policies().values())
    view = ClusterView(nl.default_cluster(), policies)
    assert "api-ingress" in view.isolation.set_index("pod").loc["production/api", "ingress"]
    bad = ClusterView(policies="spec: [")
    assert bad.problems and "not valid yet" in bad.content.value
    assert "namespace production" in bad.content.value


def test_views_draw_at_once_outside_a_kernel_even_when_an_event_loop_runs():
    """Debouncing is for a live kernel only: a loop running in the thread (as Playwright's
    sync API leaves one) must not defer the matrix outside a kernel."""
    import asyncio

    async def open_matrix() -> bytes:
        playground = Playground(nl.article_yaml("api-ingress"))
        playground.views.selected_index = MATRIX_TAB
        return bytes(playground.matrix_image.value)

    # A thread of its own, since this thread may already run a loop (Playwright's).
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        png = pool.submit(asyncio.run, open_matrix()).result()
    assert png.startswith(b"\x89PNG")


def test_compare_counts_in_the_right_number():
    """"1 connection differs", never "1 connection differ"."""
    c = Compare(API_INGRESS, API_INGRESS + MOBILE_RULE)
    assert "1 connection differs: 1 allowed only by right" in c.summary.value


def test_counts_read_in_the_right_number(pg):
    """Issue 12: "1 connection differs", and so on for every count a learner reads."""
    pg.source_filter.value = "production/frontend"
    pg.destination_filter.value = "production/api"
    pg.port_filter.value = "8080/TCP"
    assert "1 of 192 connections matches the filters" in pg.table_pane.value
    pg.port_filter.value = ""
    assert "2 of 192 connections match the filters" in pg.table_pane.value
    one = nl.Cluster(pods=[nl.Pod("shop", "web", {"app": "web"})])
    assert repr(one) == "Cluster(1 namespace, 1 pod, 0 externals)"
    assert "1 namespace, 1 pod, 0 external endpoints; 0 policies." in ClusterView(one)._html()
