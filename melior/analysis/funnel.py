"""Funnel plots: compare many units' rates with the network's, allowing for their sizes.

    from melior.analysis import funnel
    f = funnel.funnel_plot(numerators, denominators, labels=sites, kind="p", overdispersion=True)
    f.data, f.summary(), f.outliers(), f.chart()

Method (Spiegelhalter 2005, "Funnel plots for comparing institutional performance"; and
"Handling over-dispersion of performance indicators"): the centre is the pooled rate
θ₀ = Σy/Σn; a unit of size n has standard error s = √(θ₀(1−θ₀)/n) for proportions and
√(θ₀/n) for rates; the limits are θ₀ ± z·s for z = 1.960 (95%) and 3.090 (99.8%), clipped to
the possible range. With over-dispersion, z-scores zᵢ = (yᵢ/nᵢ − θ₀)/sᵢ are winsorised at the
10th and 90th percentiles, φ = mean(z²); when Iφ > I − 1 an additive random effect
τ² = (Iφ − (I − 1)) / (Σwᵢ − Σwᵢ²/Σwᵢ), wᵢ = 1/sᵢ², widens the limits to θ₀ ± z·√(s² + τ²).
"""

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
from scipy.stats import norm

from .spc import inputs

LEVELS = {"95%": 0.95, "99.8%": 0.998}


@dataclass(frozen=True, eq=False)
class FunnelPlot:
    kind: str
    data: pd.DataFrame  # one row per unit
    target: float
    phi: float  # over-dispersion factor (mean winsorised z²)
    tau2: float  # additive random-effects variance (0 when not used)
    overdispersion: bool

    def limits(self, n) -> pd.DataFrame:
        """The funnel's limits at denominators n (for drawing the curves)."""
        n = np.asarray(n, dtype=float)
        se = np.sqrt(_unit_variance(self.kind, self.target, n) + self.tau2)
        out = {"n": n}
        for name, level in LEVELS.items():
            z = norm.ppf(0.5 + level / 2)
            out[f"lower_{name}"] = np.maximum(self.target - z * se, 0)
            upper = self.target + z * se
            out[f"upper_{name}"] = np.minimum(upper, 1) if self.kind == "p" else upper
        return pd.DataFrame(out)

    def outliers(self, level: str = "99.8%") -> pd.DataFrame:
        """Units outside the limits at that level, furthest first."""
        d = self.data
        return d[d[f"outside_{level}"] != 0].sort_values("z", key=np.abs, ascending=False)

    def summary(self) -> dict:
        d = self.data
        return {
            "units": len(d),
            "target": self.target,
            "phi": self.phi,
            "tau2": self.tau2,
            "above_95%": int((d["outside_95%"] > 0).sum()),
            "below_95%": int((d["outside_95%"] < 0).sum()),
            "above_99.8%": int((d["outside_99.8%"] > 0).sum()),
            "below_99.8%": int((d["outside_99.8%"] < 0).sum()),
        }

    def chart(
        self,
        *,
        title=None,
        percent: bool | None = None,
        width=640,
        height=320,
        unit_name: str = "Site",
        size_title: str = "Number counted (log scale)",
    ):
        """The funnel: each unit's rate against its size, with 95% and 99.8% limits. The y axis
        fits the units and the centre (the limits are cut at its edges, not the data), and the
        units outside the 95% limits carry their names."""
        percent = self.kind == "p" if percent is None else percent
        fmt = ".0%" if percent else ",.4~g"
        d = self.data
        grid = np.geomspace(max(d["n"].min() * 0.8, 1), d["n"].max() * 1.1, 80)
        curves = self.limits(grid).melt("n", var_name="limit", value_name="value")
        curves["level"] = curves["limit"].str.split("_").str[1]
        curves["side"] = curves["limit"].str.split("_").str[0]
        points = d.assign(
            where=np.select(
                [d["outside_99.8%"] != 0, d["outside_95%"] != 0],
                ["outside 99.8%", "outside 95%"],
                "inside",
            )
        )
        # the sites, the centre and the 95% limits at the sites' sizes: no empty 0-100% axis
        shown = d[["rate", "lower_95%", "upper_95%"]].to_numpy(float).ravel()
        low, high = _fitted_range(np.append(shown, self.target))
        if self.kind == "p":
            high = min(high, 1.0)
        y_scale = alt.Scale(domain=[low, high], zero=False, nice=False)
        x_scale = alt.Scale(type="log", domain=[float(grid[0]), float(grid[-1])], nice=False)
        x = alt.X("n:Q", title=size_title, scale=x_scale)
        lines = (
            alt.Chart(curves)
            .mark_line(color="#6b6b6b", clip=True)
            .encode(
                x=x,
                y=alt.Y("value:Q", axis=alt.Axis(format=fmt), title=None, scale=y_scale),
                detail=alt.Detail("limit:N"),
                strokeDash=alt.StrokeDash(
                    "level:N", scale=alt.Scale(domain=["95%", "99.8%"], range=[[4, 3], [1, 0]]),
                    legend=alt.Legend(title="Limits", orient="top"),
                ),
            )
        )  # fmt: skip
        overall = pd.DataFrame({"t": [self.target], "text": ["All " + _fmt(self.target, percent)]})
        centre = alt.Chart(overall).mark_rule(color="#3d3d3d").encode(y=alt.Y("t:Q"))
        centre_label = centre.mark_text(
            align="left", x=4, dy=-7, fontSize=11, color="#3d3d3d"
        ).encode(text=alt.Text("text:N"))
        tooltip = [
            alt.Tooltip("label:N", title=unit_name),
            alt.Tooltip("rate:Q", format=fmt, title="Rate"),
            alt.Tooltip("n:Q", format=",.0f", title="Number counted"),
            alt.Tooltip("where:N", title="Against the limits"),
        ]
        dots = (
            alt.Chart(points)
            .mark_point(filled=True, size=60)
            .encode(
                x=x,
                y=alt.Y("rate:Q"),
                color=alt.Color(
                    "where:N",
                    scale=alt.Scale(
                        domain=["inside", "outside 95%", "outside 99.8%"],
                        range=["#4a6fa5", "#b86e00", "#c0392b"],
                    ),
                    legend=alt.Legend(title=None, orient="top"),
                ),
                shape=alt.Shape(
                    "where:N",
                    scale=alt.Scale(
                        domain=["inside", "outside 95%", "outside 99.8%"],
                        range=["circle", "diamond", "triangle-up"],
                    ),
                    legend=None,
                ),
                tooltip=tooltip,
            )
        )
        named = points[points["where"] != "inside"]
        # names of units near the right-hand edge are written leftwards, so none is cut off
        share = np.log(named["n"] / grid[0]) / np.log(grid[-1] / grid[0])
        names = [
            alt.Chart(named[side])
            .mark_text(align=align, dx=dx, fontSize=11, limit=160)
            .encode(x=x, y=alt.Y("rate:Q"), text=alt.Text("label:N"), tooltip=tooltip)
            for side, align, dx in ((share <= 0.7, "left", 7), (share > 0.7, "right", -7))
        ]
        # one constructor: each chained call would copy the whole layered chart
        config = alt.Config(
            axis=alt.AxisConfig(labelFontSize=12, titleFontSize=12),
            legend=alt.LegendConfig(labelFontSize=12),
        )
        return alt.layer(
            lines, centre, centre_label, dots, *names,
            width=width, height=height, config=config, **({"title": title} if title else {}),
        )  # fmt: skip

    def reading(self, unit_name: str = "site") -> str:
        """The over-dispersion allowance in plain words (φ and τ² stay in `summary()`)."""
        if self.tau2 > 0:
            return (
                f"The {unit_name}s differ from each other more than chance alone would explain, "
                "so the funnel is widened to allow for that; a point outside it stands out even "
                "among the usual differences between them."
            )
        return (
            f"The {unit_name}s differ no more than chance would explain; a point outside the "
            "funnel differs by more than chance."
        )


