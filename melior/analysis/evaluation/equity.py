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
from .impact import fit, interval, term


@dataclass(frozen=True, eq=False)
class SubgroupEffects:
    # one row per level: n per arm, impact, SE, CI, p (or withheld, with the reason), and the
    # interaction with the reference level: the difference in impact, its SE, CI and p
    data: pd.DataFrame
    interaction_p: float  # do the impacts differ across levels? (joint Wald test)
    subgroup: str
    min_cell_size: int
    reference: str | None = None  # the level each interaction is measured against

    def summary(self) -> str:
        shown = self.data[~self.data["withheld"]]
        parts = [
            f"{row.level}: {row.impact:+.3f} (95% CI {row.ci_low:+.3f} to {row.ci_high:+.3f})"
            + (
                f", {row.interaction:+.3f} against {self.reference} (95% CI "
                f"{row.interaction_ci_low:+.3f} to {row.interaction_ci_high:+.3f})"
                if not np.isnan(row.interaction)
                else ""
            )
            for row in shown.itertuples()
        ]
        hidden = int(self.data["withheld"].sum())
        text = f"Impact by {self.subgroup} — " + (
            "; ".join(parts) + "." if parts else "no group large enough to estimate."
        )
        if hidden:
            text += (
                f" {hidden} group(s) withheld: "
                + "; ".join(
                    f"{row.level} ({row.reason})"
                    for row in self.data[self.data["withheld"]].itertuples()
                )
                + "."
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


ESTIMATES = ("impact", "se", "ci_low", "ci_high", "p_value")
INTERACTIONS = (
    "interaction",
    "interaction_se",
    "interaction_ci_low",
    "interaction_ci_high",
    "interaction_p",
)


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
    """The impact within each level of `subgroup`, each level's interaction with the first
    level (the difference between their impacts, from one regression with assignment ×
    level terms) and the joint test that the impacts differ. A level with fewer than
    `min_cell_size` students in either arm is withheld; a subgroup nobody has a value for, or
    everyone shares one value of, is refused with a message (there is nothing to compare)."""
    covariates = list(covariates)
    require_columns(data, [outcome, treatment, subgroup, *covariates, cluster])
    frame = data.assign(**{outcome: numeric(data, outcome, "outcome")}).dropna(
        subset=[outcome, treatment, subgroup]
    )
    if frame.empty:
        raise ValueError(
            f"No student with an outcome has a recorded {subgroup}: there is no subgroup to report."
        )
    frame = frame.assign(**{subgroup: frame[subgroup].astype(str)})
    levels_present = sorted(frame[subgroup].unique())
    if len(levels_present) < 2:
        raise ValueError(
            f"Every student with a recorded {subgroup} is “{levels_present[0]}”: there is no "
            "second group to compare with."
        )
    rows, kept = [], []
    for level in levels_present:
        part = frame[frame[subgroup] == level]
        arms = treatment_indicator(part, treatment)
        n_t, n_c = int((arms == 1).sum()), int((arms == 0).sum())
        row = {"level": level, "n_treated": n_t, "n_comparison": n_c, "withheld": False}
        row.update(dict.fromkeys(ESTIMATES + INTERACTIONS, np.nan), reason="")
        if min(n_t, n_c) < min_cell_size:
            row.update(withheld=True, reason=f"fewer than {min_cell_size} students in an arm")
        else:
            try:
                result = randomized_pilot(
                    part, outcome, treatment, covariates=covariates, cluster=cluster
                )
            except ValueError as error:
                row.update(withheld=True, reason=str(error))
            else:
                row.update({name: getattr(result, name) for name in ESTIMATES})
                kept.append(level)
        rows.append(row)
    table = pd.DataFrame(rows)
    interaction_p = float("nan")
    reference = kept[0] if len(kept) >= 2 else None
    if reference is not None:
        interaction_p = _interactions(
            table,
            frame[frame[subgroup].isin(kept)],
            outcome,
            treatment,
            subgroup,
            kept,
            covariates,
            cluster,
        )
    return SubgroupEffects(table, interaction_p, subgroup, min_cell_size, reference)


def _interactions(table, part, outcome, treatment, subgroup, kept, covariates, cluster):
    """Fill each level's interaction with the reference level (the first kept) into `table`;
    return the joint Wald test's p-value."""
    y = part[outcome].astype(float)
    d = treatment_indicator(part, treatment)
    levels = pd.DataFrame(
        {f"g_{level}": (part[subgroup] == level).astype(float) for level in kept[1:]},
        index=part.index,
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
    for level, name in zip(kept[1:], inter.columns, strict=True):
        estimate, se, df, p = term(results, name, se_type, groups)
        low, high = interval(estimate, se, df)
        table.loc[table["level"] == level, list(INTERACTIONS)] = [estimate, se, low, high, p]
    names = list(inter.columns)
    test = results.wald_test(
        np.eye(len(results.params))[[list(results.params.index).index(n) for n in names]],
        scalar=True,
    )
    return float(test.pvalue)


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

    @property
    def change_between_arms(self) -> float:
        """How much more the gap changed in the tool's arm than in the comparison arm (negative:
        it narrowed more with the tool); missing when either arm's change is."""
        if not {"tool", "comparison"} <= set(self.change.index):
            return float("nan")
        return float(self.change["tool"] - self.change["comparison"])

    def summary(self) -> str:
        parts = []
        for arm, value in self.change.items():
            if np.isnan(value):
                parts.append(f"{arm}: not enough students to tell")
            else:
                word = "narrowed" if value < 0 else "widened" if value > 0 else "held"
                parts.append(f"{arm}: the gap {word} by {abs(value):.3g}")
        text = f"Gap between {self.reference} and {self.focal} — " + "; ".join(parts) + "."
        between = self.change_between_arms
        if not np.isnan(between):
            text += (
                f" With the tool the gap changed by {between:+.3g} more than without it "
                "(negative: it narrowed more)."
            )
        return text

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
    where either group has fewer than `min_cell_size` students shows no gap. Refused with a
    message when no student with a score belongs to either group."""
    require_columns(data, [outcome, group, period, arm])
    frame = data.assign(__y=numeric(data, outcome, "outcome")).dropna(subset=["__y", group, period])
    frame = frame[frame[group].isin([reference, focal])]
    if arm:
        frame = frame.assign(__arm=treatment_indicator(frame, arm)).dropna(subset=["__arm"])
        frame = frame.assign(__arm=frame["__arm"].map({1.0: "tool", 0.0: "comparison"}))
    else:
        frame = frame.assign(__arm="all")
    if frame.empty:
        raise ValueError(
            f"No student with a score is in {reference} or {focal} of {group}: there is no gap "
            "to follow."
        )
    rows = []
    for (arm_name, when), part in frame.groupby(["__arm", period], sort=True):
        ref = part.loc[part[group] == reference, "__y"]
        foc = part.loc[part[group] == focal, "__y"]
        enough = min(len(ref), len(foc)) >= min_cell_size and len(ref) > 0 and len(foc) > 0
        rows.append(
            {
                "arm": arm_name,
                "period": when,
                "reference_mean": ref.mean() if enough else np.nan,
                "focal_mean": foc.mean() if enough else np.nan,
                "gap": ref.mean() - foc.mean() if enough else np.nan,
                "students": len(ref) + len(foc),
            }
        )
    table = pd.DataFrame(rows).sort_values(["arm", "period"]).reset_index(drop=True)
    change = (
        table.dropna(subset=["gap"]).groupby("arm")["gap"].agg(lambda g: g.iloc[-1] - g.iloc[0])
    )
    change = change.reindex(table["arm"].unique()).astype(float)
    return GapTrajectory(table, str(reference), str(focal), change, min_cell_size)
