"""A pilot's report, computed from the governance model's records: who was in it (and who was
left out for consent), attrition and baseline equivalence, the effect on each registered
outcome with its interval, improvement index and the probability of a meaningful effect,
Benjamini–Hochberg across the outcomes, subgroups and gaps, usage against outcome, and an ESSA
tier suggestion. Aggregates only: no student row leaves this module, and subgroup and usage
figures resting on fewer students than the network's minimum cell size are withheld."""

from dataclasses import dataclass, field, replace

import altair as alt
import numpy as np
import pandas as pd

from melior.analysis import evaluation as ev
from melior.analysis.evaluation.equity import ESTIMATES, INTERACTIONS
from melior.analysis.suppression import suppress
from melior.governance.models import SUBGROUPS
from melior.governance.selectors import LABELS
from melior.governance.services import privacy_for

from . import selectors
from .models import Pilot, PilotOutcome

YES_NO_FIELDS = ["economic_disadvantage_status", "english_learner_status", "idea_indicator"]


@dataclass
class OutcomeFinding:
    outcome: PilotOutcome
    result: ev.ImpactResult | None = None
    matched: ev.MatchedComparison | None = None
    attrition: ev.Attrition | None = None
    attrition_unrated: str = ""  # why attrition has no rating (the estimate still stands)
    equivalence: ev.BaselineEquivalence | None = None
    probabilities: ev.MeaningfulEffect | None = None
    adjusted_p: float | None = None
    better: bool | None = None  # the effect is in the better direction
    error: str = ""
    specs: dict = field(default_factory=dict)

    @property
    def chart_ids(self) -> tuple[str, str]:
        return f"effect-{self.outcome.pk}", f"probability-{self.outcome.pk}"

    @property
    def headline(self) -> str:
        """The decision-relevant finding in plain words: how big, which way, how sure."""
        r, o, p = self.result, self.outcome, self.probabilities
        if r is None or p is None:
            return ""
        yes_no = r.effect is not None and r.effect.kind == "cox_index"
        if yes_no:
            size = f"{abs(r.impact) * 100:.1f} percentage points"
            way = "more likely" if r.impact > 0 else "less likely"
            found = f"were about {size} {way} to have “{o.name}”"
            meaningful = f"{o.meaningful_effect * 100:g} percentage points"
        else:
            way = "higher" if r.impact > 0 else "lower"
            found = f"scored about {abs(r.impact):.3g} points {way} on {o.name}"
            meaningful = f"{o.meaningful_effect:g} points"
        up = o.direction == PilotOutcome.Direction.UP
        better, worse = (p.increase, p.decrease) if up else (p.decrease, p.increase)
        if better >= p.certainty:
            sure = f"we are {better:.0%} sure the improvement is meaningful (at least {meaningful})"
        elif worse >= p.certainty:
            sure = f"we are {worse:.0%} sure it made things meaningfully worse"
        elif p.no_change is not None and p.no_change >= p.certainty:
            sure = (
                f"we are {p.no_change:.0%} sure the difference is too small to matter "
                f"(under {meaningful} either way)"
            )
        else:
            sure = (
                f"we cannot yet be sure it matters: there is a {better:.0%} chance of a "
                f"meaningful improvement, short of the {p.certainty:.0%} the team asked for"
            )
        lower = "" if up else " (for this outcome lower is better)"
        return (
            f"Students with {o.pilot.tool} {found} than comparable students without it{lower}; "
            f"{sure}."
        )

    @property
    def cautions(self) -> list[str]:
        """What should temper the headline, in plain words (the figures are in the table)."""
        cautions = []
        if self.attrition is not None and not self.attrition.low:
            cautions.append(
                "More students left the study than the evidence standards allow, so the "
                "estimate may be biased."
            )
        if self.equivalence is not None and not self.equivalence.satisfied:
            cautions.append(
                "The two groups differed at the start by more than the standards allow."
            )
        if not self.outcome.pre_registered or not self.outcome.pilot.registered:
            cautions.append("This outcome was not in the registered plan: treat it as exploratory.")
        return cautions

    @property
    def caption(self) -> str:
        if self.result is None:
            return ""
        r, o = self.result, self.outcome
        better = "" if o.direction == "up" else " (lower is better)"
        if r.effect is not None and r.effect.kind == "cox_index":  # a yes/no outcome
            more = "more" if r.impact > 0 else "less"
            return (
                f"Students with the tool were {abs(r.impact) * 100:.1f} percentage points {more} "
                f"likely to have “{o.name}” than comparable students without it{better}; the "
                f"true difference is probably between {r.ci_low * 100:.1f} and "
                f"{r.ci_high * 100:.1f} points. The dashed lines mark ±"
                f"{o.meaningful_effect * 100:g} points, the change the team said would matter."
            )
        direction = "higher" if r.impact > 0 else "lower"
        return (
            f"Students with the tool scored {abs(r.impact):.1f} points {direction} on {o.name} "
            f"than comparable students without it{better}; the true difference is probably "
            f"between {r.ci_low:.1f} and {r.ci_high:.1f}. The dashed lines mark ±"
            f"{o.meaningful_effect:g}, the change the team said would matter."
        )


