"""Output formats of ``netpol-lab table``: small writers over one source of rows, by name.

Every writer takes a :class:`~netpol_lab.rows.TableRows` (the cluster's
per-port matrices, the ports, ``--from``/``--to`` and ``--only``) and a text
stream, and streams what it writes: memory stays bounded whatever the
cluster's size.

========  ==========================================================================
format    what it writes
========  ==========================================================================
text      a readable table with the full reason of each row; a large table prints
          its counts and how to get a file instead
markdown  the same as a markdown table
csv       one short row per connection (:data:`~netpol_lab.rows.COLUMNS`)
jsonl     the same rows as JSON Lines, one object a line
json      the same rows as one JSON array, streamed
matrix    per port, a source × destination grid of ``1`` (allowed) / ``0`` (denied)
summary   pods with identical verdicts grouped (namespace/workload), and which ports
          each group may open to each other group
========  ==========================================================================
"""

from __future__ import annotations

import importlib
from typing import TextIO

from ..rows import TableRows

WRITERS = {
    "text": ("text", "write_text"),
    "markdown": ("text", "write_markdown"),
    "csv": ("delimited", "write_csv"),
    "jsonl": ("jsonrows", "write_jsonl"),
    "json": ("jsonrows", "write_json"),
    "matrix": ("grid", "write_matrix"),
    "summary": ("summary", "write_summary"),
}
FORMATS = tuple(WRITERS)


def write(fmt: str, rows: TableRows, out: TextIO) -> None:
    """Write ``rows`` to ``out`` in the format named ``fmt`` (one of :data:`FORMATS`)."""
    module, function = WRITERS[fmt]
    getattr(importlib.import_module(f".{module}", __name__), function)(rows, out)
