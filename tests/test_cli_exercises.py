"""`netpol-lab exercises list|show|check` and `netpol-lab grade`: output and exit codes."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from netpol_lab.cli import main
from netpol_lab.exercises import load_exercises

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_all_and_filtered(capsys):
    code, out, _ = run(capsys, "exercises", "list")
    assert code == 0
    assert out.splitlines()[0].split() == ["id", "topic", "difficulty", "title"]
    assert out.rstrip().endswith(f"{len(load_exercises())} exercises")
    code, out, _ = run(capsys, "exercises", "list", "--topic", "ipblock", "--difficulty",
                       "advanced", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and rows and {(r["topic"], r["difficulty"]) for r in rows} == {
        ("ipblock", "advanced")}


def test_show_prints_statement_checks_and_starter(capsys):
    code, out, _ = run(capsys, "exercises", "show", "egress-04-both-ends-must-allow")
    assert code == 0
    assert out.startswith("egress-04-both-ends-must-allow: Both ends must say yes\n"
                          "egress, advanced\n")
    assert "Already applied (read-only):" in out
    assert "  ✓ allowed: production/frontend → production/api 8080/TCP" in out
    assert "  ✗ denied:  staging/frontend → production/api 8080/TCP" in out
    assert out.rstrip().endswith("port: 8080")


def test_show_summarises_a_whole_table(capsys):
    code, out, _ = run(capsys, "exercises", "show", "least-privilege-04-three-tier-egress")
    assert code == 0
    assert ("  whole table: sources production/*, destinations *, each destination's declared "
            "ports (80 rows)\n    ✓ allowed: production/* → kube-system/coredns\n") in out
    assert "    ✗ denied:  every other row of the table\n" in out


def test_check_passes_with_the_solution(capsys):
    ex = "ipblock-02-except"
    code, out, err = run(capsys, "exercises", "check", ex, str(SOLUTIONS / f"{ex}.yaml"))
    assert (code, err) == (0, "")
    assert "✓ Passed: all 2730 connections have the required verdict." in out


def test_check_fails_with_wrong_connections_explanations_and_hint(capsys, tmp_path):
    ex = load_exercises()["ipblock-02-except"]
    answer = tmp_path / "answer.yaml"
    answer.write_text(ex.starter)
    code, out, _ = run(capsys, "exercises", "check", ex.id, str(answer), "--attempt", "2")
    assert code == 1
    assert "to[0] admits IPs in 10.0.0.0/8: 2 connections that must stay closed." in out
    assert "e.g. production/api → corp-vault 443/TCP" in out
    assert "production/api → corp-vault on TCP 443: ALLOWED" in out
    assert f"Hint: {ex.hints[1]}" in out


def test_check_invalid_yaml_is_exit_1_with_the_reason(capsys, tmp_path):
    answer = tmp_path / "answer.yaml"
    answer.write_text("kind: NetworkPolicy\nmetadata: {name: [\n")
    code, out, _ = run(capsys, "exercises", "check", "ports-01-one-port", str(answer))
    assert code == 1
    assert "✗ Not checked: the answer has a problem to fix first." in out
    assert "line" in out


def test_unknown_exercise_and_missing_file_are_exit_1(capsys):
    code, _, err = run(capsys, "exercises", "show", "nope")
    assert code == 1 and err.startswith("netpol-lab: there is no exercise 'nope'")
    code, _, err = run(capsys, "exercises", "check", "ports-01-one-port", "/no/such/file.yaml")
    assert code == 1 and "no such file" in err


def test_usage_errors_are_exit_2(capsys):
    for argv in (["exercises"], ["exercises", "check", "ports-01-one-port"], ["grade"],
                 ["exercises", "list", "--difficulty", "expert"]):
        with pytest.raises(SystemExit) as info:
            main(argv)
        assert info.value.code == 2
    capsys.readouterr()


def test_grade_writes_reports(capsys, tmp_path):
    ex = "ports-04-port-range"
    for learner, text in (("ana", (SOLUTIONS / f"{ex}.yaml").read_text()), ("ben", "oops: [")):
        (tmp_path / "class" / learner).mkdir(parents=True)
        (tmp_path / "class" / learner / f"{ex}.yaml").write_text(text)
    (tmp_path / "class" / "cy").mkdir()
    out_dir = tmp_path / "out"
    code, out, err = run(capsys, "grade", str(tmp_path / "class"), "--out", str(out_dir),
                         "--exercise", ex, "--exercise", "ports-01-one-port")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "3 learners, 2 exercises: 1 of 6 answers pass"
    rows = list(csv.DictReader((out_dir / "grades.csv").open()))
    assert [(r["learner"], r["exercise"], r["status"]) for r in rows] == [  # in the order asked
        ("ana", ex, "passed"), ("ana", "ports-01-one-port", "missing"),
        ("ben", ex, "invalid"), ("ben", "ports-01-one-port", "missing"),
        ("cy", ex, "missing"), ("cy", "ports-01-one-port", "missing")]
    assert (out_dir / "grades.md").read_text().startswith("# Grades: class")


def test_grade_missing_folder_is_exit_1(capsys, tmp_path):
    code, _, err = run(capsys, "grade", str(tmp_path / "absent"))
    assert code == 1 and "no submissions folder" in err


def test_show_starter_only_hands_out_a_file_that_check_accepts(capsys, tmp_path):
    ex = load_exercises()["ports-04-port-range"]
    code, out, _ = run(capsys, "exercises", "show", ex.id, "--starter")
    assert (code, out) == (0, ex.starter)
    handout = tmp_path / f"{ex.id}.yaml"
    handout.write_text(out)
    code, out, _ = run(capsys, "exercises", "check", ex.id, str(handout))
    assert code == 1 and "→ production/api 8999/TCP" in out
    assert "trap: endPort: api-port-range rule 1's range 8000-8099 does not include 8999." in out
    assert "Hint:" not in out  # the trap is the hint: said once


def test_validate_course_and_a_broken_exercise_folder(capsys, tmp_path):
    code, out, _ = run(capsys, "exercises", "validate", "--solutions", str(SOLUTIONS))
    assert code == 0
    assert out == f"{len(load_exercises())} of {len(load_exercises())} exercises are consistent\n"
    (tmp_path / "demo.yaml").write_text(
        "title: demo\ntopic: ingress\ndifficulty: beginner\nstatement: demo\nhints: [a, b]\n"
        "must_allow: [production/frontend -> production/api 8080]\n"
        "must_deny: [production/frontend -> production/api 8080/TCP]\n")
    (tmp_path / "solutions").mkdir()
    code, out, _ = run(capsys, "exercises", "validate", "--exercises-dir", str(tmp_path),
                       "--solutions", str(tmp_path / "solutions"))
    assert code == 1
    assert "demo: 'production/frontend -> production/api 8080/TCP' is required both" in out
    assert f"demo: no solution file {tmp_path / 'solutions' / 'demo.yaml'}\n" in out
    assert out.endswith("0 of 1 exercises are consistent\n")


def test_show_prints_an_inline_cluster(capsys):
    code, out, _ = run(capsys, "exercises", "show", "least-privilege-05-shop")
    assert code == 0
    assert "This exercise's own cluster:\nnamespaces:\n  shop: kubernetes.io/metadata.name=shop, " \
           "team=shop\n" in out
    assert "  card-gateway  198.51.100.7  ports 443/TCP\n" in out


def test_check_json_for_automated_grading(capsys, tmp_path):
    answer = tmp_path / "answer.yaml"
    answer.write_text(load_exercises()["ports-02-dns-udp-and-tcp"].starter)
    code, out, _ = run(capsys, "exercises", "check", "ports-02-dns-udp-and-tcp", str(answer),
                       "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert (data["status"], data["passed"], data["checked"]) == ("failed", False, 2737)
    first = data["wrong"][0]
    assert first["connection"] == "production/api → kube-system/coredns 53/UDP"
    assert (first["expected"], first["actual"]) == ("allowed", "denied")
    assert first["explanation"].startswith("production/api → kube-system/coredns on UDP 53: DENIED")
    assert sum(c["count"] for c in data["causes"]) == len(data["wrong"])  # grouped by cause
    assert {"cause", "count", "path", "examples", "trap", "suggestion"} <= set(data["causes"][0])
    answer.write_text("kind: [")
    code, out, _ = run(capsys, "exercises", "check", "ports-02-dns-udp-and-tcp", str(answer),
                       "--format", "json")
    data = json.loads(out)
    assert code == 1 and data["status"] == "invalid"
    assert data["problems"][0]["kind"] == "ParseError"
