"""The Playground in a real JupyterLab, driven by headless Chromium.

This is the course's promise end to end: a learner opens a notebook, runs the
cell, types one more rule into the policy editor, and the rendered traffic
table flips a denied connection to allowed, highlights it, and explains it.
Unit tests cannot catch what breaks only in the browser (the widget manager,
the comm channel, the frontend's rendering of our HTML and classes).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
import pytest

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"

pytestmark = pytest.mark.browser

# api-ingress admits production/frontend on 8080; production/mobile-bff is denied.
SETUP = """\
import netpol_lab as nl
from netpol_lab.widgets import Playground

playground = Playground(nl.article_yaml("api-ingress"))
playground.destination_filter.value = "production/api"
playground"""
# the same with a debounce, and a probe label counting evaluations
DEBOUNCED = """\
import ipywidgets as widgets
import netpol_lab as nl
from netpol_lab.widgets import Playground

probe = widgets.Label()
probe.add_class("probe")


class Probe(Playground):
    evaluations = 0

    def update(self):
        super().update()
        self.evaluations += 1
        probe.value = f"evaluations: {self.evaluations}"


widgets.VBox([probe, Probe(nl.article_yaml("api-ingress"), debounce=0.5)])"""
# a laptop: the Playground starts on api-ingress with one long comment line (which must scroll
# inside the editor, not widen the page), and waits 0.3 s of quiet before evaluating
LAPTOP = """\
import netpol_lab as nl
from netpol_lab.widgets import Playground

LONG = "  # " + "a comment that runs far past the editor's right edge " * 4
Playground(nl.article_yaml("api-ingress").replace("spec:", "spec:" + LONG, 1), debounce=0.3)"""
# one more ingress rule, typed key by key at the end of the editor
TYPED = """\
    - from:
        - podSelector:
            matchLabels:
              app: mobile-bff
      ports:
        - port: 8080
