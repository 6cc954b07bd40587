"""Interactive widgets for the course: edit a policy and watch every connection change.

Three widgets, each a thin layer over the core (they only call
:func:`~netpol_lab.loader.read`, :class:`~netpol_lab.engine.Scenario`,
:func:`~netpol_lab.table.traffic_table`, :func:`~netpol_lab.table.diff` and
:func:`~netpol_lab.lint.lint`, and draw with :mod:`netpol_lab.plot`):

- :class:`Playground`: a YAML editor for one or more policies; the traffic
  table re-evaluates on every edit, with filters, what changed since a baseline
  the learner chose (the starting version, or one they pinned; or, as a second
  mode, their version before the current edit), a problems pane, an explanation
  pane, and matrix and diagram views.
- :class:`Compare`: two policies side by side (the AND and the OR form, say),
  their verdicts and the difference.
- :class:`ClusterView`: namespaces, pods with labels and ports, external
  endpoints, and which pods are isolated for ingress and egress by which policy.

A learner never sees a traceback: every callback catches
:class:`~netpol_lab.errors.NetpolError` (and, as a last resort, any
exception) and shows it in the problems pane.

Examples
--------
>>> import netpol_lab as nl
>>> from netpol_lab.widgets import Playground
>>> pg = Playground(nl.article_yaml("api-ingress"))
>>> pg.verdict("production/mobile-bff", "production/api", 8080)
False
>>> pg.editor.value = pg.editor.value.replace("app: frontend", "tier: web")
>>> pg.verdict("production/mobile-bff", "production/api", 8080), pg.stale
(True, False)
>>> pg.changes[["source", "change"]].to_dict("records")
[{'source': 'production/mobile-bff', 'change': 'newly allowed'}]
>>> pg.pin()                      # this version becomes the baseline: nothing differs from it
>>> pg.changes.empty, pg.baseline_name
(True, 'the pinned version')
"""

from __future__ import annotations

import asyncio
import html
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import pandas as pd

from .documents import MAX_EDITOR_CHARS
from .engine import Scenario
from .errors import NetpolError
from .lint import LintWarning, lint
from .loader import read
from .model import Cluster, Pod
from .plot import ALLOWED_GLYPH, DENIED_GLYPH, PALETTE
from .policy import NetworkPolicy
from .scenarios import default_cluster
from .table import COLUMNS, KEY, diff, traffic_table

ALL = ""  # the "no filter" value of the filter dropdowns
#: The Playground's two ways of choosing the baseline the changes are measured from.
SINCE_START, SINCE_LAST_EDIT = "start", "last edit"
#: Seconds without a keystroke that end an edit, for the "since my last edit" mode.
EDIT_PAUSE = 2.0
MATRIX_TAB, DIAGRAM_TAB = 2, 3  # the Playground's picture tabs (drawn only when visible)
Key = tuple[str, str, int, str]
CHANGE_MARK = {"newly allowed": "▲", "newly denied": "▼", "added": "+", "removed": "−"}