@dataclass
class PilotReport:
    pilot: Pilot
    min_cell_size: int
    assigned: dict  # arm -> students assigned
    units: dict  # arm -> schools or classes assigned
    excluded_for_consent: int
    findings: list[OutcomeFinding]
    subgroups: list  # (label, SubgroupEffects or None, why there is none)
    gaps: list  # (label, GapTrajectory)
    usage: pd.DataFrame | None
    usage_spec: dict | None
    essa: ev.EssaTier | None
    sites_analysed: int
    students_analysed: int
    notes: list[str]

    @property
    def primary(self) -> OutcomeFinding | None:
        return next((f for f in self.findings if f.outcome.role == PilotOutcome.Role.PRIMARY), None)


def _latest(queryset) -> pd.Series:
    """Each student's latest value, by date."""
    rows = pd.DataFrame(
        list(queryset.values_list("student_id", "date", "value")),
        columns=["student", "date", "value"],
    )
    if rows.empty:
        return pd.Series(dtype=float)
    return rows.sort_values("date").groupby("student")["value"].last()


def _students(pilot: Pilot) -> pd.DataFrame:
    """One row per student in the pilot: arm (or use of the tool), unit, school, subgroups."""
    if pilot.design == Pilot.Design.RANDOMIZED:
        frame = pd.DataFrame(
            selectors.assignment_rows(pilot),
            columns=["student", "site", "section", "arm"],
        )
        frame["unit"] = np.where(
            frame["section"].notna(),
            "c" + frame["section"].astype(str),
            "s" + frame["site"].astype(str),
        )
        frame[pilot.unit] = frame["unit"]
    else:
        frame = pd.DataFrame(
            selectors.enrolment_rows(pilot),
            columns=["student", "site"],
        ).drop_duplicates("student")
        used = selectors.tool_users(pilot)
        frame["arm"] = frame["student"].isin(used).astype(int)
        frame["unit"] = "s" + frame["site"].astype(str)
    attributes = pd.DataFrame(
        selectors.student_attributes(pilot),
        columns=["student", *SUBGROUPS],
    )
    return frame.merge(attributes, on="student", how="left")


