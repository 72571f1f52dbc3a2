"""Showing a refused import the same way everywhere: a table of row, column, value and problem
(the page's include is web/_import_problems.html), a rich table at the command line, and a JSON
list in the API's 400 answer."""

from rich.table import Table

from .problems import ImportRefused

SHOWN = 500  # problems listed on a page or at the command line; the API lists all it kept


def problems_table(refused: ImportRefused, limit: int = 50) -> Table:
    """The problems as a rich table (the first `limit`), titled with how many there are."""
    table = Table(title=refused.summary, title_justify="left", show_lines=False)
    has_files = refused.has_files
    if has_files:
        table.add_column("File")
    for name in ("Row", "Column", "Value", "Problem"):
        table.add_column(name, justify="right" if name == "Row" else "left", overflow="fold")
    for problem in refused.problems[:limit]:
        cells = [
            "—" if problem.row is None else str(problem.row),
            problem.column or "—",
            "—" if problem.value is None else problem.value,
            problem.message,
        ]
        table.add_row(*([problem.file or "—"] if has_files else []), *cells)
    if refused.total > limit:
        table.caption = f"The first {limit} of {refused.total:,} are shown."
    return table


def problems_json(refused: ImportRefused) -> dict:
    """The body of the API's 400 answer to a refused import."""
    return {
        "detail": refused.summary,
        "problems": refused.as_list(),
        "total": refused.total,
        "errors": {"__all__": refused.messages},
    }
