"""The ``netpol-lab`` command line: tables, explanations, lint, formats and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import netpol_lab as nl
from netpol_lab.cli import main


@pytest.fixture
def ingress_file(tmp_path):
    path = tmp_path / "api-ingress.yaml"
    path.write_text(nl.article_yaml("api-ingress"))
    return str(path)


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_installed_command_prints_default_table():
    """`netpol-lab table` on a fresh install prints the default cluster's table."""
    proc = subprocess.run([sys.executable, "-m", "netpol_lab.cli", "table"], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["source", "destination", "port", "verdict", "reason"]
    expected = len(nl.traffic_table(nl.default_cluster(), []))
    assert lines[-1] == f"{expected} connections: {expected} allowed, 0 denied (0 policies)"


def test_explain_allowed_and_denied(capsys, ingress_file):
    """`explain` shows the verdict, the isolating policy and each rule's fate."""
    code, out, _ = run(capsys, "explain", "production/frontend", "production/api", "8080",
                       "--policies", ingress_file)
    assert code == 0
    assert out.startswith("production/frontend → production/api on TCP 8080: ALLOWED")
    assert "✓ api-ingress rule 1 (spec.ingress[0])" in out
    code, out, _ = run(capsys, "explain", "staging/frontend", "production/api", "8080/TCP",
                       "--policies", ingress_file)
    assert code == 0
    assert "DENIED" in out.splitlines()[0]
    assert ("✗ api-ingress rule 1 (spec.ingress[0]): peer does not match staging/frontend "
            "(app=frontend,tier=web, namespace staging, IP 10.244.2.10): from[0] is pods "
            "app=frontend in namespace production; port matches (TCP 8080)") in out


def test_explain_named_port_and_json(capsys, ingress_file):
    """A named port resolves against the destination; json carries the verdict."""
    code, out, _ = run(capsys, "explain", "monitoring/prometheus", "production/api", "metrics",
                       "--policies", ingress_file, "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert (data["port"], data["protocol"], data["allowed"]) == (9090, "TCP", True)
    assert data["ingress"] == "allowed" and data["egress"] == "open"


def test_table_json_rows(capsys, ingress_file):
    """json output: a list of short rows: the verdict, a reason code, the deciding policy."""
    code, out, _ = run(capsys, "table", "--policies", ingress_file, "--format", "json")
    rows = json.loads(out)
    assert code == 0
    row = next(r for r in rows if r["source"] == "staging/frontend"
               and r["destination"] == "production/api" and r["port"] == 8080)
    assert row["allowed"] is False and row["protocol"] == "TCP"
    assert row["reason"] == "ingress-denied"
    assert row["ingress"] == "production/api-ingress" and row["egress"] is None
    assert list(row) == ["source", "destination", "port", "protocol", "allowed", "reason",
                         "egress", "ingress"]


def test_table_port_option_and_filters(capsys, ingress_file):
    """--port asks about one port for every destination; --only filters rows."""
    code, out, _ = run(capsys, "table", "--policies", ingress_file, "--port", "8080/TCP",
                       "--only", "denied", "--format", "csv")
    lines = out.splitlines()
    assert code == 0
    assert lines[0] == "source,destination,port,protocol,allowed,reason,egress,ingress"
    assert all(line.endswith(",production/api,8080,TCP,false,ingress-denied,,"
                             "production/api-ingress") for line in lines[1:])
    assert len(lines) - 1 == 11  # 13 endpoints, less production/frontend and api itself


def test_table_markdown(capsys):
    code, out, _ = run(capsys, "table", "--format", "markdown", "--port", "53/UDP")
    assert code == 0
    assert out.splitlines()[0] == "| source | destination | port | verdict | reason |"
    assert out.splitlines()[1] == "|---|---|---|---|---|"


def test_lint_command(capsys, tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(nl.article_yaml("api-egress"))
    code, out, _ = run(capsys, "lint", "--policies", str(path))
    assert code == 0
    assert out.startswith("NPL401 warning: production/api-egress spec.egress (line ")
    assert out.splitlines()[-1] == "1 finding"


def test_cluster_and_policies_in_one_file(capsys, tmp_path):
    """One file may hold the cluster and its policies together."""
    path = tmp_path / "all.yaml"
    path.write_text("namespaces: {shop: {}}\npods:\n  - {name: web, namespace: shop, "
                    "labels: {app: web}, ports: [80]}\n  - {name: db, namespace: shop, "
                    "labels: {app: db}, ports: [5432]}\n---\nkind: NetworkPolicy\n"
                    "metadata: {name: deny, namespace: shop}\nspec: {podSelector: {}}\n")
    code, out, _ = run(capsys, "table", "--cluster", str(path), "--format", "json")
    rows = json.loads(out)
    assert code == 0
    assert {(r["source"], r["destination"], r["allowed"]) for r in rows} == {
        ("shop/web", "shop/web", True), ("shop/web", "shop/db", False),
        ("shop/db", "shop/web", False), ("shop/db", "shop/db", True)}


def test_invalid_input_exits_1_with_field_path(capsys, tmp_path):
    """Invalid input: exit 1, the error with document, line and field path on stderr."""
    path = tmp_path / "bad.yaml"
    path.write_text("kind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {}\n"
                    "  ingress:\n    - ports:\n        - port: 70000\n")
    code, out, err = run(capsys, "table", "--policies", str(path))
    assert code == 1 and out == ""
    assert f"{path}, document 1, line 7, spec.ingress[0].ports[0].port: 70000 is out of range" in err
    assert "Traceback" not in err


def test_unknown_endpoint_exits_1(capsys):
    code, _, err = run(capsys, "explain", "production/nope", "production/api", "80")
    assert code == 1
    assert "no pod or external endpoint called 'production/nope'" in err


def test_missing_file_exits_1(capsys):
    code, _, err = run(capsys, "table", "--policies", "/nonexistent.yaml")
    assert code == 1 and "no such file" in err


def test_usage_error_exits_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["table", "--format", "xml"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2


def test_package_exports_the_lint_function_even_after_its_module_is_imported():
    """``nl.lint`` stays the function after ``import netpol_lab.lint`` (same name as module)."""
    code = ("import netpol_lab as nl, netpol_lab.lint, netpol_lab.cli; "
            "print(callable(nl.lint), nl.lint.__module__)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.split() == ["True", "netpol_lab.lint"]


def test_import_is_light():
    """``import netpol_lab`` loads neither pandas nor matplotlib nor ipywidgets (lazy imports)."""
    code = ("import sys, netpol_lab; "
            "print([m for m in ('pandas', 'matplotlib', 'ipywidgets', 'numpy') if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "[]"


def test_table_text_counts_one_connection_in_the_singular(capsys):
    """A text table of exactly one row says "1 connection", not "1 connections" (issue 12)."""
    code, out, _ = run(capsys, "table", "--from", "production/frontend",
                       "--to", "production/mobile-bff", "--port", "8080/TCP")
    assert code == 0
    assert out.splitlines()[-1].startswith("1 connection: ")
