"""JupyterLab's side of opening the course: notebooks served for the running Python.

A front end, imported only by the JupyterLab server that :mod:`netpol_lab.course`
starts (``--ServerApp.contents_manager_class``); the library never imports it.

Why it exists: the course's notebooks carry a minimal ``language_info``
(``{"name": "python"}``), because the full one names a Python version and would
change with whoever saved the file last. When the kernel starts, JupyterLab writes
the kernel's full ``language_info`` into the notebook's metadata, and a notebook whose
metadata changed is marked *modified* the moment it opens, before the learner has
typed anything. :class:`CourseContentsManager` hands JupyterLab each notebook with
this Python's ``language_info`` already filled in (the same values as
:func:`netpol_lab.course.language_info`), so the kernel's reply changes nothing.
The file on disk is not touched: only a save writes, and it writes what JupyterLab
would have written anyway.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager

from .course import with_language_info


class CourseContentsManager(AsyncLargeFileManager):
    """Jupyter Server's default contents manager, except that a notebook is *read* with
    this Python's ``language_info`` (see the module docstring). Trust is checked, as
    always, on the file as it is on disk, before that change."""

    async def get(self, path: str, content: bool = True, type: str | None = None,
                  format: str | None = None, **kwargs: Any) -> dict[str, Any]:
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
            with_language_info(model["content"])
        return model
