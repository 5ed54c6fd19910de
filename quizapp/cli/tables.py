"""Plain-text tables for the command line: columns padded to their widest cell."""


def table(rows: list[list[str]]) -> str:
    """Return the rows as lines of left-aligned columns two spaces apart."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
