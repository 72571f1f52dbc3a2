"""`melior chart`: the SPC engine on a CSV file, no database needed."""

from typing import Annotated

import typer
from rich.table import Table

from melior.cli.common import console, fail

# the columns of the summary the command prints, in order
SHOWN = [
    "part",
    "n_obs",
    "n_useful",
    "longest_run",
    "longest_run_max",
    "n_crossings",
    "n_crossings_min",
    "runs_signal",
    "sigma_signals",
    "cl",
    "lcl",
    "ucl",
]


def chart(
    file: Annotated[str, typer.Argument(help="A CSV file with one row per point.")],
    y: Annotated[str, typer.Option(help="Column of values (numerators for p/u charts).")],
    kind: Annotated[
        str, typer.Option(help="run, i, mr, xbar, r, s, c, u, p, np, p_prime, u_prime, g or t.")
    ] = "run",
    n: Annotated[str | None, typer.Option(help="Column of denominators.")] = None,
    x: Annotated[str | None, typer.Option(help="Column of periods or subgroups.")] = None,
    part: Annotated[
        str | None, typer.Option(help="Column of phase labels: a new part starts where it changes.")
    ] = None,
    freeze: Annotated[int | None, typer.Option(help="Baseline: the first K points.")] = None,
    rules: Annotated[str, typer.Option(help="anhoej, ihi or nhs.")] = "anhoej",
    title: Annotated[str | None, typer.Option(help="Chart title.")] = None,
    out: Annotated[
        str | None, typer.Option(help="Write the chart: .svg, .png, .pdf or .html.")
    ] = None,
):
    """Chart a CSV file with the SPC engine and print the summary (no database needed)."""
    from melior.analysis import spc

    frame = _read_csv(file, columns=[y, n, x, part])
    x_values = _x_values(frame, x, kind)
    try:
        result = spc.control_chart(
            frame[y],
            n=frame[n] if n else None,
            x=x_values,
            kind=kind,
            part=_part_starts(frame, part, x_values),
            freeze=freeze,
            rules=rules,
        )
    except ValueError as error:
        fail(str(error))
    _print_summary(result, title=f"{result.name} of {y}" + (f" / {n}" if n else ""))
    if out:
        _write_chart(result, out, title=title or f"{result.name} of {y}")


def _read_csv(file: str, *, columns: list[str | None]):
    """The file as a table that has every column asked for, or a refusal naming what is wrong."""
    import pandas as pd

    try:
        frame = pd.read_csv(file)
    except FileNotFoundError:
        fail(f"No such file: {file}")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        fail(f"{file} is not a readable CSV file: {error}")
    missing = [c for c in columns if c and c not in frame.columns]
    if missing:
        fail(f"Column(s) not in {file}: {', '.join(missing)}. It has: {', '.join(frame.columns)}.")
    return frame


def _x_values(frame, x: str | None, kind: str):
    """The x column, read as dates when every value is one (subgroup charts keep their labels)."""
    import pandas as pd

    if not x:
        return None
    x_values = frame[x]
    if kind in {"xbar", "s", "r"}:
        return x_values
    parsed = pd.to_datetime(x_values, errors="coerce")
    if parsed.notna().all() and not pd.api.types.is_numeric_dtype(x_values):
        return parsed
    return x_values


def _part_starts(frame, part: str | None, x_values) -> list[int] | None:
    """Where a new part begins: each point (in x order) whose phase label differs from the one
    before it; None when there is no phase column or the label never changes."""
    if not part:
        return None
    labels = frame.assign(_x=x_values if x_values is not None else range(len(frame)))
    labels = labels.groupby("_x", sort=True)[part].first().to_numpy()
    return [i for i in range(1, len(labels)) if labels[i] != labels[i - 1]] or None


def _print_summary(result, *, title: str) -> None:
    table = Table(title=title)
    for column in SHOWN:
        table.add_column(column, justify="right")
    for _, row in result.summary().iterrows():
        table.add_row(*[_cell(row[c]) for c in SHOWN])
    console.print(table)
    for sentence in result.describe():
        console.print(f"• {sentence.text}")


def _write_chart(result, out: str, *, title: str) -> None:
    chart_obj = result.chart(title=title, width=720)
    try:
        if out.endswith(".html"):
            chart_obj.save(out, inline=True)
        else:
            chart_obj.save(out)
    except ValueError as error:
        fail(f"Cannot write {out}: {error}")
    console.print(f"Wrote {out}")


def _cell(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "—" if value != value else f"{value:.6g}"
    return str(value)
