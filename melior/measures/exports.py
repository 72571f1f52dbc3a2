"""Downloads of a site's chart: its data as CSV (safe to open in a spreadsheet) or the chart
itself as SVG or PNG, drawn on the server by vl-convert."""

import vl_convert

from melior.core.csv import csv_text


def chart_data_csv(result, measure, site_name: str) -> str:
    """One row per period: the numbers entered and what the chart made of them."""
    d = result.data
    header = ["site", "measure", "period_start", "y", "cl", "lcl", "ucl", "part",
              "sigma_signal", "runs_signal"]  # fmt: skip
    rows = (
        [site_name, measure.name, row.x, row.y, row.cl, row.lcl, row.ucl, row.part,
         bool(row.sigma_signal), bool(row.runs_signal)]
        for row in d.itertuples()
    )  # fmt: skip
    return csv_text(header, rows)


def render(spec: dict, fmt: str) -> bytes:
    """SVG or PNG of a Vega-Lite spec, offline."""
    spec = {**spec, "width": 800} if spec.get("width") == "container" else spec
    if fmt == "svg":
        return vl_convert.vegalite_to_svg(spec).encode()
    if fmt == "png":
        return vl_convert.vegalite_to_png(spec, scale=2)
    raise ValueError(f"Unknown format {fmt!r}")
