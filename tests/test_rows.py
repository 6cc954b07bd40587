"""Streamed table rows and the writers over them, checked against the engine.

``netpol_lab.rows`` turns the factored per-port matrices into rows with a
reason code and the deciding policy or rule of each direction; the writers
(``netpol_lab.writers``) format them. The engine (``Scenario.evaluate``) is
the reference for every field: the verdict, which end is isolated and
denies (semantics reference sections 1-3), the first rule that allows each
direction, and the first policy that isolates the end when none does.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import clusters, policy_lists

import netpol_lab as nl
from netpol_lab.cli import main
from netpol_lab.errors import NetpolError
from netpol_lab.reachability import Reachability
from netpol_lab.rows import COLUMNS, REASONS, TableRows
from netpol_lab.table import traffic_table
from netpol_lab.writers import pieces, write
from netpol_lab.writers.text import TEXT_LIMIT

bounded = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def expected_row(verdict) -> dict:
    """What a streamed row must say, computed from the engine's verdict."""
    def decider(side) -> str:
        if verdict.loopback or not side.applies or not side.isolated:
            return ""
        if side.allowed:
            first = side.allowed_by[0]
            return f"{first.policy.namespace}/{first.policy.name}#{first.index + 1}"
        return f"{side.isolating[0].namespace}/{side.isolating[0].name}"

    if verdict.loopback:
        reason = "loopback"
    elif verdict.allowed:
        isolated = (verdict.egress.applies and verdict.egress.isolated) or (
            verdict.ingress.applies and verdict.ingress.isolated)
        reason = "allowed" if isolated else "open"
    else:
        denied = (not verdict.egress.allowed, not verdict.ingress.allowed)
        reason = {(True, False): "egress-denied", (False, True): "ingress-denied",
                  (True, True): "both-denied"}[denied]
    c = verdict.connection
    return {"source": c.source.id, "destination": c.destination.id, "port": c.port,
            "protocol": c.protocol, "allowed": verdict.allowed, "reason": reason,
            "egress": decider(verdict.egress), "ingress": decider(verdict.ingress)}


def csv_rows(text: str) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        row["port"] = int(row["port"])
        assert row["allowed"] in ("true", "false")
        row["allowed"] = row["allowed"] == "true"
    return rows


def render(fmt: str, rows: TableRows) -> str:
    out = io.StringIO()
    write(fmt, rows, out)
    return out.getvalue()


@bounded
@given(clusters(max_pods=6, max_externals=2), policy_lists(min_size=1, max_size=4),
       st.sampled_from([None, [(80, "TCP"), (53, "UDP"), (8080, "TCP")]]),
       st.sampled_from([None, "allowed", "denied"]))
def test_streamed_rows_equal_the_engine_field_by_field(cluster, manifests, ports, only):
    """CSV, JSON Lines and JSON carry the engine's verdict, reason and deciding rule/policy.

    The rows are those of ``traffic_table`` (same order), filtered by ``only``.
    """
    policies = nl.load_policies(manifests)
    scenario = nl.Scenario(cluster, policies)
    reach = Reachability(scenario)
    rows = TableRows(reach, ports=ports, only=only)
    table = traffic_table(scenario, ports=ports, reasons=False)
    expected = [expected_row(scenario.evaluate(s, d, int(p), str(proto)))
                for s, d, p, proto in zip(table["source"].astype(str), table["destination"]
                                          .astype(str), table["port"], table["protocol"]
                                          .astype(str), strict=True)]
    if only:
        expected = [e for e in expected if e["allowed"] == (only == "allowed")]
    text = render("csv", rows)
    assert csv_rows(text) == expected
    chunk_rows = pieces.CHUNK_ROWS
    pieces.CHUNK_ROWS = 3       # many small chunks: the same text
    try:
        assert render("csv", rows) == text
    finally:
        pieces.CHUNK_ROWS = chunk_rows
    jsonl = [json.loads(line) for line in render("jsonl", rows).splitlines()]
    as_json = json.loads(render("json", rows))
    for row in expected:
        row["egress"] = row["egress"] or None
        row["ingress"] = row["ingress"] or None
    assert jsonl == expected
    assert as_json == expected
    blocks = list(rows.blocks(chunk_rows=5))  # the RowBlock path, in small blocks
    assert sum(len(b) for b in blocks) == len(expected)
    assert [REASONS[c] for b in blocks for c in b.reason.tolist()] == \
        [e["reason"] for e in expected]


