"""Build step that puts the course into the wheel (all other metadata is in pyproject.toml).

The course's ``notebooks/``, ``exercises/`` and ``solutions/`` stay top-level in the
repository, where learners and instructors find them. A built wheel (or one built from
the sdist, which carries them through MANIFEST.in) gets a copy under
``netpol_lab/course_files/``, where ``netpol-lab course`` and the exercise lookup find
them after ``pip install netpol-lab``. Editable installs skip the copy: they read the
repository's folders directly, so no second copy can go out of date.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

COURSE_PARTS = ("notebooks", "exercises", "solutions")
IGNORED = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")


class BuildPyWithCourse(build_py):
    """``build_py`` that also copies the course folders into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        here = Path(__file__).resolve().parent
        target = Path(self.build_lib, "netpol_lab", "course_files")
        for part in COURSE_PARTS:
            source = here / part
            if not source.is_dir():
                raise SystemExit(f"error: the course folder {source} is missing")
            shutil.rmtree(target / part, ignore_errors=True)
            shutil.copytree(source, target / part, ignore=IGNORED)


setup(cmdclass={"build_py": BuildPyWithCourse})
