"""The command line as a newcomer meets it (issue 9 review): usage mistakes get a way out.

Each test is something the review tried that used to print a silent or
repetitive answer; each asserts the message that tells the learner what to do.
"""

from __future__ import annotations

from pathlib import Path

from netpol_lab.cli import main
from netpol_lab.grading import grade

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cluster_lists_labels_ips_and_ports(capsys):
    code, out, _ = run(capsys, "cluster")
    assert code == 0
    assert "  production: env=production, kubernetes.io/metadata.name=production" in out
    assert ("  production/api  10.244.1.12  app=api, tier=backend  ports http:8080/TCP, "
            "metrics:9090/TCP") in out
    assert "  partner-api  203.0.113.10  ports 443/TCP" in out
    code, out, _ = run(capsys, "exercises", "show", "ingress-01-frontend-only")
    assert "`netpol-lab cluster` lists its namespaces, pods, labels, IPs and ports" in out


def test_one_learners_folder_is_a_usage_error_naming_the_parent(capsys, tmp_path):
    alice = tmp_path / "class" / "alice"
    alice.mkdir(parents=True)
    name = "ingress-01-frontend-only.yaml"
    (alice / name).write_text((SOLUTIONS / name).read_text())
    code, out, err = run(capsys, "grade", str(alice), "--out", str(tmp_path / "out"))
    assert code == 2 and out == ""
    assert "looks like one learner's folder" in err
    assert f"netpol-lab grade {tmp_path / 'class'}" in err
    code, out, _ = run(capsys, "grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"))
    assert code == 0 and out.startswith("1 learner, 1 exercise: 1 of 1 answers pass")


def test_grades_md_says_the_status_once(tmp_path):
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "ports-01-one-port.yaml").write_text("kind: NetworkPolicy\n")
    grade(tmp_path, exercises=["ports-01-one-port", "ingress-01-frontend-only"])
    text = (tmp_path / "grades.md").read_text()
    assert "(missing): no file ingress-01-frontend-only.yaml in bob/" in text
    assert "(missing): missing:" not in text and "(invalid): invalid:" not in text


def test_an_unknown_topic_lists_the_topics(capsys):
    code, out, err = run(capsys, "exercises", "list", "--topic", "nosuch")
    assert code == 2 and out == ""
    assert "no topic 'nosuch'; the topics are debugging, egress," in err


def test_readme_counts_the_exercises_per_topic_as_they_are():
    """README states the real number of exercises per topic (update it when adding one)."""
    import re
    from collections import Counter

    from netpol_lab.exercises import load_exercises

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    match = re.search(r"(\d+) exercises in `exercises/`, in nine topics, each from beginner to "
                      r"advanced: ([^.]*)\.", text.replace("\n", " "))
    assert match, "README: the sentence with the exercise count per topic is gone"
    stated = {topic: int(n) for topic, n in re.findall(r"([a-z-]+) (\d+)", match[2])}
    real = Counter(e.topic for e in load_exercises().values())
    assert (int(match[1]), stated) == (sum(real.values()), dict(real)), (
        "README.md: update the exercise count per topic to " + ", ".join(
            f"{t} {n}" for t, n in real.items()))