def test_the_reason_codes_a_learner_meets():
    """api-ingress: allowed by rule 1 from frontend; denied to staging; open elsewhere."""
    policies = nl.load_policies(nl.article_yaml("api-ingress"))
    rows = TableRows(Reachability(nl.default_cluster(), policies), ports=[(8080, "TCP")],
                     destinations=["production/api"])
    got = {(r["source"]): (r["reason"], r["ingress"]) for r in csv_rows(render("csv", rows))}
    assert got["production/frontend"] == ("allowed", "production/api-ingress#1")
    assert got["staging/frontend"] == ("ingress-denied", "production/api-ingress")
    assert got["production/api"] == ("loopback", "")
    assert set(COLUMNS) == set(csv_rows(render("csv", rows))[0])


def test_filters_select_namespaces_pods_and_globs():
    """--from/--to take a namespace, a pod id or a glob; a pattern matching nothing is an error."""
    reach = Reachability(nl.default_cluster(), [])
    rows = TableRows(reach, sources=["staging"], destinations=["*/api", "corp-*"])
    seen = csv_rows(render("csv", rows))
    assert {r["source"] for r in seen} == {"staging/frontend", "staging/api"}
    assert {r["destination"] for r in seen} == {"production/api", "staging/api", "corp-net",
                                               "corp-vault"}
    with pytest.raises(NetpolError, match="--to 'prodution' matches no pod"):
        TableRows(reach, destinations=["prodution"])


def test_matrix_format_is_a_grid_per_port():
    """One grid per port: 1 allowed, 0 denied, - for external → external."""
    policies = nl.load_policies(nl.article_yaml("api-ingress"))
    reach = Reachability(nl.default_cluster(), policies)
    text = render("matrix", TableRows(reach, ports=[(8080, "TCP"), (53, "UDP")]))
    grids = [list(csv.reader(io.StringIO(g))) for g in text.split("\n\n")]
    assert [g[0][0] for g in grids] == ["8080/TCP", "53/UDP"]
    head, *body = grids[0]
    cell = {(line[0], d): v for line in body for d, v in zip(head[1:], line[1:], strict=True)}
    assert cell[("production/frontend", "production/api")] == "1"
    assert cell[("staging/frontend", "production/api")] == "0"
    assert cell[("corp-net", "public-web")] == "-"
    assert len(body) == len(head) - 1 == len(reach.ids)


def test_summary_groups_identical_pods_and_lists_ports():
    """Pods with identical verdicts share a group; each line is exact against the table."""
    policies = nl.load_policies(nl.article_yaml("api-full-policy"))
    cluster = nl.default_cluster()
    text = render("summary", TableRows(Reachability(cluster, policies)))
    assert "FROM production/api  (1 pod)" in text
    block = text.split("FROM production/api  (1 pod)\n")[1].split("\n\n")[0]
    # api-full-policy lets the api reach only the database, the cache and DNS
    assert block.splitlines() == ["  → kube-system/*  53/UDP, 53/TCP",
                                  "  → production/cache  6379/TCP",
                                  "  → production/database  5432/TCP"]
    table = traffic_table(cluster, policies)
    mine = table[(table.source == "production/api") & table.allowed
                 & (table.destination != "production/api")]
    assert sorted(set(mine.destination)) == ["kube-system/coredns", "production/cache",
                                             "production/database"]


def test_large_text_output_says_how_to_get_a_file(capsys, tmp_path, monkeypatch):
    """Above TEXT_LIMIT rows the text format prints counts and the options, not the rows."""
    monkeypatch.setattr("netpol_lab.writers.text.TEXT_LIMIT", 20)
    assert main(["table"]) == 0
    out = capsys.readouterr().out
    assert "too many to read here" in out and "--format csv" in out
    assert out.splitlines()[0].endswith("denied (0 policies).")
    assert TEXT_LIMIT >= 1_000
    assert main(["table", "--from", "staging/api", "--to", "production/api"]) == 0
    assert "1 connections" not in capsys.readouterr().out.splitlines()[0]


def test_cli_jsonl_and_unknown_filter(capsys):
    assert main(["table", "--format", "jsonl", "--only", "denied"]) == 0
    assert capsys.readouterr().out == ""   # no policy: nothing is denied
    assert main(["table", "--to", "nowhere"]) == 1
    assert "--to 'nowhere' matches no pod" in capsys.readouterr().err


