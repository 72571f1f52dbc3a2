"""Altair charts of SPC results: data, centre line, stepped limits, signals, parts, notes.

Every line carries its own label at the right-hand end (centre line, limits, target) and the
legend names each mark, so a printed chart reads without the page around it. The data line
breaks where periods are missing (a summer holiday is a gap, not a straight line).

The spec carries its data inline, so it can be embedded in a page or exported to SVG/PNG/PDF
offline with vl-convert (`chart.save("chart.svg")`).
"""

import altair as alt
import numpy as np
import pandas as pd

POINT = "#4a6fa5"
SIGNAL = "#c0392b"
CENTRE = "#3d3d3d"
LIMIT = "#6b6b6b"
TARGET = "#1e7052"
NOTE = "#8a6100"
PERCENT_KINDS = {"p", "p_prime"}
FONT_SIZE = 12
# A step between periods this many times the usual one is a gap (a holiday, a missing month).
GAP_FACTOR = 1.5
# Notes in the right-hand part of the chart are written leftwards so they are not cut off.
RIGHT_HAND = 0.7
NOTE_WIDTH = 140  # pixels; longer notes end in "…" and read whole in the tooltip

COMMON, SIGNALLED = "Common cause", "Signal"
CENTRE_LINE, CENTRE_RUNS = "Center line", "Center line (runs signal)"
LIMITS, TARGET_LINE, NOTES = "Control limits", "Target", "Notes and PDSA cycles"


def _x_field(values: pd.Series) -> tuple[pd.Series, str]:
    if pd.api.types.is_datetime64_any_dtype(values) or (
        len(values) and hasattr(values.iloc[0], "isoformat")
    ):
        return pd.to_datetime(values).dt.strftime("%Y-%m-%d"), "temporal"
    if pd.api.types.is_numeric_dtype(values):
        return values, "quantitative"
    return values.astype(str), "ordinal"


def _positions(values: pd.Series, x_type: str) -> np.ndarray:
    """Where each x sits on its axis, as numbers (days for dates, ranks for categories)."""
    if x_type == "temporal":
        return pd.to_datetime(values).to_numpy("datetime64[D]").astype(float)
    if x_type == "quantitative":
        return values.to_numpy(float)
    return np.arange(len(values), dtype=float)


def _segments(positions: np.ndarray) -> np.ndarray:
    """A segment number per point that moves on after each gap in the periods."""
    steps = np.diff(positions)
    if len(steps) < 2:
        return np.zeros(len(positions), dtype=int)
    usual = np.median(steps[steps > 0]) if (steps > 0).any() else 0
    gaps = steps > GAP_FACTOR * usual if usual > 0 else np.zeros(len(steps), dtype=bool)
    return np.concatenate([[0], np.cumsum(gaps)])


