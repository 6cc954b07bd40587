"""The Playground in a real JupyterLab, driven by headless Chromium.

This is the course's promise end to end: a learner opens a notebook, runs the
cell, types one more rule into the policy editor, and the rendered traffic
table flips a denied connection to allowed, highlights it, and explains it.
Unit tests cannot catch what breaks only in the browser (the widget manager,
the comm channel, the frontend's rendering of our HTML and classes).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"

pytestmark = pytest.mark.browser

# api-ingress admits production/frontend on 8080; production/mobile-bff is denied.
SETUP = """\
import netpol_lab as nl
from netpol_lab.widgets import Playground

playground = Playground(nl.article_yaml("api-ingress"))
playground.destination_filter.value = "production/api"
playground"""
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


def test_typing_a_rule_turns_a_denied_connection_allowed(lab, browser) -> None:
    from playwright.sync_api import expect

    name = write_notebook(lab, "playground.ipynb", SETUP)
    # tall enough that the whole playground is visible for the screenshot
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
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

        editor = page.locator(".netpol-editor textarea")
        expect(editor).to_be_visible()
        row = page.locator(ROW)
        expect(row).to_have_text("✗ denied")
        expect(page.locator(".netpol-status")).to_contain_text("1 policy · 192 connections")

        editor.click()
        page.keyboard.press("Control+End")
        editor.press_sequentially(TYPED, delay=15)

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
    finally:
        context.close()
