"""Text and markdown: a table to read, each row with the engine's full reason.

Every row is explained by :meth:`Scenario.evaluate
<netpol_lab.engine.Scenario.evaluate>`, which is right for the course's
clusters but not for a real cluster's millions of rows: above
:data:`TEXT_LIMIT` rows the writer prints the counts and how to get a file
(or a summary, or fewer rows) instead of flooding the terminal.
"""

from __future__ import annotations

from typing import TextIO

from ..rows import TableRows

TEXT_LIMIT = 2_000
"""The most rows text or markdown output prints; larger tables get counts and advice."""
COLUMNS = ["source", "destination", "port", "verdict", "reason"]


def _cells(rows: TableRows) -> list[list[str]]:
    scenario = rows.reach.scenario
    ids, out = rows.ids, []
    for block in rows.blocks(deciders=False):
        for s, d, k in zip(block.source.tolist(), block.destination.tolist(),
                           block.port.tolist(), strict=True):
            port, protocol = rows.ports[k]
            verdict = scenario.evaluate(ids[s], ids[d], port, protocol)
            out.append([ids[s], ids[d], f"{port}/{protocol}",
                        "✓ allowed" if verdict.allowed else "✗ denied", verdict.reason])
    return out


def _too_many(rows: TableRows, out: TextIO) -> bool:
    """Print counts and advice instead of a table too large to read; whether it did."""
    if rows.size() <= TEXT_LIMIT:
        return False
    total, allowed = rows.count()
    if total <= TEXT_LIMIT:
        return False
    out.write(
        f"{total:,} connections: {allowed:,} allowed, {total - allowed:,} denied "
        f"({_policies(rows)}).\n"
        f"That is too many to read here (more than {TEXT_LIMIT:,} rows). Instead:\n"
        "  --format csv > table.csv     every row, to open in a spreadsheet or pandas\n"
        "                                (also jsonl, json)\n"
        "  --format summary             pods with identical verdicts grouped, with the "
        "ports they may open\n"
        "  --format matrix > m.csv      one source × destination grid per port\n"
        "  --from NS --to NS/POD*       fewer rows (namespaces, pods or globs); also --port, "
        "--only allowed|denied\n"
        "  netpol-lab explain SRC DST PORT   the full reason of one connection\n")
    return True


def _policies(rows: TableRows) -> str:
    n = len(rows.reach.policies)
    return f"{n} polic{'y' if n == 1 else 'ies'}"


def write_text(rows: TableRows, out: TextIO) -> None:
    """Aligned columns, the reason last and unpadded, then the counts."""
    if _too_many(rows, out):
        return
    cells = _cells(rows)
    widths = [max([len(c), *(len(line[i]) for line in cells)]) for i, c in enumerate(COLUMNS)]
    widths[-1] = len(COLUMNS[-1])
    for line in [COLUMNS, *cells]:
        out.write("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip()
                  + "\n")
    allowed = sum(line[3].endswith("allowed") for line in cells)
    n = len(cells)
    out.write(f"\n{n} connection{'s' * (n != 1)}: {allowed} allowed, {n - allowed} denied "
              f"({_policies(rows)})\n")


def write_markdown(rows: TableRows, out: TextIO) -> None:
    """A markdown table (``|`` in a cell escaped)."""
    if _too_many(rows, out):
        return
    out.write("| " + " | ".join(COLUMNS) + " |\n")
    out.write("|" + "|".join("---" for _ in COLUMNS) + "|\n")
    for line in _cells(rows):
        out.write("| " + " | ".join(v.replace("|", "\\|") for v in line) + " |\n")