def plot(
    result,
    *,
    title=None,
    annotations=None,
    y_title=None,
    width=640,
    height=300,
    percent: bool | None = None,
) -> alt.LayerChart:
    d = result.data
    x, x_type = _x_field(d["x"])
    percent = result.kind in PERCENT_KINDS if percent is None else percent
    y_format = ".0%" if percent else ",.4~g"
    frame = _frame(d, x)
    frame["segment"] = _segments(_positions(x, x_type))
    has_limits = bool(d["ucl"].notna().any())
    has_target = result.target is not None and bool(np.isfinite(result.target))
    notes = _annotations(annotations)
    legend = [COMMON, SIGNALLED, CENTRE_LINE]
    legend += [CENTRE_RUNS] if d["runs_signal"].any() else []
    legend += [LIMITS] if has_limits else []
    legend += [TARGET_LINE] if has_target else []
    legend += [NOTES] if notes is not None and len(notes) else []
    colours = alt.Scale(domain=legend, range=[_COLOURS[name] for name in legend])

    x_scale = alt.Scale(zero=False) if x_type == "quantitative" else alt.Undefined
    x_enc = alt.X("x", type=x_type, title=None, scale=x_scale)
    tooltip = [
        alt.Tooltip("x", type=x_type, title="Period"),
        alt.Tooltip("y:Q", title=y_title or "Value", format=y_format),
        alt.Tooltip(
            "cl:Q", title="Median" if result.kind == "run" else "Center line", format=y_format
        ),
        alt.Tooltip("lcl:Q", title="Lower limit", format=y_format),
        alt.Tooltip("ucl:Q", title="Upper limit", format=y_format),
    ]
    base = alt.Chart()  # the points' data is given once, to the layered chart
    line = base.mark_line(strokeWidth=1.5).encode(
        x=x_enc,
        y=alt.Y("y:Q", title=y_title, scale=alt.Scale(zero=False), axis=alt.Axis(format=y_format)),
        color=alt.ColorDatum(COMMON),
        detail=alt.Detail("segment:N"),
    )
    dots = base.mark_point(filled=True, size=40).encode(
        x=x_enc,
        y=alt.Y("y:Q"),
        color=alt.Color("signal:N", scale=colours, title=None),
        shape=alt.ShapeValue("circle", condition={"test": "datum.excluded", "value": "cross"}),
        tooltip=tooltip,
    )
    centre = base.mark_line(interpolate="step-after", strokeWidth=1.5).encode(
        x=x_enc,
        y=alt.Y("cl:Q"),
        detail=alt.Detail("part:N"),
        color=alt.Color("runs:N", scale=colours),
        strokeDash=alt.StrokeDashValue(
            [1, 0], condition={"test": f"datum.runs == '{CENTRE_RUNS}'", "value": [6, 3]}
        ),
    )
    centre_words = "Median" if result.kind == "run" else "Center"
    layers = [centre, _end_label("cl", centre_words, y_format, CENTRE_LINE, x_enc, above=True)]
    if has_limits:
        for bound, words in (("lcl", "Lower limit"), ("ucl", "Upper limit")):
            layers.append(
                base.mark_line(interpolate="step-after", strokeWidth=1).encode(
                    x=x_enc,
                    y=alt.Y(f"{bound}:Q"),
                    detail=alt.Detail("part:N"),
                    color=alt.ColorDatum(LIMITS),
                )
            )
            # written inside the limits, clear of the notes along the top edge
            layers.append(_end_label(bound, words, y_format, LIMITS, x_enc, above=bound == "lcl"))
    if has_target:
        target = pd.DataFrame({"target": [result.target]})
        layers.append(
            alt.Chart(target)
            .mark_rule(strokeDash=[2, 2], strokeWidth=1.5)
            .encode(y=alt.Y("target:Q"), color=alt.ColorDatum(TARGET_LINE))
        )
        text = f"Target {_formatted(result.target, percent)}"
        layers.append(
            alt.Chart(target.assign(text=text))
            .mark_text(align="left", dx=4, dy=-7, fontSize=FONT_SIZE - 1, fontWeight="bold")
            .encode(
                y=alt.Y("target:Q"),
                x=alt.XValue(0),
                text=alt.Text("text:N"),
                color=alt.ColorDatum(TARGET_LINE),
            )
        )
    starts = d.groupby("part")["x"].first().iloc[1:]
    if len(starts):
        boundaries = pd.DataFrame({"x": _x_field(starts.reset_index(drop=True))[0]})
        layers.append(
            alt.Chart(boundaries)
            .mark_rule(color=CENTRE, strokeDash=[4, 4], opacity=0.6)
            .encode(x=alt.X("x", type=x_type))
        )
    if notes is not None and len(notes):
        layers += _note_layers(notes, x, x_type)
    layers += [line, dots]
    # everything in one constructor: each chained call would copy the whole layered chart
    return alt.layer(
        *layers,
        data=frame,
        width=width,
        height=height,
        config=CONFIG,
        **({"title": title} if title else {}),
    )


CONFIG = alt.Config(
    view=alt.ViewConfig(stroke=None),
    axis=alt.AxisConfig(
        grid=True, gridOpacity=0.35, labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE
    ),
    legend=alt.LegendConfig(orient="top", labelFontSize=FONT_SIZE, symbolSize=80, labelLimit=220),
    title=alt.TitleConfig(fontSize=FONT_SIZE + 2),
)