def build_report(pilot: Pilot) -> PilotReport:
    min_cell = privacy_for(pilot.network).min_cell_size
    students = _students(pilot)
    notes = []
    counted_ids = selectors.counted_student_ids(pilot)
    students["counted"] = students["student"].isin(counted_ids)
    excluded = int((~students["counted"]).sum())
    assigned = students.groupby("arm")["student"].size().to_dict()
    units = students.groupby("arm")["unit"].nunique().to_dict()
    # only the records of students counted under the purpose are read at all
    in_window = selectors.outcomes_in_window(pilot)
    baseline = _latest(selectors.baseline_outcomes(pilot)) if pilot.baseline else None
    if baseline is not None:
        students["baseline"] = students["student"].map(baseline)
    findings = []
    frames = {}
    for outcome in pilot.outcomes.all():
        values = _latest(in_window.filter(name=outcome.name))
        frame = students[students["counted"]].assign(y=students["student"].map(values))
        needed = ["y"] + (["baseline"] if baseline is not None else [])
        analysed = frame.dropna(subset=needed)
        frames[outcome.pk] = analysed
        findings.append(_finding(pilot, outcome, students, analysed, baseline is not None))
    _multiple_outcomes(findings)
    primary = next((f for f in findings if f.outcome.role == "primary"), None)
    primary_frame = frames.get(primary.outcome.pk) if primary else None
    subgroups, gaps = [], []
    if primary is not None and primary.result is not None:
        subgroups, gaps = _equity(pilot, primary, primary_frame, min_cell)
    usage, usage_spec = _usage(pilot, primary, primary_frame, min_cell)
    essa = _essa(pilot, findings, primary, primary_frame)
    if excluded:
        notes.append(
            f"{excluded} students in the pilot's schools are left out because consent for "
            f"“{pilot.purpose.name}” was refused, revoked or (for an opt-in purpose) not given; "
            + (
                "they count as attrition."
                if pilot.design == Pilot.Design.RANDOMIZED
                else "they are in neither group."
            )
        )
    return PilotReport(
        pilot=pilot,
        min_cell_size=min_cell,
        assigned=assigned,
        units=units,
        excluded_for_consent=excluded,
        findings=findings,
        subgroups=subgroups,
        gaps=gaps,
        usage=usage,
        usage_spec=usage_spec,
        essa=essa,
        sites_analysed=int(primary_frame["site"].nunique()) if primary_frame is not None else 0,
        students_analysed=len(primary_frame) if primary_frame is not None else 0,
        notes=notes,
    )


def _finding(pilot, outcome, students, analysed, with_baseline) -> OutcomeFinding:
    finding = OutcomeFinding(outcome)
    covariates = ["baseline"] if with_baseline else []
    named = analysed.rename(columns={"y": outcome.name})  # so results and charts name it
    try:
        if pilot.design == Pilot.Design.RANDOMIZED:
            randomized = students.groupby("arm")["student"].size()
            kept = analysed.groupby("arm")["student"].size()
            try:
                finding.attrition = ev.attrition(
                    int(randomized.get(1, 0)),
                    int(randomized.get(0, 0)),
                    int(kept.get(1, 0)),
                    int(kept.get(0, 0)),
                    boundary=pilot.attrition_boundary,
                )
            except ValueError as error:  # the boundary cannot rate it; the effect still stands
                finding.attrition_unrated = str(error)
            if covariates:
                finding.equivalence = ev.baseline_equivalence(
                    analysed, "arm", covariates, adjusted_for=covariates
                )
            finding.result = ev.randomized_pilot(
                named, outcome.name, "arm", covariates=covariates, cluster=pilot.unit
            )
        else:
            if not covariates:
                raise ValueError(
                    "A matched comparison needs the baseline outcome to match on: set it in "
                    "the plan."
                )
            # yes/no subgroups are matched on too, so users and non-users resemble each other
            flags = [s for s in pilot.subgroups if s in YES_NO_FIELDS]
            match_on = analysed.assign(**{f: (analysed[f] == "Yes").astype(int) for f in flags})
            finding.matched = ev.matched_comparison(
                match_on.rename(columns={"y": outcome.name}),
                outcome.name,
                "arm",
                covariates + flags,
            )
            finding.result = finding.matched.impact
            row = finding.matched.balance.set_index("covariate").loc["baseline"]
            finding.equivalence = ev.BaselineEquivalence(
                pd.DataFrame(
                    [
                        {
                            "measure": "baseline",
                            "kind": "continuous",
                            "effect_size": row["wwc_after"],
                            "category": ev.equivalence_category(row["wwc_after"]),
                        }
                    ]
                ),
                ("baseline",),
            )
    except ValueError as error:
        finding.error = str(error)
        return finding
    result = finding.result
    sign = 1 if outcome.direction == PilotOutcome.Direction.UP else -1
    finding.better = result.impact * sign > 0
    finding.probabilities = result.probabilities(
        outcome.meaningful_effect, certainty=pilot.certainty
    )
    finding.specs["effect"] = result.chart(outcome.meaningful_effect).to_dict()
    finding.specs["probabilities"] = _probability_chart(finding.probabilities).to_dict()
    return finding