@settings(bounded, max_examples=40)
@given(clusters(max_pods=6, max_externals=2), policy_lists(min_size=1, max_size=4))
def test_sparse_products_equal_the_engine(cluster, manifests):
    """The sparse OR product and its first-rule search (used on big clusters) agree with the
    engine: forced on here by lowering the size at which it starts."""
    import netpol_lab.reachability as reachability

    policies = nl.load_policies(manifests)
    scenario = nl.Scenario(cluster, policies)
    limit, share = reachability.DENSE_PRODUCT_LIMIT, reachability.SPARSE_SHARE
    reachability.DENSE_PRODUCT_LIMIT, reachability.SPARSE_SHARE = -1, 1.0
    try:
        reach = Reachability(scenario)
        rows = TableRows(reach, ports=[(80, "TCP"), (53, "UDP")])
        for side in (rows.matrix(k).sides[d] for k in range(2) for d in ("egress", "ingress")):
            assert side._sparse or not (side._rows if side._open_row else side._cols).size
        got = csv_rows(render("csv", rows))
    finally:
        reachability.DENSE_PRODUCT_LIMIT, reachability.SPARSE_SHARE = limit, share
    expected = [expected_row(scenario.evaluate(r["source"], r["destination"], r["port"],
                                               r["protocol"])) for r in got]
    assert got == expected
    assert len(got) == len(traffic_table(scenario, ports=[80, "53/UDP"], reasons=False))


@settings(bounded, max_examples=100)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 9), st.randoms(use_true_random=False))
def test_first_rule_searches_pick_the_first_shared_rule(k, m, r, rnd):
    """Both first-rule searches (float64 exponents, sparse argmax) against brute force."""
    import numpy as np

    from netpol_lab.reachability import Side, _first_of, _or_product

    rows = np.array([[rnd.random() < 0.4 for _ in range(r)] for _ in range(k)], dtype=bool)
    cols = np.array([[rnd.random() < 0.4 for _ in range(r)] for _ in range(m)], dtype=bool)
    brute = np.array([[next((j for j in range(r) if rows[a, j] and cols[b, j]), -1)
                       for b in range(m)] for a in range(k)])
    assert (_first_of(rows, cols) == brute).all()
    assert (_or_product(rows, cols) == (brute >= 0)).all()
    side = Side("egress", np.zeros(1, dtype=np.intp), np.zeros(1, dtype=np.intp), rows, cols,
                open_row=True)
    assert (side.first_rule()[:-1] == brute).all()


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "json"])
@pytest.mark.parametrize("only", [None, "allowed", "denied"])
def test_rows_reach_a_byte_stream_as_they_reach_a_text_one(fmt, only):
    """Writers hand a real file (stdout) UTF-8 bytes directly: the same text as a StringIO gets,
    header included and in order; an empty JSON table is still an array."""
    policies = nl.load_policies(nl.article_yaml("api-ingress"))
    rows = TableRows(Reachability(nl.default_cluster(), policies), only=only,
                     destinations=["production/api"])
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    write(fmt, rows, stream)
    stream.flush()
    text = render(fmt, rows)
    assert raw.getvalue().decode() == text
    if fmt == "json":
        assert isinstance(json.loads(text), list)
    empty = TableRows(Reachability(nl.default_cluster(), []), only="denied")
    assert json.loads(render("json", empty)) == []


@settings(bounded, max_examples=40)
@given(clusters(max_pods=7, max_externals=2), policy_lists(min_size=0, max_size=4),
       st.sampled_from([None, [(80, "TCP"), (53, "UDP")]]))
def test_summary_groups_by_hash_equal_groups_by_comparison(cluster, manifests, ports):
    """Big clusters group by hashing verdict rows/columns on the factored classes: the
    summary is the same text as comparing the rows whole (forced here on small clusters)."""
    from netpol_lab.writers import summary

    rows = TableRows(Reachability(cluster, nl.load_policies(manifests)), ports=ports)
    compared = render("summary", rows)
    cells = summary.DENSE_CELLS
    summary.DENSE_CELLS = 0
    try:
        hashed = render("summary", rows)
    finally:
        summary.DENSE_CELLS = cells
    assert hashed == compared