_COLOURS = {
    COMMON: POINT,
    SIGNALLED: SIGNAL,
    CENTRE_LINE: CENTRE,
    CENTRE_RUNS: SIGNAL,
    LIMITS: LIMIT,
    TARGET_LINE: TARGET,
    NOTES: NOTE,
}


def _frame(d: pd.DataFrame, x: pd.Series) -> pd.DataFrame:
    signal = d["sigma_signal"].to_numpy().copy()
    for column in ("shift", "trend"):
        if column in d:
            signal |= d[column].to_numpy()
    if "rule" in d:
        signal |= (d["rule"] != "").to_numpy()
    return pd.DataFrame(
        {
            "x": x,
            "y": d["y"],
            "cl": d["cl"],
            "lcl": d["lcl"],
            "ucl": d["ucl"],
            "part": d["part"],
            "signal": np.where(signal, SIGNALLED, COMMON),
            "runs": np.where(d["runs_signal"], CENTRE_RUNS, CENTRE_LINE),
            "excluded": d["excluded"],
        }
    ).replace({np.nan: None})


def _formatted(value: float, percent: bool) -> str:
    return f"{value:.0%}" if percent else f"{value:,.4g}"


def _end_label(column, words, y_format, name, x_enc, *, above: bool):
    """The line's name and latest value, written beside its right-hand end."""
    # the transforms as Vega-Lite writes them: Altair's transform_* helpers validate each one
    # against the schema, a cost paid on every chart drawn
    latest = [
        {"filter": f"isValid(datum.{column})"},
        {
            "window": [{"op": "rank", "field": "", "as": "rank"}],
            "sort": [{"field": "x", "order": "descending"}],
        },
        {"filter": "datum.rank == 1"},
        {"calculate": f"'{words} ' + format(datum.{column}, '{y_format}')", "as": "text"},
    ]
    return (
        alt.Chart(transform=latest)
        .mark_text(align="right", dy=-8 if above else 9, fontSize=FONT_SIZE - 1)
        .encode(
            x=x_enc, y=alt.Y(f"{column}:Q"), text=alt.Text("text:N"), color=alt.ColorDatum(name)
        )
    )


def _note_layers(notes: pd.DataFrame, x: pd.Series, x_type: str) -> list:
    nx, _ = _x_field(notes["x"])
    note_frame = pd.DataFrame({"x": nx, "text": notes["text"].astype(str)})
    links = {}
    if "href" in notes:  # a note may open a page when clicked (e.g. a PDSA cycle)
        note_frame["href"] = notes["href"].fillna("").astype(str).to_numpy()
        links = {"href": alt.Href("href:N")}
    span = _positions(x, x_type)
    at = _positions(nx, x_type)
    low, high = (np.nanmin(span), np.nanmax(span)) if len(span) else (0.0, 1.0)
    share = (at - low) / (high - low) if high > low else np.zeros(len(at))
    note_frame["side"] = np.where(share > RIGHT_HAND, "right", "left")
    note_x = alt.X("x", type=x_type)
    layers = [
        alt.Chart(note_frame)
        .mark_rule(strokeWidth=1)
        .encode(
            x=note_x,
            color=alt.ColorDatum(NOTES),
            tooltip=[alt.Tooltip("text:N", title="Note")],
            **links,
        )
    ]
    for side, align, dx in (("left", "left", 3), ("right", "right", -3)):
        layers.append(
            alt.Chart(note_frame)
            .transform_filter(f"datum.side == '{side}'")
            .mark_text(align=align, dx=dx, dy=-4, fontSize=FONT_SIZE - 1, limit=NOTE_WIDTH)
            .encode(
                x=note_x,
                y=alt.YValue(8),
                text=alt.Text("text:N"),
                color=alt.ColorDatum(NOTES),
                tooltip=[alt.Tooltip("text:N", title="Note")],
                **links,
            )
        )
    return layers


def _annotations(annotations) -> pd.DataFrame | None:
    if annotations is None:
        return None
    frame = pd.DataFrame(annotations)
    if frame.empty:
        return None
    if not {"x", "text"} <= set(frame.columns):
        raise ValueError("annotations need an 'x' and a 'text' for each note.")
    return frame
