"""Equity: does the tool work for every group, and do gaps narrow?

- `subgroup_effects`: the impact within each level of a subgroup (e.g. English learners or
  not), and the interaction test of whether the impacts differ; a level with fewer students
  than the minimum cell size in either arm is withheld, not estimated.
- `gap_trajectory`: the gap between two groups (reference minus focal) in each period, in each
  arm, before and during a pilot; a gap that shrinks in the tool's arm more than in the
  comparison arm is narrowing because of the pilot."""

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
import statsmodels.api as sm

from ._data import design_matrix, numeric, require_columns, treatment_indicator
from .designs import randomized_pilot
from .impact import fit


@dataclass(frozen=True, eq=False)
class SubgroupEffects:
    data: pd.DataFrame  # one row per level: n per arm, impact, SE, CI, p, or withheld
    interaction_p: float  # do the impacts differ across levels? (joint Wald test)
    subgroup: str
    min_cell_size: int

    def summary(self) -> str:
        shown = self.data[~self.data["withheld"]]
        parts = [
            f"{row.level}: {row.impact:+.3f} (95% CI {row.ci_low:+.3f} to {row.ci_high:+.3f})"
            for row in shown.itertuples()
        ]
        hidden = int(self.data["withheld"].sum())
        text = f"Impact by {self.subgroup} — " + "; ".join(parts) + "."
        if hidden:
            text += (
                f" {hidden} group(s) withheld: fewer than {self.min_cell_size} students in an "
                "arm, or hidden so that such a group cannot be worked out from the totals."
            )
        if not np.isnan(self.interaction_p):
            differ = "differ" if self.interaction_p < 0.05 else "do not clearly differ"
            text += (
                f" The impacts {differ} between groups (interaction p = {self.interaction_p:.3g})."
            )
        return text

    def chart(self) -> alt.Chart:
        shown = self.data[~self.data["withheld"]]
        base = alt.Chart(shown).encode(y=alt.Y("level:N", title=self.subgroup))
        return (
            base.mark_rule(strokeWidth=3).encode(
                x=alt.X("ci_low:Q", title="Impact (95% interval)"), x2="ci_high:Q"
            )
            + base.mark_point(filled=True, size=80).encode(x="impact:Q")
            + alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#888").encode(x="x:Q")
        ).properties(width=460)


def subgroup_effects(
    data: pd.DataFrame,
    outcome: str,
    treatment: str,
    subgroup: str,
    *,
    covariates=(),
    cluster: str | None = None,
    min_cell_size: int = 10,
) -> SubgroupEffects:
    covariates = list(covariates)
    require_columns(data, [outcome, treatment, subgroup, *covariates, cluster])
    frame = data.dropna(subset=[outcome, treatment, subgroup])
    rows, kept = [], []
    for level, part in frame.groupby(subgroup, sort=True):
        arms = treatment_indicator(part, treatment)
        n_t, n_c = int((arms == 1).sum()), int((arms == 0).sum())
        row = {"level": str(level), "n_treated": n_t, "n_comparison": n_c, "withheld": False}
        if min(n_t, n_c) < min_cell_size:
            row.update(
                withheld=True,
                impact=np.nan,
                se=np.nan,
                ci_low=np.nan,
                ci_high=np.nan,
                p_value=np.nan,
            )
        else:
            result = randomized_pilot(
                part, outcome, treatment, covariates=covariates, cluster=cluster
            )
            row.update(
                impact=result.impact,
                se=result.se,
                ci_low=result.ci_low,
                ci_high=result.ci_high,
                p_value=result.p_value,
            )
            kept.append(level)
        rows.append(row)
    table = pd.DataFrame(rows)
    interaction_p = float("nan")
    if len(kept) >= 2:
        part = frame[frame[subgroup].isin(kept)]
        y = numeric(part, outcome, "outcome")
        d = treatment_indicator(part, treatment)
        levels = pd.get_dummies(
            part[subgroup].astype(str), prefix="g", drop_first=True, dtype=float
        )
        X, _ = design_matrix(part, covariates)
        inter = levels.mul(d, axis=0).add_prefix("treated_x_")
        design = pd.concat([d.rename("treated"), levels, inter, X], axis=1)
        complete = pd.concat([y.rename("__y"), design], axis=1)
        if cluster:
            complete["__cluster"] = part[cluster]
        complete = complete.dropna()
        groups = complete.pop("__cluster").to_numpy() if cluster else None
        se_type = "CR1" if cluster else "HC1"
        results = fit(
            complete.pop("__y").to_numpy(),
            sm.add_constant(complete, has_constant="add"),
            se_type=se_type,
            groups=groups,
        )
        names = list(inter.columns)
        test = results.wald_test(
            np.eye(len(results.params))[[list(results.params.index).index(n) for n in names]],
            scalar=True,
        )
        interaction_p = float(test.pvalue)
    return SubgroupEffects(table, interaction_p, subgroup, min_cell_size)


