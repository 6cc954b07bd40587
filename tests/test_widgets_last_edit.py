"""The Playground's second mode, "compare with: my last edit", as a Python object.

Definition (widgets.Playground docstring): an edit is a run of changes to the text with
no pause of ``edit_pause`` seconds or more; the baseline is the text the learner had
paused on when the current edit began, if it was valid (else the earlier baseline
stays). The tests type character by character on a fake clock, so the pauses are exact
and nothing sleeps, and check that a state typed on the way never becomes the baseline.
"""

from __future__ import annotations

import pytest
from test_widgets import API_INGRESS, MOBILE_RULE  # the rule the other Playground tests type

import netpol_lab as nl
from netpol_lab.widgets import SINCE_LAST_EDIT, SINCE_START, Playground

STAGING_RULE = MOBILE_RULE.replace("app: mobile-bff", "app: frontend").replace(
    "podSelector:", "namespaceSelector:\n            matchLabels:\n              "
    "kubernetes.io/metadata.name: staging\n          podSelector:")
COLUMNS = ["source", "destination", "port", "protocol", "change"]


class Clock:
    """A fake ``time.monotonic``: the test moves it forward."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def typed(pg: Playground, clock: Clock, text: str, gap: float = 0.15,
          pause_after: str | None = None, pause: float = 0.0) -> int:
    """Type ``text`` after the editor's current text, one character each ``gap`` seconds;
    when the text so far ends with ``pause_after`` wait ``pause`` seconds more (the next
    key then comes ``pause + gap`` seconds after the previous one). Returns
    how many times that pause happened on a valid (half-typed) text."""
    paused_on_valid = 0
    for char in text:
        clock.now += gap
        pg.editor.value += char
        if pause_after and pg.editor.value.endswith(pause_after):
            clock.now += pause
            paused_on_valid += not pg.stale
    return paused_on_valid


def expected(before: str, after: str) -> list[list]:
    cluster = nl.default_cluster()
    table = nl.diff(nl.traffic_table(cluster, nl.load_policies(before)),
                    nl.traffic_table(cluster, nl.load_policies(after)))
    return table[COLUMNS].values.tolist()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_default_mode_is_start_or_pinned(clock: Clock) -> None:
    pg = Playground(API_INGRESS, clock=clock)
    assert pg.compare_mode.value == SINCE_START
    assert pg.baseline_name == "the starting version"


def test_short_pauses_inside_an_edit_never_move_the_baseline(clock: Clock) -> None:
    """Two edits separated by a long pause; inside each, a pause on a half-typed valid
    state (``- from:`` with no peer: allow all) just shorter than ``edit_pause`` (1.95 s of
    2 s, and 1.45 s). The changes
    after each edit are exactly that edit's difference."""
    pg = Playground(API_INGRESS, clock=clock)
    pg.compare_mode.value = SINCE_LAST_EDIT
    assert pg.baseline_name == "your version before this edit"
    assert pg.changes.empty

    clock.now += 60
    assert typed(pg, clock, MOBILE_RULE, pause_after="    - from:", pause=1.8) == 1
    first = API_INGRESS + MOBILE_RULE
    assert pg.editor.value == first and not pg.stale
    assert pg.changes[COLUMNS].values.tolist() == expected(API_INGRESS, first) \
        == [["production/mobile-bff", "production/api", 8080, "TCP", "newly allowed"]]

    clock.now += 30                                            # the learner reads, then
    assert typed(pg, clock, STAGING_RULE, pause_after="    - from:", pause=1.5) == 1
    second = first + STAGING_RULE
    assert pg.changes[COLUMNS].values.tolist() == expected(first, second) \
        == [["staging/frontend", "production/api", 8080, "TCP", "newly allowed"]]
    assert "1 connection differs from your version before this edit" in pg.changes_pane.value
    # the default mode still measures from the start: both rules
    pg.compare_mode.value = SINCE_START
    assert pg.changes[COLUMNS].values.tolist() == expected(API_INGRESS, second)
    assert len(pg.changes) == 2


def test_a_long_pause_ends_the_edit_even_mid_rule(clock: Clock) -> None:
    """As documented: a pause of ``edit_pause`` or more ends an edit, wherever it is. The
    half-typed allow-all text paused on is then "your version before this edit"."""
    pg = Playground(API_INGRESS, clock=clock, edit_pause=2.0)
    pg.compare_mode.value = SINCE_LAST_EDIT
    half, rest = MOBILE_RULE.split("\n", 1)
    typed(pg, clock, half)
    assert pg.verdict("staging/frontend", "production/api", 8080) is True   # allow-all
    clock.now += 2.0
    typed(pg, clock, "\n" + rest)
    final = API_INGRESS + MOBILE_RULE
    assert pg.changes[COLUMNS].values.tolist() == expected(API_INGRESS + half + "\n", final)
    assert len(pg.changes) > 5                       # it closes what the allow-all opened


def test_an_invalid_text_paused_on_keeps_the_earlier_baseline(clock: Clock) -> None:
    pg = Playground(API_INGRESS, clock=clock)
    pg.compare_mode.value = SINCE_LAST_EDIT
    clock.now += 10
    typed(pg, clock, "    - from: [\n")                       # broken YAML, then a pause
    assert pg.stale and pg.verdict("production/mobile-bff", "production/api", 8080) is False
    assert "⚠ stale: showing your version before this edit" in pg.status.value
    clock.now += 10
    pg.editor.value = API_INGRESS                              # the learner deletes it
    typed(pg, clock, MOBILE_RULE)
    assert pg.changes[COLUMNS].values.tolist() == expected(API_INGRESS,
                                                           API_INGRESS + MOBILE_RULE)


def test_the_text_paused_on_is_the_baseline_even_if_the_debounce_lags(clock: Clock) -> None:
    """With a debounce, the last evaluation may be older than the text paused on (the timer
    has not fired yet): the paused-on text itself is evaluated, not the older state."""
    pg = Playground(API_INGRESS, clock=clock)
    pg.compare_mode.value = SINCE_LAST_EDIT
    pg._evaluate_later = lambda: None                          # a debounce that never fired
    half = MOBILE_RULE.split("\n", 1)[0] + "\n"
    typed(pg, clock, MOBILE_RULE)                              # never evaluated
    clock.now += 5
    pg.editor.value = API_INGRESS + half                       # a new edit: back to "- from:"
    pg.update()
    assert pg.changes[COLUMNS].values.tolist() == expected(API_INGRESS + MOBILE_RULE,
                                                           API_INGRESS + half)


def test_pin_and_back_to_the_start_leave_the_last_edit_mode(clock: Clock) -> None:
    pg = Playground(API_INGRESS, clock=clock)
    pg.compare_mode.value = SINCE_LAST_EDIT
    assert not pg.unpin_button.disabled                      # a way back to the default
    typed(pg, clock, MOBILE_RULE)
    pg.pin_button.click()
    assert pg.compare_mode.value == SINCE_START and pg.baseline_name == "the pinned version"
    assert pg.changes.empty
    pg.compare_mode.value = SINCE_LAST_EDIT
    pg.unpin_button.click()
    assert pg.compare_mode.value == SINCE_START and pg.baseline_name == "the starting version"
    assert pg.changes["change"].tolist() == ["newly allowed"]
    assert pg.unpin_button.disabled