STYLE = f"""<style>
.netpol-editor textarea {{ font-family: ui-monospace, SFMono-Regular, Menlo, Consolas,
  "DejaVu Sans Mono", monospace; font-size: 13px; line-height: 1.4; white-space: pre;
  overflow: auto; tab-size: 2; resize: vertical; }}
.netpol-playground, .netpol-compare, .netpol-cluster-view {{ max-width: 100%;
  overflow-x: hidden; }}
.netpol-playground .netpol-column {{ min-width: 0; }}
.netpol-playground .widget-vbox > .jupyter-widgets {{ width: auto !important;
  align-self: stretch; }}
.netpol-playground .netpol-scroll {{ max-height: 360px; }}
.netpol-playground .widget-tab > .p-TabBar, .netpol-playground .widget-tab > .lm-TabBar {{
  min-height: 28px; }}
.netpol-baseline-bar {{ align-items: center; flex-wrap: wrap; }}
.netpol-baseline-bar .netpol-status {{ flex: 1 1 auto; width: auto; }}
.netpol-playground .widget-html-content, .netpol-compare .widget-html-content,
.netpol-cluster-view .widget-html-content {{ line-height: 1.4; }}
.netpol-scroll {{ max-height: 430px; overflow: auto; border: 1px solid #ccc;
  max-width: 100%; }}
.netpol-table table, .netpol-compare-table table, .netpol-cluster table {{
  border-collapse: collapse; font-size: 12px; width: 100%; }}
.netpol-table th, .netpol-compare-table th, .netpol-cluster th {{ position: sticky; top: 0;
  background: #fff; text-align: left; border-bottom: 2px solid #555; padding: 3px 6px; }}
.netpol-table td, .netpol-compare-table td, .netpol-cluster td {{ padding: 2px 6px;
  border-bottom: 1px solid #e3e3e3; vertical-align: top; }}
.netpol-allowed .netpol-verdict, .netpol-verdict.netpol-allowed {{ background: #D4E6F4;
  color: #003D63; font-weight: bold; white-space: nowrap;
  border-left: 5px solid {PALETTE["allowed"]}; }}
.netpol-denied .netpol-verdict, .netpol-verdict.netpol-denied {{ background: #FBE8C2;
  color: #5C3D00; font-weight: bold; white-space: nowrap;
  border-left: 5px solid {PALETTE["denied"]}; }}
tr.netpol-changed td {{ background: #FFF7C2; }}
.netpol-small {{ font-size: 11px; color: #555; }}
.netpol-table td.netpol-connection-cell {{ white-space: nowrap; }}
.netpol-table td.netpol-change {{ white-space: nowrap; }}
tr.netpol-changed td.netpol-change {{ font-weight: bold; }}
.netpol-stale .netpol-scroll {{ opacity: 0.5; }}
.netpol-banner {{ padding: 4px 8px; margin: 2px 0; border-left: 5px solid #555;
  background: #f4f4f4; }}
.netpol-banner.netpol-bad {{ border-left-color: {PALETTE["denied"]}; background: #FBE8C2; }}
.netpol-banner.netpol-good {{ border-left-color: {PALETTE["allowed"]}; background: #D4E6F4; }}
.netpol-problems ul, .netpol-changes ul {{ margin: 2px 0; padding-left: 20px; }}
.netpol-problems pre, .netpol-explain pre {{ margin: 2px 0; white-space: pre-wrap;
  font-size: 12px; }}
.jp-OutputArea-output .netpol-problems pre, .jp-OutputArea-output .netpol-explain pre,
.netpol-problems li, .netpol-changes li, .netpol-table td {{ word-break: normal;
  overflow-wrap: break-word; }}
.netpol-explain pre {{ max-height: 360px; overflow: auto; }}
.netpol-cluster table {{ table-layout: fixed; }}
.netpol-isolated {{ background: #F3DCE9; border-left: 5px solid {PALETTE["isolated"]}; }}
.netpol-chip {{ display: inline-block; background: #eee; border-radius: 3px; padding: 0 4px;
  margin: 1px; font-family: monospace; font-size: 11px; }}
</style>"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def verdict_html(allowed: bool) -> str:
    """``✓ allowed`` or ``✗ denied``: the glyph and the word, never the colour alone."""
    return f"{ALLOWED_GLYPH} allowed" if allowed else f"{DENIED_GLYPH} denied"


def _row_key(row: Sequence[Any]) -> Key:
    return (row[0], row[1], int(row[2]), row[3])


def key_text(key: Key) -> str:
    """``production/web → production/api TCP 8080``, how the widgets name a connection."""
    source, destination, port, protocol = key
    return f"{source} → {destination} {protocol} {port}"


def _internal(exc: Exception) -> NetpolError:
    return NetpolError(f"unexpected problem while evaluating ({type(exc).__name__}: {exc}); "
                       "the table shows the last version that worked")


@dataclass
class Evaluation:
    """One evaluation of the editor's text: what was read and what it means.

    ``errors`` are parse and validation problems (the text is then *invalid*
    and ``table`` is ``None``); ``warnings`` come from :func:`~netpol_lab.lint.lint`;
    ``skipped`` lists documents of other kinds, which are not errors.
    """

    text: str
    policies: list[NetworkPolicy] = field(default_factory=list)
    scenario: Scenario | None = None
    table: pd.DataFrame | None = None
    errors: list[NetpolError] = field(default_factory=list)
    warnings: list[LintWarning] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors and self.table is not None


def evaluate_text(text: str, cluster: Cluster, ports: Sequence[Any] | None = None,
                  with_lint: bool = True) -> Evaluation:
    """Read policies (and optional extra cluster objects) from ``text`` and evaluate them.

    Never raises: problems end up in ``errors``. Pods, namespaces or
    externals written in the text are added to ``cluster``.

    Examples
    --------
    >>> out = evaluate_text("kind: NetworkPolicy\\nmetadata: {name: x}\\nspec: {podSelector: 7}",
    ...                     default_cluster())
    >>> out.valid, out.errors[0].path, out.errors[0].line
    (False, 'spec.podSelector', 3)
    """
    out = Evaluation(text)
    try:
        loaded = read([cluster, text], max_bytes=MAX_EDITOR_CHARS)
        out.skipped = list(loaded.skipped)
        out.errors = list(loaded.problems)
        if out.errors:
            return out
        out.policies = list(loaded.policies)
        out.scenario = Scenario(loaded.cluster(), out.policies)
        out.table = traffic_table(out.scenario, ports=ports)
        if with_lint:
            out.warnings = lint(out.scenario)
    except NetpolError as exc:
        out.errors.append(exc)
        out.table = None
    except Exception as exc:  # last resort: a learner must never see a traceback
        out.errors.append(_internal(exc))
        out.table = None
    return out


def problems_html(errors: Iterable[NetpolError], warnings: Iterable[LintWarning] = (),
                  skipped: Iterable[str] = (), policies: int | None = None) -> str:
    """The problems pane: errors (field path and line), then lint warnings, then skipped kinds."""
    errors, warnings, skipped = list(errors), list(warnings), list(skipped)
    parts = []
    if errors:
        parts.append(f'<div class="netpol-banner netpol-bad">{DENIED_GLYPH} {len(errors)} '
                     f'problem{"s" * (len(errors) != 1)}: the YAML is not valid yet.</div><ul>')
        for err in errors:
            where = err.location or "the text"
            text = f"<b>{_e(where)}</b>: {_e(err.message)}"
            if err.expected:
                text += f" Expected {_e(err.expected)}."
            if err.example:
                text += f"<pre>{_e(err.example)}</pre>"
            parts.append(f'<li class="netpol-error">{text}</li>')
        parts.append("</ul>")
    elif policies is not None:
        parts.append(f'<div class="netpol-banner netpol-good">{ALLOWED_GLYPH} Valid: {policies} '
                     f'polic{"ies" if policies != 1 else "y"} read'
                     + (", no lint warnings." if not warnings else ".") + "</div>")
    if warnings:
        parts.append("<ul>")
        for w in warnings:
            where = w.policy + (f" {w.path}" if w.path else "")
            if w.line is not None:
                where += f" (line {w.line})"
            parts.append(f'<li class="netpol-warning">⚠ <b>{_e(w.code)}</b> {_e(w.severity)}: '
                         f"{_e(where)}: {_e(w.message)} <i>Fix:</i> {_e(w.fix)}</li>")
        parts.append("</ul>")
    if skipped:
        parts.append("<ul>" + "".join(f'<li class="netpol-skipped">ℹ skipped {_e(s)}</li>'
                                      for s in skipped) + "</ul>")
    return "".join(parts)


def table_html(table: pd.DataFrame, changed: dict[Key, str] | None = None,
               stale: bool = False, note: str = "",
               shown_instead: str = "the last valid version") -> str:
    """The traffic table as HTML: one row per connection, verdict as colour + glyph + word.

    Each ``<tr>`` has ``data-key="source|destination|port|protocol"`` and the class
    ``netpol-allowed`` or ``netpol-denied``; rows in ``changed`` also get
    ``netpol-changed`` and a ▲/▼ mark with the change. A ``stale`` table is the
    table of ``shown_instead``, shown while the YAML has problems.

    Examples
    --------
    >>> from netpol_lab import traffic_table
    >>> t = traffic_table(default_cluster(), [])
    >>> "✓ allowed" in table_html(t.head(1)) and 'data-key="production/frontend|' in table_html(t)
    True
    """
    changed = changed or {}
    head = ("<tr><th>connection</th><th>verdict</th><th>change</th>"
            "<th>why (egress at the source, ingress at the destination)</th></tr>")
    rows = []
    columns = [table[c] for c in ("source", "destination", "port", "protocol", "port_name",
                                  "allowed", "egress", "ingress", "reason")]
    for src, dst, port, proto, name, allowed, egress, ingress, reason in zip(*columns,
                                                                           strict=True):
        key = (src, dst, int(port), proto)
        change = changed.get(key, "")
        classes = "netpol-allowed" if allowed else "netpol-denied"
        if change:
            classes += " netpol-changed"
        port_text = f"{proto} {port}" + (f" ({name})" if name else "")
        mark = f"{CHANGE_MARK.get(change, '')} {change}" if change else ""
        rows.append(
            f'<tr class="{classes}" data-key="{_e(src)}|{_e(dst)}|{port}|{proto}">'
            f'<td class="netpol-connection-cell">{_e(src)} →<br>{_e(dst)}'
            f'<div class="netpol-small">{_e(port_text)}</div></td>'
            f'<td class="netpol-verdict">{verdict_html(bool(allowed))}</td>'
            f'<td class="netpol-change">{mark}</td><td class="netpol-why">{_e(reason)}'
            f'<div class="netpol-small">egress: {_e(egress)} · ingress: {_e(ingress)}</div>'
            "</td></tr>")
    banner = ""
    if stale:
        banner = ('<div class="netpol-banner netpol-bad netpol-stale-banner">⚠ stale: the YAML '
                  f"has problems, so this is the table of {_e(shown_instead)}.</div>")
    body = "".join(rows) or '<tr><td colspan="4">no connection matches the filters</td></tr>'
    info = f'<div class="netpol-note">{_e(note)}</div>' if note else ""
    return (f'<div class="{"netpol-stale" if stale else "netpol-fresh"}">{banner}{info}'
            f'<div class="netpol-scroll"><table>{head}{body}</table></div></div>')


def connections_text(count: int) -> str:
    """``1 connection``, ``2 connections``: the count and the noun, in the right number."""
    return f"{count} connection{'s' * (count != 1)}"


def changes_html(changes: pd.DataFrame | None, limit: int = 6,
                 baseline: str = "the starting version") -> str:
    """What differs from the baseline (▲ newly allowed, ▼ newly denied), for the changes pane.

    ``changes`` is ``None`` while there is no valid version to compare; ``baseline`` names
    the version compared with, in the learner's words.

    Examples
    --------
    >>> import netpol_lab as nl
    >>> before = nl.traffic_table(default_cluster(), [])
    >>> after = nl.traffic_table(default_cluster(), [nl.article_policies()["api-ingress"]])
    >>> "1 connection differs" in changes_html(nl.diff(before, after).head(1))
    True
    """
    if changes is None:
        return (f'<div class="netpol-banner">The YAML has problems: the changes since '
                f"{_e(baseline)} show again once it is valid.</div>")
    if changes.empty:
        return (f'<div class="netpol-banner">No connection differs from {_e(baseline)}. Edit '
                "the YAML: what your edits open or close is listed here and marked in the "
                "table.</div>")
    counts = changes["change"].value_counts()
    summary = ", ".join(f"{CHANGE_MARK.get(k, '')} {n} {k}" for k, n in counts.items())
    items = [f'<li class="netpol-change-item">{CHANGE_MARK.get(c, "")} <b>{_e(c)}</b>: '
             f"{_e(key_text((s, d, int(p), pr)))}</li>"
             for s, d, p, pr, c in zip(changes["source"], changes["destination"],
                                       changes["port"], changes["protocol"], changes["change"],
                                       strict=True)][:limit]
    more = len(changes) - len(items)
    if more:
        items.append(f"<li>… and {more} more (tick “changed only” to see them all)</li>")
    verb = "differs" if len(changes) == 1 else "differ"
    return (f'<div class="netpol-banner netpol-good">{connections_text(len(changes))} {verb} '
            f"from {_e(baseline)}: {_e(summary)}</div><ul>{''.join(items)}</ul>")


def _in_live_kernel() -> bool:
    """True inside a running IPython kernel (a notebook), where waiting for quiet helps."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