"""
ROW = ('.netpol-table tr[data-key="production/mobile-bff|production/api|8080|TCP"] '
       "td.netpol-verdict")
KERNEL_READY = """() => {
  const widget = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const ctx = widget && widget.sessionContext;
  const kernel = ctx && ctx.session && ctx.session.kernel;
  return Boolean(ctx && ctx.isReady && kernel && kernel.connectionStatus === 'connected'
                 && kernel.status === 'idle');
}"""


def write_notebook(lab, name: str, source: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    nbformat.write(nb, lab.root / name)
    return name


@contextmanager
def running_notebook(lab, browser, source: str, width: int = 1400,
                     height: int = 1800) -> Iterator[tuple[Any, list[str]]]:
    """Open a one-cell notebook in JupyterLab, wait for the kernel, run it; yield the page.

    Also yields the list that collects uncaught page errors. The default viewport is tall
    enough that the whole playground is visible for the screenshot.
    """
    name = write_notebook(lab, "playground.ipynb", source)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(lab.notebook_url(name))
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell .cm-editor")
        page.wait_for_function(KERNEL_READY, timeout=60_000)
        page.evaluate("() => { if (!jupyterapp.shell.leftCollapsed) "
                      "{ jupyterapp.commands.execute('application:toggle-left-area'); } }")
        # do not await the command's promise: it never settles if a dialog opens
        page.evaluate("() => { jupyterapp.commands.execute('notebook:run-all-cells'); }")
        yield page, errors
    finally:
        context.close()


def type_rule(page) -> None:
    """Click into the policy editor, go to its end and type TYPED key by key."""
    editor = page.locator(".netpol-editor textarea")
    editor.click()
    page.keyboard.press("Control+End")
    editor.press_sequentially(TYPED, delay=15)


def test_typing_a_rule_turns_a_denied_connection_allowed(lab, browser) -> None:
    from playwright.sync_api import expect

    with running_notebook(lab, browser, SETUP) as (page, errors):
        editor = page.locator(".netpol-editor textarea")
        expect(editor).to_be_visible()
        row = page.locator(ROW)
        expect(row).to_have_text("✗ denied")
        expect(page.locator(".netpol-status")).to_contain_text("1 policy · 192 connections")

        type_rule(page)

        expect(row).to_have_text("✓ allowed")
        tr = page.locator('.netpol-table tr[data-key="production/mobile-bff|production/api|8080|TCP"]')
        expect(tr).to_have_class("netpol-allowed netpol-changed")
        expect(tr.locator("td.netpol-change")).to_have_text("▲ newly allowed")
        expect(page.locator(".netpol-changes")).to_contain_text(
            "newly allowed: production/mobile-bff → production/api TCP 8080")
        expect(page.locator(".netpol-explain")).to_contain_text(
            "production/mobile-bff → production/api on TCP 8080: ALLOWED")
        expect(page.locator(".netpol-problems")).to_contain_text("Valid: 1 policy read")
        expect(page.locator(".netpol-table .netpol-stale-banner")).to_have_count(0)
        # the frontend's editor holds exactly what was typed (no key was eaten by JupyterLab)
        assert editor.input_value().endswith("port: 9090\n" + TYPED)
        # other rows kept their verdicts: staging/frontend is still denied
        expect(page.locator('.netpol-table tr[data-key="staging/frontend|production/api|'
                            '8080|TCP"] td.netpol-verdict')).to_have_text("✗ denied")
        expect(page.locator(".jp-Dialog")).to_have_count(0)
        assert not errors, errors

        OUTPUT.mkdir(exist_ok=True)
        shot = OUTPUT / "playground.png"
        page.locator(".netpol-playground").screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000


def test_debounced_typing_evaluates_once_and_matrix_view_renders(lab, browser) -> None:
    """With ``debounce`` in a live kernel, a typed rule costs a few evaluations, not one per key.

    It also proves that the pictures reach the browser: the Matrix tab shows a PNG.
    """
    from playwright.sync_api import expect

    with running_notebook(lab, browser, DEBOUNCED) as (page, errors):
        probe = page.locator(".probe")
        expect(probe).to_have_text("evaluations: 1")
        type_rule(page)
        expect(page.locator(ROW)).to_have_text("✓ allowed")
        count = int(probe.inner_text().split(": ")[1])
        assert 2 <= count <= 6, f"{count} evaluations for {len(TYPED)} keystrokes"

        page.locator(".netpol-views .lm-TabBar-tab", has_text="Matrix").click()
        image = page.locator("img.netpol-matrix")
        expect(image).to_be_visible()
        page.wait_for_function("() => { const i = document.querySelector('img.netpol-matrix');"
                               " return i && i.complete && i.naturalWidth > 300; }")
        expect(page.locator(".jp-Dialog")).to_have_count(0)
        assert not errors, errors


STAGING = ('.netpol-table tr[data-key="staging/frontend|production/api|8080|TCP"] '
           "td.netpol-verdict")
#: The elements wider than their box (none expected): "class scrollWidth>clientWidth".
OVERFLOWING = """() => [...document.querySelectorAll(
  '.jp-Notebook, .jp-NotebookPanel, .jp-Cell-outputArea, .netpol-playground, '
  + '.netpol-playground .widget-box')]
  .filter(e => e.scrollWidth > e.clientWidth + 1)
  .map(e => e.className + ' ' + e.scrollWidth + '>' + e.clientWidth)"""


def test_a_pause_on_a_half_typed_rule_does_not_move_the_baseline(lab, browser) -> None:
    """Issue 12, at 1280×800: type a rule, pause where the half-typed text is valid, finish it.

    ``    - from:`` with no peer yet allows every source. The test pauses there for 1.5 s,
    longer than the debounce (0.3 s) and than any settle time, sees that allow-all table,
    then finishes the rule: the changes shown must be exactly the starting version
    against the finished rule (one connection, mobile-bff on 8080), not against the
    pause. The same page proves the layout: the editor and the table side by side on a
    laptop screen, a long line scrolling inside the editor, and nothing wider than the
    notebook. It saves the screenshot for the docs.
    """
    from playwright.sync_api import expect

    with running_notebook(lab, browser, LAPTOP, width=1280, height=800) as (page, errors):
        editor = page.locator(".netpol-editor textarea")
        expect(editor).to_be_visible()
        page.locator(".netpol-filter-destination select").select_option("production/api")
        row, staging = page.locator(ROW), page.locator(STAGING)
        expect(row).to_have_text("✗ denied")
        expect(page.locator(".netpol-changes")).to_contain_text(
            "No connection differs from the starting version")

        editor.click()
        page.keyboard.press("Control+End")
        half, rest = TYPED.split("\n", 1)
        editor.press_sequentially(half, delay=15)              # "    - from:" and no peer yet
        expect(staging).to_have_text("✓ allowed")              # the half-typed allow-all
        page.wait_for_timeout(1500)                             # the learner pauses
        editor.press_sequentially("\n" + rest, delay=15)

        expect(row).to_have_text("✓ allowed")
        expect(staging).to_have_text("✗ denied")
        changes = page.locator(".netpol-changes")
        expect(changes).to_contain_text("1 connection differs from the starting version")
        expect(changes.locator("li.netpol-change-item")).to_have_count(1)
        expect(changes.locator("li.netpol-change-item")).to_have_text(
            "▲ newly allowed: production/mobile-bff → production/api TCP 8080")
        expect(page.locator(".netpol-table tr.netpol-changed")).to_have_count(1)

        # the layout on a laptop: editor and table side by side, nothing overflows sideways
        page.locator(".netpol-baseline-bar").scroll_into_view_if_needed()
        page.evaluate("() => document.querySelector('.netpol-playground').scrollIntoView()")
        editor.blur()  # no blinking caret: the committed picture stays byte-identical
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMAGES / "playground-1280x800.png"))
        box_editor = editor.bounding_box()
        box_table = page.locator(".netpol-table .netpol-scroll").bounding_box()
        box_playground = page.locator(".netpol-playground").bounding_box()
        assert box_editor and box_table and box_playground
        assert box_table["x"] >= box_editor["x"] + box_editor["width"] - 1, "not side by side"
        assert box_playground["height"] <= 720, f"{box_playground['height']} px tall"
        overflowing = page.evaluate(OVERFLOWING)
        assert not overflowing, "\n".join(overflowing)
        assert editor.evaluate("e => e.scrollWidth > e.clientWidth"), \
            "the long line should scroll inside the editor"
        # explanations wrap between words (JupyterLab's output CSS breaks <pre> anywhere)
        assert page.locator(".netpol-explain pre").evaluate(
            "e => getComputedStyle(e).wordBreak") == "normal"
        expect(page.locator(".jp-Dialog")).to_have_count(0)
        expect(page.locator(".Toastify__toast")).to_have_count(0)
        assert not errors, errors