def _probability_chart(p: ev.MeaningfulEffect) -> alt.Chart:
    frame = pd.DataFrame(
        {
            "what": [
                f"decrease of {p.meaningful:g} or more",
                f"change smaller than {p.meaningful:g}",
                f"increase of {p.meaningful:g} or more",
            ],
            "probability": [p.decrease, p.no_change, p.increase],
        }
    ).dropna()  # no middle band when the meaningful change is 0
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("probability:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("what:N", sort=None, title=None),
            tooltip=[alt.Tooltip("probability:Q", format=".0%"), "what:N"],
        )
        .properties(width=420, height=90)
    )


def _multiple_outcomes(findings) -> None:
    """Benjamini–Hochberg within the primary outcomes and within the secondary ones."""
    for role in PilotOutcome.Role.values:
        group = [f for f in findings if f.outcome.role == role and f.result is not None]
        if not group:
            continue
        adjusted, _ = ev.benjamini_hochberg([f.result.p_value for f in group])
        for finding, p in zip(group, adjusted, strict=True):
            finding.adjusted_p = float(p)


def _equity(pilot, primary, frame, min_cell):
    subgroups, gaps = [], []
    cluster = pilot.unit if pilot.design == Pilot.Design.RANDOMIZED else None
    covariates = ["baseline"] if "baseline" in frame else []
    registered = pilot.registered_plan
    for field_name in pilot.subgroups:
        label = SUBGROUPS[field_name]
        if registered is not None and label not in registered["subgroups"].split(", "):
            label += " (exploratory: not in the registered plan)"
        known = frame[frame[field_name].fillna("") != ""].rename(columns={field_name: label})
        known[label] = known[label].replace(LABELS[field_name])
        try:
            effects = ev.subgroup_effects(
                known.rename(columns={"y": primary.outcome.name}),
                primary.outcome.name,
                "arm",
                label,
                covariates=covariates,
                cluster=cluster,
                min_cell_size=min_cell,
            )
        except ValueError as error:
            subgroups.append((label, None, str(error)))
            continue
        subgroups.append((label, _protect_groups(effects, min_cell), ""))
        if set(known[label].unique()) == {"Yes", "No"} and covariates:
            # before (baseline) and during (outcome), each as z-scores so the scales agree
            long = pd.concat(
                [
                    known.assign(score=_z(known["baseline"]), period="before the pilot"),
                    known.assign(score=_z(known["y"]), period="during the pilot"),
                ]
            )
            try:
                gap = ev.gap_trajectory(
                    long,
                    "score",
                    label,
                    "period",
                    reference="No",
                    focal="Yes",
                    arm="arm",
                    min_cell_size=min_cell,
                )
            except ValueError:
                continue  # the subgroup's own message already says why
            gaps.append((label, gap))
    return subgroups, gaps