class _Debouncer:
    """Call ``func`` after ``delay`` seconds of quiet inside a live kernel, else at once.

    Outside a kernel (tests, scripts) there is nobody typing, and an asyncio loop that
    happens to run in the same thread (Playwright's sync API keeps one) must not delay work.
    """

    def __init__(self, delay: float, func: Callable[[], None]) -> None:
        self.delay = delay
        self.func = func
        self._handle: asyncio.TimerHandle | None = None

    def __call__(self) -> None:
        if self.delay <= 0 or not _in_live_kernel():
            self.func()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.func()
            return
        if self._handle is not None:
            self._handle.cancel()
        self._handle = loop.call_later(self.delay, self._fire)

    def _fire(self) -> None:
        self._handle = None
        self.func()


def _editor(value: str, rows: int = 22) -> widgets.Textarea:
    editor = widgets.Textarea(value=value, rows=rows, continuous_update=True,
                              layout=widgets.Layout(width="100%"))
    editor.add_class("netpol-editor")
    return editor


def _style() -> widgets.HTML:
    """The widgets' stylesheet; its box is hidden (a hidden ``<style>`` still applies)."""
    out = widgets.HTML(value=STYLE, layout=widgets.Layout(display="none"))
    out.add_class("netpol-style")
    return out


def _html(css_class: str, value: str = "") -> widgets.HTML:
    out = widgets.HTML(value=value, layout=widgets.Layout(width="100%"))
    out.add_class(css_class)
    return out


def _set_options(dropdown: widgets.Dropdown, options: list[tuple[str, Any]]) -> None:
    """Replace a dropdown's options only when they changed, keeping the selection if possible."""
    if tuple(dropdown.options) == tuple(options):
        return
    current = dropdown.value
    dropdown.options = options
    values = [v for _, v in options]
    if current in values:
        dropdown.value = current


def _port_text(port: Any, protocol: str) -> str:
    return f"{int(port)}/{protocol}"