@dataclass(frozen=True, eq=False)
class GapTrajectory:
    data: pd.DataFrame  # arm, period, mean of each group, gap, students
    reference: str
    focal: str
    change: pd.Series  # by arm: last gap − first gap (negative = narrowing)
    min_cell_size: int

    @property
    def narrowing(self) -> dict:
        return {arm: bool(value < 0) for arm, value in self.change.items()}

    def summary(self) -> str:
        parts = []
        for arm, value in self.change.items():
            if np.isnan(value):
                parts.append(f"{arm}: not enough students to tell")
            else:
                word = "narrowed" if value < 0 else "widened" if value > 0 else "held"
                parts.append(f"{arm}: the gap {word} by {abs(value):.3g}")
        return f"Gap between {self.reference} and {self.focal} — " + "; ".join(parts) + "."

    def chart(self) -> alt.Chart:
        return (
            alt.Chart(self.data.dropna(subset=["gap"]))
            .mark_line(point=True)
            .encode(
                x=alt.X("period:O", title="Period"),
                y=alt.Y("gap:Q", title=f"Gap ({self.reference} − {self.focal})"),
                color=alt.Color("arm:N", title=None),
            )
            .properties(width=480, height=240)
        )


def gap_trajectory(
    data: pd.DataFrame,
    outcome: str,
    group: str,
    period: str,
    *,
    reference,
    focal,
    arm: str | None = None,
    min_cell_size: int = 10,
) -> GapTrajectory:
    """The reference group's mean minus the focal group's, per period (and per arm); a period
    where either group has fewer than `min_cell_size` students shows no gap."""
    require_columns(data, [outcome, group, period, arm])
    frame = data.assign(__y=numeric(data, outcome, "outcome")).dropna(subset=["__y", group, period])
    frame = frame[frame[group].isin([reference, focal])]
    frame = frame.assign(__arm=frame[arm].map({1: "tool", 0: "comparison"}) if arm else "all")
    stats = frame.groupby(["__arm", period, group])["__y"].agg(["mean", "size"]).unstack(group)
    rows = []
    for (arm_name, when), values in stats.iterrows():
        n_ref = values.get(("size", reference), 0) or 0
        n_focal = values.get(("size", focal), 0) or 0
        enough = min(n_ref, n_focal) >= min_cell_size
        rows.append(
            {
                "arm": arm_name,
                "period": when,
                "reference_mean": values.get(("mean", reference)) if enough else np.nan,
                "focal_mean": values.get(("mean", focal)) if enough else np.nan,
                "gap": values.get(("mean", reference)) - values.get(("mean", focal))
                if enough
                else np.nan,
                "students": int(n_ref + n_focal),
            }
        )
    table = pd.DataFrame(rows).sort_values(["arm", "period"]).reset_index(drop=True)
    change = (
        table.dropna(subset=["gap"]).groupby("arm")["gap"].agg(lambda g: g.iloc[-1] - g.iloc[0])
    )
    change = change.reindex(table["arm"].unique())
    return GapTrajectory(table, str(reference), str(focal), change, min_cell_size)
