"""The course teaches every concept before it asks for it (issue 10).

Each exercise declares the concepts it needs (``concepts:`` in its file), and
``netpol_lab.syllabus.NOTEBOOKS`` says which notebook teaches which concept.
These tests read the notebooks without running them: every exercise a notebook
embeds, and every policy a cell writes, loads or shows (a question, a playground,
a comparison), may only use concepts taught by that notebook or an earlier one.
Every exercise is reachable from some notebook.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

import netpol_lab as nl
from netpol_lab.errors import NetpolError
from netpol_lab.exercises import load_exercises
from netpol_lab.syllabus import CONCEPTS, NOTEBOOKS, concepts_in, taught_before, taught_by

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS_DIR = ROOT / "notebooks"
SOLUTIONS_DIR = ROOT / "solutions"
STEMS = [notebook.stem for notebook in NOTEBOOKS]


class _Strings:
    """Evaluates the string expressions of a notebook's code, cell by cell.

    Understands what the course's notebooks use to build policy YAML: string
    literals, names bound to them earlier, ``+``, ``.replace(a, b)``, slicing by
    ``len(...)``, dict literals and subscripts, and ``nl.article_yaml(name)``.
    Anything else is not a string it can know, and is skipped.
    """

    def __init__(self) -> None:
        self.names: dict[str, object] = {}

    def value(self, node: ast.AST) -> object:
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, int)):
            return node.value
        if isinstance(node, ast.Name) and node.id in self.names:
            return self.names[node.id]
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = self.value(node.left), self.value(node.right)
            if isinstance(left, str) and isinstance(right, str):
                return left + right
        if isinstance(node, ast.Dict):
            keys = [self.value(k) for k in node.keys if k is not None]
            values = [self.value(v) for v in node.values]
            if all(isinstance(k, str) for k in keys) and len(keys) == len(values):
                return dict(zip(keys, values, strict=True))
        if isinstance(node, ast.Subscript):
            base, key = self.value(node.value), node.slice
            if isinstance(base, dict):
                return base.get(self.value(key))
            if isinstance(base, str) and isinstance(key, ast.Slice) and key.upper is None:
                start = self.value(key.lower) if key.lower is not None else 0
                return base[start:] if isinstance(start, int) else None
        if isinstance(node, ast.Call):
            return self._call(node)
        return None

    def _call(self, node: ast.Call) -> object:
        func = node.func
        args = [self.value(arg) for arg in node.args]
        if isinstance(func, ast.Attribute) and func.attr == "article_yaml" and args:
            return nl.article_yaml(args[0]) if isinstance(args[0], str) else None
        if isinstance(func, ast.Attribute) and func.attr == "replace" and len(args) == 2:
            base = self.value(func.value)
            if isinstance(base, str) and all(isinstance(a, str) for a in args):
                return base.replace(*args)
        if isinstance(func, ast.Name) and func.id == "len" and len(args) == 1:
            return len(args[0]) if isinstance(args[0], str) else None
        return None

    def cell(self, source: str) -> list[str]:
        """Every string this cell writes or refers to, after binding its assignments."""
        tree = ast.parse(source)
        for statement in tree.body:
            if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                    and isinstance(statement.targets[0], ast.Name)):
                value = self.value(statement.value)
                if value is not None:
                    self.names[statement.targets[0].id] = value
        found = []
        for node in ast.walk(tree):
            value = self.value(node)
            values = value.values() if isinstance(value, dict) else [value]
            found += [v for v in values if isinstance(v, str)]
        return found


@cache
def _policy_concepts(text: str) -> frozenset[str]:
    if "NetworkPolicy" not in text:
        return frozenset()
    try:
        return frozenset(concepts_in(nl.load_policies(text)))
    except NetpolError:  # invalid on purpose (a notebook showing an error): nothing taught
        return frozenset()


def _cells(stem: str) -> list[nbformat.NotebookNode]:
    return nbformat.read(NOTEBOOKS_DIR / f"{stem}.ipynb", as_version=4).cells


def _embedded(source: str) -> list[str]:
    return re.findall(r'ExerciseWidget\(\s*"([^"]+)"', source)


def test_every_notebook_is_in_the_syllabus() -> None:
    """The syllabus lists exactly the course's notebooks, in order."""
    assert sorted(path.stem for path in NOTEBOOKS_DIR.glob("[0-9][0-9]-*.ipynb")) == STEMS


def test_every_concept_is_taught_once() -> None:
    """Each concept of the syllabus is taught by exactly one notebook, and only known ones are."""
    taught = [concept for notebook in NOTEBOOKS for concept in notebook.teaches]
    assert sorted(taught) == sorted(CONCEPTS)
    assert len(taught) == len(set(taught))


@pytest.mark.parametrize("exercise_id", sorted(load_exercises()))
def test_exercise_declares_what_its_reference_uses(exercise_id: str) -> None:
    """An exercise's ``concepts`` cover every concept its reference answer and given policies use."""
    exercise = load_exercises()[exercise_id]
    assert exercise.concepts, f"{exercise_id}: no concepts declared"
    unknown = set(exercise.concepts) - set(CONCEPTS)
    assert not unknown, f"{exercise_id}: unknown concepts {sorted(unknown)}"
    used = set(_policy_concepts((SOLUTIONS_DIR / f"{exercise_id}.yaml").read_text()))
    used |= _policy_concepts(exercise.given) if exercise.given else set()
    missing = used - set(exercise.concepts)
    assert not missing, f"{exercise_id}: the reference uses {sorted(missing)}, not declared"


@pytest.mark.parametrize("stem", STEMS)
def test_notebook_uses_only_what_is_taught(stem: str) -> None:
    """No cell embeds an exercise or shows a policy whose concepts a later notebook teaches."""
    taught = taught_before(stem)
    exercises = load_exercises()
    strings = _Strings()
    problems = []
    for index, cell in enumerate(_cells(stem)):
        if cell.cell_type != "code":
            continue
        for text in strings.cell(cell.source):
            for concept in sorted(_policy_concepts(text) - taught):
                problems.append(f"cell {index}: a policy uses {concept!r} ({taught_by(concept)})")
        for exercise_id in _embedded(cell.source):
            for concept in sorted(set(exercises[exercise_id].concepts) - taught):
                problems.append(f"cell {index}: exercise {exercise_id} needs {concept!r} "
                                f"({taught_by(concept)})")
    assert not problems, f"{stem} uses concepts taught later:\n" + "\n".join(problems)


def test_every_exercise_is_reachable() -> None:
    """Every exercise is opened by some notebook (in its lesson or a "More practice" section)."""
    embedded = {ex for stem in STEMS for cell in _cells(stem) if cell.cell_type == "code"
                for ex in _embedded(cell.source)}
    assert set(load_exercises()) - embedded == set()


def test_the_order_check_can_fail() -> None:
    """The checker sees matchExpressions in a policy built from pieces, and ANDed peers."""
    strings = _Strings()
    strings.cell('HEAD = "apiVersion: networking.k8s.io/v1\\nkind: NetworkPolicy\\n'
                 'metadata: {name: p, namespace: production}\\nspec:\\n"')
    (text,) = [s for s in strings.cell(
        'X = HEAD + "  podSelector: {matchExpressions: [{key: app, operator: Exists}]}\\n"\n'
        'Playground(X)') if "matchExpressions" in s][:1]
    assert "match-expressions" in _policy_concepts(text)
    assert "match-expressions" not in taught_before("02-egress")
    assert "and-peer" in _policy_concepts(nl.article_yaml("api-and"))
