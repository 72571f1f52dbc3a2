"""Altair charts of SPC results: data, centre line, stepped limits, signals, parts, notes.

The spec carries its data inline, so it can be embedded in a page or exported to SVG/PNG/PDF
offline with vl-convert (`chart.save("chart.svg")`).
"""

import altair as alt
import numpy as np
import pandas as pd

POINT = "#4a6fa5"
SIGNAL = "#d1495b"
CENTRE = "#3d3d3d"
LIMIT = "#8c8c8c"
TARGET = "#2a7f62"
NOTE = "#b07d00"
PERCENT_KINDS = {"p", "p_prime"}


def _x_field(values: pd.Series) -> tuple[pd.Series, str]:
    if pd.api.types.is_datetime64_any_dtype(values) or (
        len(values) and hasattr(values.iloc[0], "isoformat")
    ):
        return pd.to_datetime(values).dt.strftime("%Y-%m-%d"), "temporal"
    if pd.api.types.is_numeric_dtype(values):
        return values, "quantitative"
    return values.astype(str), "ordinal"


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
    signal = d["sigma_signal"].to_numpy().copy()
    for column in ("shift", "trend"):
        if column in d:
            signal |= d[column].to_numpy()
    if "rule" in d:
        signal |= (d["rule"] != "").to_numpy()
    frame = pd.DataFrame(
        {
            "x": x,
            "y": d["y"],
            "cl": d["cl"],
            "lcl": d["lcl"],
            "ucl": d["ucl"],
            "part": d["part"],
            "signal": np.where(signal, "Signal", "Common cause"),
            "runs": np.where(d["runs_signal"], "Runs signal", "No runs signal"),
            "excluded": d["excluded"],
        }
    ).replace({np.nan: None})
    y_format = ".0%" if percent else ",.4~g"
    x_enc = alt.X("x", type=x_type, title=None)
    y_scale = alt.Scale(zero=False)
    base = alt.Chart()  # the points' data is given once, to the layered chart
    tooltip = [
        alt.Tooltip("x", type=x_type, title="Period"),
        alt.Tooltip("y:Q", title=y_title or "Value", format=y_format),
        alt.Tooltip("cl:Q", title="Center line", format=y_format),
        alt.Tooltip("lcl:Q", title="Lower limit", format=y_format),
        alt.Tooltip("ucl:Q", title="Upper limit", format=y_format),
    ]
    line = base.mark_line(color=POINT, strokeWidth=1.5).encode(
        x=x_enc,
        y=alt.Y("y:Q", title=y_title, scale=y_scale, axis=alt.Axis(format=y_format)),
    )
    dots = base.mark_point(filled=True, size=36).encode(
        x=x_enc,
        y="y:Q",
        color=alt.Color(
            "signal:N",
            scale=alt.Scale(domain=["Common cause", "Signal"], range=[POINT, SIGNAL]),
            legend=alt.Legend(title=None, orient="top"),
        ),
        shape=alt.condition("datum.excluded", alt.value("cross"), alt.value("circle")),
        tooltip=tooltip,
    )
    centre = base.mark_line(interpolate="step", strokeWidth=1.5).encode(
        x=x_enc,
        y="cl:Q",
        detail="part:N",
        color=alt.Color(
            "runs:N",
            scale=alt.Scale(domain=["No runs signal", "Runs signal"], range=[CENTRE, SIGNAL]),
            legend=None,
        ),
        strokeDash=alt.condition(
            "datum.runs == 'Runs signal'", alt.value([6, 3]), alt.value([1, 0])
        ),
    )
    layers = [centre]
    if d["ucl"].notna().any():
        for bound in ("lcl", "ucl"):
            layers.append(
                base.mark_line(interpolate="step", color=LIMIT, strokeWidth=1).encode(
                    x=x_enc, y=f"{bound}:Q", detail="part:N"
                )
            )
    if result.target is not None and np.isfinite(result.target):
        layers.append(
            alt.Chart(pd.DataFrame({"target": [result.target]}))
            .mark_rule(color=TARGET, strokeDash=[2, 2])
            .encode(y="target:Q")
        )
    starts = d.groupby("part")["x"].first().iloc[1:]
    if len(starts):
        boundaries = pd.DataFrame({"x": _x_field(starts.reset_index(drop=True))[0]})
        layers.append(
            alt.Chart(boundaries)
            .mark_rule(color=CENTRE, strokeDash=[4, 4], opacity=0.6)
            .encode(x=alt.X("x", type=x_type))
        )
    notes = _annotations(annotations)
    if notes is not None and len(notes):
        nx, _ = _x_field(notes["x"])
        note_frame = pd.DataFrame({"x": nx, "text": notes["text"].astype(str)})
        links = {}
        if "href" in notes:  # a note may open a page when clicked (e.g. a PDSA cycle)
            note_frame["href"] = notes["href"].fillna("").astype(str).to_numpy()
            links = {"href": "href:N"}
        note_base = alt.Chart(note_frame)
        layers.append(
            note_base.mark_rule(color=NOTE, strokeWidth=1).encode(
                x=alt.X("x", type=x_type), tooltip=[alt.Tooltip("text:N", title="Note")], **links
            )
        )
        layers.append(
            note_base.mark_text(align="left", dx=3, dy=-4, color=NOTE, fontSize=10, angle=0).encode(
                x=alt.X("x", type=x_type), y=alt.value(8), text="text:N", **links
            )
        )
    layers += [line, dots]
    chart = alt.layer(*layers, data=frame).properties(width=width, height=height)
    if title:
        chart = chart.properties(title=title)
    return chart.configure_view(stroke=None).configure_axis(grid=True, gridOpacity=0.35)


def _annotations(annotations) -> pd.DataFrame | None:
    if annotations is None:
        return None
    frame = pd.DataFrame(annotations)
    if frame.empty:
        return None
    if not {"x", "text"} <= set(frame.columns):
        raise ValueError("annotations need an 'x' and a 'text' for each note.")
    return frame