def _fmt(value: float, percent: bool) -> str:
    return f"{value:.0%}" if percent else f"{value:,.3g}"


def _fitted_range(values: np.ndarray) -> tuple[float, float]:
    """The values with a margin, so what matters uses the chart's height."""
    values = values[np.isfinite(values)]
    low, high = float(values.min()), float(values.max())
    margin = (high - low) * 0.15 or max(abs(high) * 0.1, 0.01)
    return max(low - margin, 0.0), high + margin


def _unit_variance(kind: str, target: float, n: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "p":
            return target * (1 - target) / n
        return target / n


def funnel_plot(y, n, labels=None, *, kind: str = "p", overdispersion: bool = False,
                winsorize: float = 0.1) -> FunnelPlot:  # fmt: skip
    """Funnel plot of units with numerators y and denominators n (one value per unit)."""
    if kind not in {"p", "u"}:
        raise ValueError("A funnel plot compares proportions (kind='p') or rates (kind='u').")
    y = inputs.numeric(y, "y")
    n = inputs.numeric(n, "n")
    if len(y) != len(n):
        raise ValueError(f"y and n must have the same length ({len(y)} and {len(n)}).")
    labels = list(range(1, len(y) + 1)) if labels is None else list(labels)
    if len(labels) != len(y):
        raise ValueError("labels must have one entry per unit.")
    keep = np.isfinite(y) & np.isfinite(n) & (n > 0)
    if keep.sum() < 2:
        raise ValueError("A funnel plot needs at least two units with a denominator above 0.")
    if (y[keep] < 0).any():
        raise ValueError("y has a negative count: counts cannot be negative.")
    if kind == "p" and (y[keep] > n[keep]).any():
        i = int(np.flatnonzero(keep & (y > n))[0])
        raise ValueError(f"The numerator is larger than the denominator for {labels[i]}.")
    y, n = y[keep], n[keep]
    labels = [label for label, k in zip(labels, keep, strict=True) if k]
    target = y.sum() / n.sum()
    if kind == "p" and target in (0.0, 1.0):
        raise ValueError("Every unit is at 0% or 100%: there is no variation to compare.")
    variance = _unit_variance(kind, target, n)
    rate = y / n
    z = (rate - target) / np.sqrt(variance)
    low, high = np.quantile(z, [winsorize, 1 - winsorize])
    phi = float(np.mean(np.clip(z, low, high) ** 2))
    tau2 = 0.0
    units = len(z)
    if overdispersion and units * phi > units - 1:
        w = 1 / variance
        tau2 = float((units * phi - (units - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    plot = FunnelPlot(kind, pd.DataFrame(), float(target), phi, tau2, overdispersion)
    bounds = plot.limits(n)
    data = pd.DataFrame({"label": labels, "y": y, "n": n, "rate": rate, "z": z})
    z_adjusted = (rate - target) / np.sqrt(variance + tau2)
    data["z"] = z_adjusted
    for name in LEVELS:
        lower, upper = bounds[f"lower_{name}"].to_numpy(), bounds[f"upper_{name}"].to_numpy()
        data[f"lower_{name}"], data[f"upper_{name}"] = lower, upper
        data[f"outside_{name}"] = np.where(rate > upper, 1, np.where(rate < lower, -1, 0))
    return FunnelPlot(kind, data, float(target), phi, tau2, overdispersion)