def _protect_groups(effects, min_cell: int):
    """The report gives each arm's students, so a group withheld for being small would be its
    arm's total minus the groups shown. The groups' students per arm are a table like any
    other: a group is withheld wherever small-cell suppression hides one of its counts, and
    every group withheld for its size or to protect another reads the same."""
    data = effects.data
    if data.empty:
        return effects
    counts = pd.DataFrame(
        [data["n_treated"].to_numpy(), data["n_comparison"].to_numpy()],
        index=["tool", "comparison"],
        columns=data["level"],
    )
    small = data[["n_treated", "n_comparison"]].min(axis=1).to_numpy() < min_cell
    hidden = suppress(counts, min_cell).hidden.any(axis=0).to_numpy() | small
    data = data.copy()
    data.loc[hidden, "withheld"] = True
    data.loc[hidden, list(ESTIMATES + INTERACTIONS)] = np.nan
    data.loc[hidden, "reason"] = (
        f"fewer than {min_cell} students in an arm, or hidden so that such a group cannot be "
        "worked out"
    )
    return replace(effects, data=data)


def _z(values: pd.Series) -> pd.Series:
    sd = values.std(ddof=1)
    return (values - values.mean()) / sd if sd > 0 else values * 0


def _usage(pilot, primary, frame, min_cell):
    """Among students with the tool: low, moderate and high use (thirds of total minutes in the
    pilot window) against the primary outcome. Descriptive: heavier users may differ anyway."""
    if primary is None or primary.result is None or frame is None:
        return None, None
    tool = frame[frame["arm"] == 1]
    minutes = selectors.usage_minutes(pilot)
    tool = tool.assign(minutes=tool["student"].map(minutes).fillna(0))
    if len(tool) < 3 * min_cell or tool["minutes"].nunique() < 3:
        return None, None
    tool["use"] = pd.qcut(
        tool["minutes"].rank(method="first"), 3, labels=["low use", "moderate use", "high use"]
    )
    bands = tool.groupby("use", observed=True).agg(
        students=("student", "size"),
        minutes=("minutes", "median"),
        outcome=("y", "mean"),
    )
    bands = bands.reset_index()
    bands.loc[bands["students"] < min_cell, ["minutes", "outcome"]] = np.nan
    comparison = frame.loc[frame["arm"] == 0, "y"]
    if len(comparison) >= min_cell:
        bands = pd.concat(
            [
                pd.DataFrame(
                    [
                        {
                            "use": "comparison (no tool)",
                            "students": len(comparison),
                            "minutes": 0.0,
                            "outcome": comparison.mean(),
                        }
                    ]
                ),
                bands,
            ],
            ignore_index=True,
        )
    bands["use"] = bands["use"].astype(str)
    spec = (
        alt.Chart(bands.dropna(subset=["outcome"]))
        .mark_point(filled=True, size=140)
        .encode(
            x=alt.X("use:N", sort=None, title=None),
            y=alt.Y("outcome:Q", title=f"Mean {primary.outcome.name}", scale=alt.Scale(zero=False)),
            tooltip=["use:N", "students:Q", "minutes:Q", alt.Tooltip("outcome:Q", format=".1f")],
        )
        .properties(width=420, height=220)
        .to_dict()
    )
    return bands, spec


def _essa(pilot, findings, primary, frame):
    if primary is None or primary.result is None:
        return None
    primaries = [f for f in findings if f.outcome.role == "primary" and f.result is not None]
    significant_positive = any(f.better and (f.adjusted_p or 1) < 0.05 for f in primaries)
    negative = any(
        f.result is not None and f.better is False and (f.adjusted_p or 1) < 0.05 for f in findings
    )
    return ev.essa_tier(
        design="randomized" if pilot.design == Pilot.Design.RANDOMIZED else "matched",
        low_attrition=primary.attrition.low if primary.attrition else None,
        baseline_equivalent=primary.equivalence.satisfied if primary.equivalence else None,
        significant_positive=significant_positive,
        negative_finding=negative,
        students=len(frame),
        sites=int(frame["site"].nunique()),
        # the plan's hypotheses are its stated rationale: without them, no Tier 4
        logic_model=bool(pilot.hypotheses.strip()),
    )