class Playground(widgets.VBox):
    """Edit NetworkPolicy YAML and watch the traffic table, the changes and the explanations.

    The editor sits next to the views (table, explanation, matrix, diagram, as tabs), so
    the whole widget fits a laptop screen. "Changes" always compare with a *baseline* the
    learner knows: the version the Playground started with, or the one they pinned with
    the "Pin this version" button. Never with a half-typed state: half-typed YAML is
    often valid and means something else (``- from:`` with no peers yet allows
    everything). While the text is invalid the table shows the baseline, marked stale.

    A second mode, "compare with: my last edit", measures changes from the version the
    learner had *before the current edit*. An edit is a run of keystrokes with no pause
    of ``edit_pause`` seconds (2 s) or more; the baseline is the text the learner had
    paused on when the edit began, if that text was valid, else the baseline stays the
    earlier one (a learner who paused on broken YAML sees changes from the last valid
    version they paused on). So a state typed on the way, without such a pause, never
    becomes a baseline. A pause of 2 s or more in the middle of a rule does end an edit:
    what was on screen then is what "my last edit" compares with, as its name says.
    Pinning or "Back to the start" returns to the default mode.

    Parameters
    ----------
    policy_yaml : str
        The editor's first text: one or more policies (``---`` separated). It may
        also hold Pods, Namespaces or compact-format cluster documents, which are
        added to the cluster.
    cluster : Cluster, optional
        The cluster to evaluate on; the course's default cluster when omitted.
    ports : list, optional
        Ask about these ports for every destination (``[80, "53/UDP"]``) instead
        of each destination's declared ports.
    debounce : float
        Seconds of quiet typing before re-evaluating, when the widget runs in a
        live kernel. ``0`` (the default) re-evaluates on every change, at once:
        the default cluster takes a few milliseconds, so typing stays smooth.
    edit_pause : float
        Seconds without a change to the text that end an edit, for the "my last edit"
        mode (:data:`EDIT_PAUSE`).
    clock : callable
        Returns the time in seconds (``time.monotonic``); tests pass a fake clock.

    Attributes
    ----------
    editor : ipywidgets.Textarea
        The YAML editor (CSS class ``netpol-editor``).
    table : pandas.DataFrame
        The current traffic table (the baseline's while the text is invalid).
    baseline : pandas.DataFrame
        The table changes are measured from: the starting version (the table of no
        policy at all when the starting text is not valid), until :meth:`pin` makes
        the current version the baseline (:meth:`unpin` goes back); in the "my last
        edit" mode, the version before the current edit (see above).
    baseline_name : str
        ``"the starting version"``, ``"no policy at all"``, ``"the pinned version"`` or
        ``"your version before this edit"``.
    compare_mode : ipywidgets.Dropdown
        Which baseline: :data:`SINCE_START` (the default: the start or the pinned
        version) or :data:`SINCE_LAST_EDIT`.
    changes : pandas.DataFrame
        :func:`~netpol_lab.table.diff` of the baseline and the current table (empty
        while the text is invalid).
    problems : list
        The errors (:class:`~netpol_lab.errors.NetpolError`) then the lint warnings
        (:class:`~netpol_lab.lint.LintWarning`) of the current text.
    stale : bool
        True while the text is invalid and the table shown is the baseline's.
    explanation : str
        ``Verdict.explain()`` of the connection picked in the explanation pane.

    Examples
    --------
    >>> pg = Playground("kind: NetworkPolicy\\nmetadata: {name: deny, namespace: production}\\n"
    ...                 "spec: {podSelector: {}}")
    >>> int((~pg.table["allowed"]).sum())  # into production's 6 ports, 13 sources, loopback passes
    72
    >>> pg.editor.value = "spec: ["              # invalid while typing: no traceback
    >>> pg.stale, len(pg.table), str(pg.problems[0]).startswith("document 1, line 1")
    (True, 192, True)
    """

    def __init__(self, policy_yaml: str = "", cluster: Cluster | None = None,
                 ports: Sequence[Any] | None = None, debounce: float = 0.0,
                 edit_pause: float = EDIT_PAUSE,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.cluster = cluster if cluster is not None else default_cluster()
        self.ports = list(ports) if ports is not None else None
        self.table: pd.DataFrame = pd.DataFrame(columns=COLUMNS)
        self.changes: pd.DataFrame = diff(self.table, self.table)
        self.problems: list[NetpolError | LintWarning] = []
        self.stale = False
        self.explanation = ""
        self.evaluation: Evaluation | None = None
        self.scenario: Scenario | None = None  # of the table shown
        self.baseline: pd.DataFrame | None = None
        self._start_name = self.baseline_name = "the starting version"
        self._baseline_scenario: Scenario | None = None
        self._start: tuple[pd.DataFrame | None, Scenario | None] = (None, None)
        # the start or the pinned version, with its name: the default mode's baseline
        self._anchor: tuple[pd.DataFrame | None, Scenario | None, str] = (None, None, "")
        # the "my last edit" baseline: the last valid text paused on before this edit
        self._before_edit: tuple[pd.DataFrame | None, Scenario | None] = (None, None)
        self.edit_pause = edit_pause
        self._clock = clock
        self._last_edit_at: float | None = None
        self._evaluated_text: str | None = None
        self._changed: dict[Key, str] = {}
        self._picked = False
        self._busy = False

        self.editor = _editor(policy_yaml, rows=20)
        self.status = _html("netpol-status")
        self.pin_button = widgets.Button(
            description="Pin this version", icon="thumb-tack",
            tooltip="Compare later edits with this version", layout=widgets.Layout(width="auto"))
        self.pin_button.add_class("netpol-pin")
        self.unpin_button = widgets.Button(
            description="Back to the start", icon="undo", disabled=True,
            tooltip="Compare with the version the Playground started with",
            layout=widgets.Layout(width="auto"))
        self.unpin_button.add_class("netpol-unpin")
        self.compare_mode = widgets.Dropdown(
            options=[("the start / pinned version", SINCE_START),
                     ("my last edit", SINCE_LAST_EDIT)],
            value=SINCE_START, description="compare with",
            tooltip=f"my last edit: your version before this edit, the text you had when "
                    f"you last started typing after a pause of {edit_pause:g} s or more",
            style={"description_width": "initial"}, layout=widgets.Layout(width="auto"))
        self.compare_mode.add_class("netpol-compare-mode")
        self.problems_pane = _html("netpol-problems")
        self.changes_pane = _html("netpol-changes")
        self.table_pane = _html("netpol-table")
        self.source_filter = self._dropdown("source", "netpol-filter-source")
        self.destination_filter = self._dropdown("destination", "netpol-filter-destination")
        self.port_filter = self._dropdown("port", "netpol-filter-port")
        self.changed_only = widgets.Checkbox(value=False, description="changed only",
                                             indent=False, layout=widgets.Layout(width="auto"))
        self.changed_only.add_class("netpol-filter-changed")
        self.connection = widgets.Dropdown(description="connection", options=[],
                                           layout=widgets.Layout(width="100%"))
        self.connection.add_class("netpol-connection")
        self.explain_pane = _html("netpol-explain")
        self.matrix_port = self._dropdown("port", "netpol-matrix-port", any_label=None)
        self.matrix_image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.matrix_image.add_class("netpol-matrix")
        self.diagram_port = self._dropdown("port", "netpol-diagram-port",
                                           any_label="any declared port")
        self.diagram_denied = widgets.Checkbox(value=False, description="show denied (dashed)",
                                               indent=False)
        self.diagram_image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.diagram_image.add_class("netpol-diagram")
        self.view_problem = _html("netpol-view-problem")

        filters = widgets.HBox([self.source_filter, self.destination_filter, self.port_filter,
                                self.changed_only], layout=widgets.Layout(flex_flow="row wrap"))
        table_view = widgets.VBox([filters, self.table_pane])
        matrix_view = widgets.VBox([self.matrix_port, self.matrix_image])
        diagram_view = widgets.VBox([widgets.HBox([self.diagram_port, self.diagram_denied]),
                                     self.diagram_image])
        explain_view = widgets.VBox([self.connection, self.explain_pane])
        self.views = widgets.Tab(children=[table_view, explain_view, matrix_view, diagram_view],
                                 titles=("Table", "Explain", "Matrix", "Diagram"))
        self.views.add_class("netpol-views")
        left = widgets.VBox([self.editor, self.problems_pane],
                            layout=widgets.Layout(width="42%"))
        # the right column takes what is left, margins included: nothing overflows sideways
        right = widgets.VBox([self.changes_pane, self.views, self.view_problem],
                             layout=widgets.Layout(flex="1 1 0%", width="auto"))
        for column in (left, right):
            column.add_class("netpol-column")
        self.status.layout.width = "auto"
        bar = widgets.HBox([self.status, self.compare_mode, self.pin_button, self.unpin_button],
                           layout=widgets.Layout(width="100%"))
        bar.add_class("netpol-baseline-bar")
        super().__init__([_style(), bar, widgets.HBox([left, right])],
                         layout=widgets.Layout(width="100%"))
        self.add_class("netpol-playground")

        self._evaluate_later = _Debouncer(debounce, self.update)
        # pictures take a few hundred ms: in a live kernel draw them after a pause in typing
        self._draw_views_later = _Debouncer(max(debounce, 0.4), self._draw_views)
        self.editor.observe(self._on_edit, names="value")
        for control in (self.source_filter, self.destination_filter, self.port_filter,
                        self.changed_only):
            control.observe(self._on_filter, names="value")
        self.connection.observe(self._on_pick, names="value")
        self.views.observe(self._on_view, names="selected_index")
        self.pin_button.on_click(lambda _b: self._safely(self.pin))
        self.unpin_button.on_click(lambda _b: self._safely(self.unpin))
        self.compare_mode.observe(self._on_mode, names="value")
        for control in (self.matrix_port, self.diagram_port, self.diagram_denied):
            control.observe(self._on_view, names="value")
        self.update()
        if self.baseline is None:
            self._safely(self._start_from_no_policy)

    def _start_from_no_policy(self) -> None:
        """The starting text is not valid: changes are measured from no policy at all,
        never from whichever half-typed text happens to be valid first."""
        scenario = Scenario(self.cluster, ())
        self._start = (traffic_table(scenario, ports=self.ports), scenario)
        self._start_name = self.baseline_name = "no policy at all"
        self.baseline, self._baseline_scenario = self._start
        self._anchor = (*self._start, self._start_name)
        self._before_edit = self._start
        self._update()

    # -- building blocks -------------------------------------------------------------------

    @staticmethod
    def _dropdown(what: str, css_class: str, any_label: str | None = "all") -> widgets.Dropdown:
        options = [(f"{any_label} {what}s" if any_label == "all" else any_label, ALL)] \
            if any_label else []
        dropdown = widgets.Dropdown(options=options, value=ALL if options else None,
                                    description=what, layout=widgets.Layout(width="auto"),
                                    style={"description_width": "initial"})
        dropdown.add_class(css_class)
        return dropdown

    def verdict(self, source: str, destination: str, port: int, protocol: str = "TCP") -> bool:
        """Whether the current table allows this connection (KeyError if it is not a row)."""
        t = self.table
        match = t[(t["source"] == source) & (t["destination"] == destination)
                  & (t["port"] == port) & (t["protocol"] == protocol)]
        if match.empty:
            raise KeyError(key_text((source, destination, port, protocol)))
        return bool(match["allowed"].iloc[0])

    # -- callbacks: each one catches everything ---------------------------------------------

    def _safely(self, action: Callable[[], None]) -> None:
        try:
            action()
        except NetpolError as exc:
            self._show_problem(exc)
        except Exception as exc:  # last resort: show it, never raise into the front end
            self._show_problem(_internal(exc))

    def _show_problem(self, exc: NetpolError) -> None:
        self.view_problem.value = problems_html([exc])

    def _on_edit(self, change: dict) -> None:
        now = self._clock()
        if self._last_edit_at is None or now - self._last_edit_at >= self.edit_pause:
            self._safely(lambda: self._edit_begins(change["old"]))
        self._last_edit_at = now
        self._evaluate_later()

    def _on_mode(self, _change: dict) -> None:
        if not self._busy:
            self._safely(self._use_mode)

    def _on_filter(self, _change: dict) -> None:
        if not self._busy:
            self._safely(self._render_table)

    def _on_pick(self, change: dict) -> None:
        if not self._busy:
            self._picked = change["new"] is not None
            self._safely(self._explain)

    def _on_view(self, _change: dict) -> None:
        if not self._busy:
            self._draw_views_later()

    # -- evaluation --------------------------------------------------------------------------

    def update(self) -> None:
        """Re-evaluate the editor's text now and refresh every pane (never raises)."""
        self._safely(self._update)

    def _update(self) -> None:
        text = self.editor.value
        result = evaluate_text(text, self.cluster, self.ports)
        self.evaluation, self._evaluated_text = result, text
        self.problems = [*result.errors, *result.warnings]
        self.problems_pane.value = problems_html(result.errors, result.warnings,
                                                 result.skipped,
                                                 None if result.errors else len(result.policies))
        self.stale = not result.valid
        if result.valid:
            assert result.table is not None and result.scenario is not None
            self.table, self.scenario = result.table, result.scenario
            if self.baseline is None:  # the first valid version is where the learner starts
                self._start = (self.table, self.scenario)
                self.baseline, self._baseline_scenario = self._start
                self._anchor = (*self._start, self._start_name)
                self._before_edit = self._start
            self.changes = diff(self.baseline, self.table)
            self.changes_pane.value = changes_html(self.changes, baseline=self.baseline_name)
        else:
            # never the last valid text: it may be a half-typed rule nobody finished
            if self.baseline is not None:
                self.table, self.scenario = self.baseline, self._baseline_scenario
            self.changes = diff(self.table, self.table)
            self.changes_pane.value = changes_html(None, baseline=self.baseline_name)
        self._show()

    def _show(self) -> None:
        """Refresh every pane from ``table``, ``changes`` and the baseline."""
        self._changed = {_row_key(r): c for r, c in zip(
            self.changes[KEY].itertuples(index=False), self.changes["change"], strict=True)}
        self.pin_button.disabled = self.stale or self.baseline is None
        self.unpin_button.disabled = self.baseline is None or (
            self.compare_mode.value == SINCE_START and self._anchor[0] is self._start[0])
        self._busy = True
        try:
            self._refresh_options()
        finally:
            self._busy = False
        self._status()
        self._render_table()
        self._explain()
        if not self.stale:
            self.view_problem.value = ""
        if self.views.selected_index in (MATRIX_TAB, DIAGRAM_TAB):
            self._draw_views_later()

    def pin(self) -> None:
        """Make the current version the baseline: later changes are measured from it.

        Raises :class:`~netpol_lab.errors.NetpolError` while the YAML has problems (the
        button is then disabled): only a version the learner can see can be pinned.
        """
        if self.stale or self.scenario is None:
            raise NetpolError("nothing to pin yet: the YAML has problems",
                              expected="a valid version in the editor")
        self._anchor = (self.table, self.scenario, "the pinned version")
        self._set_mode(SINCE_START)
        self.baseline, self._baseline_scenario, self.baseline_name = self._anchor
        self.changes = diff(self.baseline, self.table)
        self.changes_pane.value = changes_html(self.changes, baseline=self.baseline_name)
        self._show()

    def unpin(self) -> None:
        """Measure changes from the version the Playground started with again (this also
        leaves the "my last edit" mode)."""
        if self.baseline is None:
            return
        self._anchor = (*self._start, self._start_name)
        self._set_mode(SINCE_START)
        self._use_mode()

    def _set_mode(self, mode: str) -> None:
        self._busy = True
        try:
            self.compare_mode.value = mode
        finally:
            self._busy = False

    def _use_mode(self) -> None:
        """Take the baseline of the mode shown in ``compare_mode`` and refresh."""
        if self.baseline is None:
            return
        if self.compare_mode.value == SINCE_LAST_EDIT:
            self.baseline, self._baseline_scenario = self._before_edit
            self.baseline_name = "your version before this edit"
        else:
            self.baseline, self._baseline_scenario, self.baseline_name = self._anchor
        self.update()

    def _edit_begins(self, old_text: str) -> None:
        """A change after a pause of ``edit_pause`` s or more: a new edit begins.

        ``old_text`` is what the learner had paused on. If it is valid it becomes the
        "my last edit" baseline; if not, that baseline stays the earlier one. It is
        evaluated here when the debounced evaluation has not caught up with it, so the
        baseline is always the text paused on, never an earlier half-typed one.
        """
        if self.baseline is None:
            return
        if old_text == self._evaluated_text and self.evaluation is not None:
            result = self.evaluation
        else:
            result = evaluate_text(old_text, self.cluster, self.ports)
        if result.valid:
            self._before_edit = (result.table, result.scenario)
        if self.compare_mode.value == SINCE_LAST_EDIT:
            self.baseline, self._baseline_scenario = self._before_edit

    def _status(self) -> None:
        t = self.table
        allowed = int(t["allowed"].sum()) if len(t) else 0
        count = len(self.evaluation.policies) if self.evaluation and not self.stale else None
        text = (f"{count} polic{'y' if count == 1 else 'ies'} · " if count is not None else "")
        text += (f"{connections_text(len(t))}: {ALLOWED_GLYPH} {allowed} allowed, "
                 f"{DENIED_GLYPH} {len(t) - allowed} denied")
        if self.stale:
            text = f"⚠ stale: showing {self.baseline_name} (fix the problems under the " \
                   f"editor) · " + text
        self.status.value = f"<b>{_e(text)}</b>"

    def _refresh_options(self) -> None:
        t = self.table
        endpoints = [ep.id for ep in self.scenario.cluster.endpoints] if self.scenario else []
        _set_options(self.source_filter, [("all sources", ALL), *((e, e) for e in endpoints)])
        _set_options(self.destination_filter,
                     [("all destinations", ALL), *((e, e) for e in endpoints)])
        ports = sorted({(int(p), pr) for p, pr in zip(t["port"], t["protocol"], strict=True)},
                       key=lambda x: (x[1], x[0]))
        port_options = [(_port_text(*p), _port_text(*p)) for p in ports]
        _set_options(self.port_filter, [("all ports", ALL), *port_options])
        _set_options(self.matrix_port, port_options)
        if self.matrix_port.value is None and port_options:
            self.matrix_port.value = port_options[0][1]
        _set_options(self.diagram_port, [("any declared port", ALL), *port_options])
        keys = [_row_key(r) for r in t[KEY].itertuples(index=False)]
        options = [(("✓ " if a else "✗ ") + key_text(k), k)
                   for k, a in zip(keys, t["allowed"], strict=True)]
        _set_options(self.connection, options)
        if not self._picked or self.connection.value is None:
            first = next(iter(self._changed), None)
            if first is not None and first in set(keys):
                self.connection.value = first
            elif self.connection.value is None and keys:
                self.connection.value = keys[0]

    def filtered(self) -> pd.DataFrame:
        """The current table with the filters applied (what the table pane shows)."""
        t = self.table
        mask = pd.Series(True, index=t.index)
        if self.source_filter.value:
            mask &= t["source"] == self.source_filter.value
        if self.destination_filter.value:
            mask &= t["destination"] == self.destination_filter.value
        if self.port_filter.value:
            number, protocol = self.port_filter.value.split("/")
            mask &= (t["port"] == int(number)) & (t["protocol"] == protocol)
        if self.changed_only.value:
            changed = set(self._changed)
            mask &= pd.Series([_row_key(r) in changed for r in t[KEY].itertuples(index=False)],
                              index=t.index, dtype=bool)
        return t[mask]

    def _render_table(self) -> None:
        shown = self.filtered()
        note = "" if len(shown) == len(self.table) else \
            f"{len(shown)} of {connections_text(len(self.table))} " \
            f"match{'es' * (len(shown) == 1)} the filters"
        self.table_pane.value = table_html(shown, self._changed, self.stale, note,
                                           shown_instead=self.baseline_name)

    def _explain(self) -> None:
        key = self.connection.value
        if key is None or self.scenario is None:
            self.explanation = ""
            self.explain_pane.value = ""
            return
        verdict = self.scenario.evaluate(key[0], key[1], key[2], key[3])
        self.explanation = verdict.explain()
        css = "netpol-allowed" if verdict.allowed else "netpol-denied"
        self.explain_pane.value = f'<pre class="{css}">{_e(self.explanation)}</pre>'

    def _draw_views(self) -> None:
        self._safely(self._draw_views_now)

    def _draw_views_now(self) -> None:
        from .plot import figure_png, plot_diagram, plot_matrix

        scenario = self.scenario
        if scenario is None:
            return
        if self.views.selected_index == MATRIX_TAB and self.matrix_port.value:
            self.matrix_image.value = figure_png(plot_matrix(scenario,
                                                             port=self.matrix_port.value))
        elif self.views.selected_index == DIAGRAM_TAB:
            port = self.diagram_port.value or None
            self.diagram_image.value = figure_png(plot_diagram(
                scenario, port=port, show_denied=self.diagram_denied.value))


class Compare(widgets.VBox):
    """Two policy texts side by side: their problems, verdicts and the difference.

    The table lists each connection with the left and the right verdict; the
    rows where they differ are highlighted (and, with "differences only", the
    only ones shown).

    Attributes
    ----------
    left_editor, right_editor : ipywidgets.Textarea
    left_table, right_table : pandas.DataFrame
        The traffic tables (the last valid ones while a side is invalid).
    difference : pandas.DataFrame
        ``diff(left_table, right_table)``: ``newly allowed`` means the right side
        allows what the left denies.
    left_problems, right_problems : list
    stale : bool
        True while either side is invalid.

    Examples
    --------
    >>> import netpol_lab as nl
    >>> c = Compare(nl.article_yaml("api-and"), nl.article_yaml("api-or"), titles=("AND", "OR"))
    >>> sorted(set(c.difference["change"]))
    ['newly allowed']
    """

    def __init__(self, left_yaml: str, right_yaml: str, cluster: Cluster | None = None,
                 titles: tuple[str, str] = ("left", "right"),
                 ports: Sequence[Any] | None = None) -> None:
        self.cluster = cluster if cluster is not None else default_cluster()
        self.ports = list(ports) if ports is not None else None
        self.titles = tuple(titles)
        empty = pd.DataFrame(columns=COLUMNS)
        self.left_table, self.right_table = empty, empty
        self.difference = diff(empty, empty)
        self.left_problems: list[NetpolError | LintWarning] = []
        self.right_problems: list[NetpolError | LintWarning] = []
        self.stale = False
        self._valid = [False, False]
        self.left_editor = _editor(left_yaml, rows=18)
        self.right_editor = _editor(right_yaml, rows=18)
        self.left_editor.add_class("netpol-left")
        self.right_editor.add_class("netpol-right")
        self.left_pane = _html("netpol-problems")
        self.right_pane = _html("netpol-problems")
        self.summary = _html("netpol-changes")
        self.differences_only = widgets.Checkbox(value=True, description="differences only",
                                                 indent=False)
        self.table_pane = _html("netpol-compare-table")
        columns = []
        for title, editor, pane in ((titles[0], self.left_editor, self.left_pane),
                                    (titles[1], self.right_editor, self.right_pane)):
            editor.layout.width = "100%"
            columns.append(widgets.VBox([widgets.HTML(f"<b>{_e(title)}</b>"), editor, pane],
                                        layout=widgets.Layout(width="50%")))
        super().__init__([_style(), widgets.HBox(columns), self.summary,
                          self.differences_only, self.table_pane],
                         layout=widgets.Layout(width="100%"))
        self.add_class("netpol-compare")
        for control in (self.left_editor, self.right_editor, self.differences_only):
            control.observe(lambda _c: self.update(), names="value")
        self.update()

    def update(self) -> None:
        """Re-evaluate both sides and refresh (never raises)."""
        try:
            self._update()
        except NetpolError as exc:
            self.summary.value = problems_html([exc])
        except Exception as exc:  # last resort
            self.summary.value = problems_html([_internal(exc)])

    def _side(self, index: int, editor: widgets.Textarea, pane: widgets.HTML) -> Evaluation:
        result = evaluate_text(editor.value, self.cluster, self.ports)
        pane.value = problems_html(result.errors, result.warnings, result.skipped,
                                   None if result.errors else len(result.policies))
        self._valid[index] = result.valid
        return result

    def _update(self) -> None:
        left = self._side(0, self.left_editor, self.left_pane)
        right = self._side(1, self.right_editor, self.right_pane)
        self.left_problems = [*left.errors, *left.warnings]
        self.right_problems = [*right.errors, *right.warnings]
        if left.table is not None:
            self.left_table = left.table
        if right.table is not None:
            self.right_table = right.table
        self.stale = not all(self._valid)
        self.difference = diff(self.left_table, self.right_table)
        a, b = (_e(t) for t in self.titles)
        if self.difference.empty:
            text = f"{a} and {b} allow exactly the same connections."
        else:
            counts = self.difference["change"].value_counts()
            words = {"newly allowed": f"allowed only by {b}", "newly denied": f"allowed only by {a}",
                     "added": f"only in {b}'s table", "removed": f"only in {a}'s table"}
            verb = "differs" if len(self.difference) == 1 else "differ"
            text = (f"{connections_text(len(self.difference))} {verb}: "
                    + ", ".join(f"{n} {words.get(k, k)}" for k, n in counts.items()))
        if self.stale:
            text = "⚠ stale: one side has problems, the last valid version is compared. " + text
        self.summary.value = f'<div class="netpol-banner">{text}</div>'
        self._render()

    def _render(self) -> None:
        left = self.left_table[[*KEY, "allowed"]]
        right = self.right_table[[*KEY, "allowed", "reason"]]
        both = left.merge(right, on=KEY, how="outer", suffixes=("_left", "_right"))
        differs = both["allowed_left"].ne(both["allowed_right"]) | both["allowed_left"].isna() \
            | both["allowed_right"].isna()
        if self.differences_only.value:
            both, differs = both[differs], differs[differs]
        a, b = (_e(t) for t in self.titles)
        rows = []

        def cell(value: Any) -> str:
            if value is None or value is pd.NA or (isinstance(value, float) and value != value):
                return "<td>—</td>"
            css = "netpol-allowed" if value else "netpol-denied"
            return f'<td class="netpol-verdict {css}">{verdict_html(bool(value))}</td>'

        for (src, dst, port, proto, la, ra, reason), d in zip(
                both.itertuples(index=False), differs, strict=True):
            rows.append(f'<tr class="{"netpol-changed" if d else ""}" '
                        f'data-key="{_e(src)}|{_e(dst)}|{int(port)}|{proto}">'
                        f"<td>{_e(src)}</td><td>{_e(dst)}</td><td>{proto} {int(port)}</td>"
                        f"{cell(la)}{cell(ra)}<td>{_e(reason if isinstance(reason, str) else '')}"
                        "</td></tr>")
        body = "".join(rows) or '<tr><td colspan="6">no difference</td></tr>'
        self.table_pane.value = (
            f'<div class="netpol-scroll"><table><tr><th>source</th><th>destination</th>'
            f"<th>port</th><th>{a}</th><th>{b}</th><th>why ({b})</th></tr>{body}</table></div>")


class ClusterView(widgets.VBox):
    """The cluster a lesson runs on: namespaces, pods, externals, and who is isolated.

    Parameters
    ----------
    cluster : Cluster, optional
        The default cluster when omitted.
    policies : YAML text or list of NetworkPolicy, optional
        Used to show which pods are isolated for ingress/egress and by which policy.

    Attributes
    ----------
    isolation : pandas.DataFrame
        One row per pod: ``pod``, ``labels``, ``ports``, ``ingress`` and ``egress``
        (the isolating policies' names, comma separated; empty when open).
    problems : list of NetpolError

    Examples
    --------
    >>> import netpol_lab as nl
    >>> view = ClusterView(policies=nl.article_yaml("api-full-policy"))
    >>> view.isolation.set_index("pod").loc["production/api", ["ingress", "egress"]].tolist()
    ['api-full-policy', 'api-full-policy']
    """

    def __init__(self, cluster: Cluster | None = None,
                 policies: str | Iterable[NetworkPolicy] | None = None) -> None:
        self.problems: list[NetpolError] = []
        self.content = _html("netpol-cluster")
        super().__init__([_style(), self.content],
                         layout=widgets.Layout(width="100%"))
        self.add_class("netpol-cluster-view")
        base = cluster if cluster is not None else default_cluster()
        try:
            loaded = read([base, policies] if isinstance(policies, str)
                          else [base, *(policies or ())])
            self.problems = list(loaded.problems)
            scenario = Scenario(loaded.cluster(), loaded.policies)
        except NetpolError as exc:
            self.problems.append(exc)
            scenario = Scenario(base, ())
        except Exception as exc:  # last resort
            self.problems.append(_internal(exc))
            scenario = Scenario(base, ())
        self.scenario = scenario
        self.isolation = pd.DataFrame([
            {"pod": pod.id, "labels": dict(pod.labels), "ports": [str(p) for p in pod.ports],
             "ingress": ", ".join(p.name for p in scenario.isolating(pod, "ingress")),
             "egress": ", ".join(p.name for p in scenario.isolating(pod, "egress"))}
            for pod in scenario.cluster.pods], columns=["pod", "labels", "ports", "ingress",
                                                        "egress"])
        self.content.value = self._html()

    def _html(self) -> str:
        cluster = self.scenario.cluster
        parts = [problems_html(self.problems)] if self.problems else []
        policies = len(self.scenario.policies)
        counts = ((len(cluster.namespaces), "namespace"), (len(cluster.pods), "pod"),
                  (len(cluster.externals), "external endpoint"))
        parts.append(f"<p><b>{', '.join(f'{n} {w}' + 's' * (n != 1) for n, w in counts)}; "
                     f"{policies} "
                     f"polic{'y' if policies == 1 else 'ies'}.</b> A pod is <i>isolated</i> for "
                     "a direction when a policy selects it with that direction in its "
                     "policyTypes: then only what some rule allows gets through.</p>")
        for ns in cluster.namespaces.values():
            labels = "".join(f'<span class="netpol-chip">{_e(k)}={_e(v)}</span>'
                             for k, v in ns.labels.items())
            rows = []
            for pod in (p for p in cluster.pods if p.namespace == ns.name):
                rows.append("<tr>" + f"<td><b>{_e(pod.name)}</b></td>"
                            + "<td>" + "".join(f'<span class="netpol-chip">{_e(k)}={_e(v)}'
                                               "</span>" for k, v in pod.labels.items())
                            + f"</td><td>{_e(', '.join(str(p) for p in pod.ports) or '—')}</td>"
                            + f"<td>{_e(pod.ip)}</td>" + self._isolation_cells(pod) + "</tr>")
            table = ("<table><tr><th>pod</th><th>labels</th><th>ports</th><th>IP</th>"
                     "<th>ingress</th><th>egress</th></tr>" + "".join(rows) + "</table>"
                     if rows else "<p><i>no pods</i></p>")
            parts.append(f'<h4 class="netpol-namespace">namespace {_e(ns.name)} {labels}</h4>'
                         + table)
        if cluster.externals:
            rows = "".join(f"<tr><td><b>{_e(e.name)}</b></td><td>{_e(e.ip)}</td>"
                           f"<td>{_e(', '.join(str(p) for p in e.ports) or '—')}</td></tr>"
                           for e in cluster.externals)
            parts.append("<h4>outside the cluster (only ipBlock peers match these)</h4>"
                         f"<table><tr><th>name</th><th>IP</th><th>ports</th></tr>{rows}</table>")
        return "".join(parts)

    def _isolation_cells(self, pod: Pod) -> str:
        cells = []
        for direction in ("ingress", "egress"):
            by = self.scenario.isolating(pod, direction)
            if by:
                names = _e(", ".join(p.name for p in by))
                cells.append(f'<td class="netpol-isolated">● isolated by {names}</td>')
            else:
                cells.append('<td class="netpol-open">○ open</td>')
        return "".join(cells)
