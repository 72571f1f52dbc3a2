"""One entry point per design, each returning an ImpactResult (or a result that holds one):

- `randomized_pilot` — students, classes or schools assigned at random; optional covariates and
  blocks (fixed effects); HC1 standard errors, or CR1 by the assigned cluster;
- `matched_comparison` — users of a tool against similar non-users: a logistic propensity
  score, nearest-neighbour matching on its logit with a caliper, with or without replacement,
  balance before and after, the effect on the treated (ATT);
- `difference_in_differences` — the 2×2 comparison, or two-way fixed effects for a panel;
- `interrupted_time_series` — segmented regression of a series with HAC standard errors.
"""

import warnings
from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import PerfectSeparationError, PerfectSeparationWarning

from ._data import check_two_arms, design_matrix, numeric, require_columns, treatment_indicator
from .effects import cox_index, hedges_g, is_binary, standardized_difference
from .impact import ImpactResult, fit, term

TREATED = "treated"
DISTANCE = "distance (propensity score)"


def _effect(y, treated, impact):
    """The WWC effect size: covariate-adjusted g for a continuous outcome, the Cox index (from
    the groups' proportions) for a 0/1 outcome."""
    yt, yc = y[treated == 1], y[treated == 0]
    if is_binary(y):
        try:
            return cox_index(yt.mean(), yc.mean(), len(yt), len(yc))
        except ValueError:
            return None
    try:
        return hedges_g(yt, yc, adjusted_difference=impact)
    except ValueError:
        return None


def randomized_pilot(
    data: pd.DataFrame,
    outcome: str,
    treatment: str,
    *,
    covariates=(),
    blocks: str | None = None,
    cluster: str | None = None,
    min_clusters: int = 2,
    se_type: str | None = None,
    weights: str | None = None,
) -> ImpactResult:
    """The impact of being assigned to the tool (intent to treat). `cluster` names the unit
    that was assigned (class, school) when it was not the student: standard errors are then
    cluster-robust on G − 1 degrees of freedom, and each arm needs at least `min_clusters`. A
    cluster coarser than the unit assigned (schools, when classes were drawn) is allowed with a
    note. `se_type` "classical" gives the homoskedastic standard errors that published tables
    often print (default: HC1, or CR1 with a cluster). `weights` names a column of matching or
    inverse-probability weights (weighted least squares; rows weighted 0 are left out)."""
    covariates = list(covariates)
    require_columns(data, [outcome, treatment, *covariates, blocks, cluster, weights])
    chosen = se_type or ("CR1" if cluster else "HC1")
    if chosen not in {"HC1", "CR1", "classical"}:
        raise ValueError("Choose HC1, CR1 or classical standard errors.")
    if chosen == "CR1" and not cluster:
        raise ValueError("Cluster-robust (CR1) standard errors need the cluster column.")
    y_all = numeric(data, outcome, "outcome")
    if y_all.isna().all():
        raise ValueError(f"The outcome “{outcome}” has no values.")
    treated_all = treatment_indicator(data, treatment)
    X, dropped_covariates = design_matrix(data, covariates)
    frame = pd.concat([y_all.rename("__y"), treated_all.rename(TREATED), X], axis=1)
    block_columns = []
    if blocks:
        block_dummies = pd.get_dummies(
            data[blocks].astype(str), prefix="block", drop_first=True, dtype=float
        )
        block_columns = list(block_dummies.columns)
        frame = frame.join(block_dummies)
        frame["__block"] = data[blocks]
    if cluster:
        frame["__cluster"] = data[cluster]
    if weights:
        w = numeric(data, weights, "weight")
        if (w < 0).any():
            raise ValueError(f"The weights “{weights}” must not be negative.")
        frame["__weight"] = w
    complete = frame.dropna()
    if weights:
        complete = complete[complete["__weight"] > 0]
    dropped = len(frame) - len(complete)
    if complete.empty:
        raise ValueError("No student has the outcome, the treatment and every covariate.")
    y = complete.pop("__y").to_numpy()
    groups = complete.pop("__cluster").to_numpy() if cluster else None
    block_labels = complete.pop("__block") if blocks else None
    w = complete.pop("__weight").to_numpy() if weights else None
    treated = complete[TREATED].to_numpy()
    check_two_arms(treated)
    notes = [
        f"Covariate(s) that do not vary were left out: {', '.join(dropped_covariates)}."
    ] * bool(dropped_covariates)
    if weights:
        notes.append(f"Weighted least squares with the weights in “{weights}”.")
    n_clusters = None
    counted = None
    if cluster:
        per_arm = pd.Series(groups).groupby(treated).nunique()
        if per_arm.min() < min_clusters:
            raise ValueError(
                f"Too few clusters: {int(per_arm.get(1.0, 0))} assigned to the tool and "
                f"{int(per_arm.get(0.0, 0))} to the comparison; each needs at least {min_clusters}."
            )
        mixed = pd.Series(treated).groupby(groups).nunique()
        if (mixed > 1).any():
            notes.append(
                f"{int((mixed > 1).sum())} {cluster}(s) have students in both groups: the "
                f"units assigned are smaller than the {cluster}, and standard errors clustered "
                f"by {cluster} are conservative, as asked (the usual choice is to cluster by "
                "the unit assigned)."
            )
        n_clusters = len(mixed)
        if n_clusters < 30:
            notes.append(
                f"Only {n_clusters} clusters: cluster-robust standard errors are approximate "
                "with fewer than about 30."
            )
        if blocks and chosen == "CR1":
            # block effects nested within the clusters do not count in CR1's k
            nested = pd.Series(groups).groupby(block_labels.to_numpy()).nunique().max() == 1
            if nested:
                counted = 1 + complete.shape[1] - len(block_columns)
    design = sm.add_constant(complete, has_constant="add")
    results = fit(y, design, se_type=chosen, groups=groups, weights=w, counted_parameters=counted)
    return ImpactResult.from_fit(
        results,
        TREATED,
        se_type=chosen,
        groups=groups,
        outcome_sd=y.std(ddof=1),
        effect=lambda impact: _effect(y, treated, impact),
        design="Randomised pilot" + (f" (by {cluster})" if cluster else ""),
        outcome=outcome,
        n_treated=int(treated.sum()),
        n_comparison=int(len(treated) - treated.sum()),
        clusters=n_clusters,
        covariates=tuple(c for c in covariates) + ((f"blocks ({blocks})",) if blocks else ()),
        dropped=dropped,
        notes=tuple(notes),
    )


@dataclass(frozen=True, eq=False)
class MatchedComparison:
    impact: ImpactResult  # the ATT, estimated on the matched sample
    balance: pd.DataFrame  # per covariate: before and after, WWC and ATT conventions
    pairs: pd.DataFrame  # treated row label, matched comparison row label, distance
    unmatched_treated: int
    caliper: float | None  # in SDs of the logit propensity score
    replace: bool
    propensity: pd.Series  # each analysed student's propensity score
    naive: ImpactResult  # the plain difference before matching, labelled as naive

    @property
    def data(self) -> pd.DataFrame:
        return self.balance

    def summary(self) -> str:
        worst = self.balance.set_index("covariate")["wwc_after"].abs()
        return (
            f"Matched {len(self.pairs)} treated students to "
            f"{self.pairs['comparison'].nunique()} comparison students "
            f"({'with' if self.replace else 'without'} replacement"
            + (
                f", caliper {self.caliper:g} SD of the logit propensity score"
                if self.caliper
                else ""
            )
            + f"); {self.unmatched_treated} treated students had no match within the caliper.\n"
            f"Largest baseline difference after matching: {worst.idxmax()} "
            f"{worst.max():.3f} SD (WWC).\n" + self.impact.summary()
        )

    def chart(self) -> alt.Chart:
        """A Love plot: each covariate's standardised difference before and after matching."""
        long = self.balance.melt(
            id_vars="covariate", value_vars=["wwc_before", "wwc_after"], var_name="when"
        )
        long["when"] = long["when"].map({"wwc_before": "before", "wwc_after": "after"})
        points = (
            alt.Chart(long)
            .mark_point(filled=True, size=70)
            .encode(
                x=alt.X("value:Q", title="Standardised difference (WWC: Hedges' g / Cox index)"),
                y=alt.Y("covariate:N", title=None, sort=None),
                color=alt.Color("when:N", title="Matching"),
                tooltip=["covariate:N", "when:N", alt.Tooltip("value:Q", format=".3f")],
            )
        )
        bands = (
            alt.Chart(pd.DataFrame({"x": [-0.25, -0.05, 0.05, 0.25]}))
            .mark_rule(strokeDash=[4, 3], color="#999")
            .encode(x="x:Q")
        )
        return (bands + points).properties(width=480)


def _check_separation(X: pd.DataFrame, treated: np.ndarray) -> None:
    """Name the covariates that alone tell users from non-users (perfect separation)."""
    culprits = []
    for column in X.columns:
        x = X[column].to_numpy()
        t, c = x[treated == 1], x[treated == 0]
        if t.min() > c.max() or t.max() < c.min():
            culprits.append(str(column))
    if culprits:
        raise ValueError(
            "Perfect separation: " + ", ".join(culprits) + " alone tells users from non-users, so "
            "no comparison student resembles a user on it. Leave it out of the propensity "
            "model or restrict the sample to where the groups overlap."
        )


def _propensity(X: pd.DataFrame, treated: np.ndarray) -> np.ndarray:
    """The logit of each student's propensity score from a logistic regression."""
    _check_separation(X, treated)
    design = sm.add_constant(X.to_numpy(dtype=float), has_constant="add")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence chatter: the checks below decide
            warnings.simplefilter("error", PerfectSeparationWarning)
            model = sm.Logit(treated, design).fit(disp=0, maxiter=100)
    except (PerfectSeparationError, PerfectSeparationWarning, np.linalg.LinAlgError):
        raise ValueError(
            "Perfect separation: the covariates together tell users from non-users exactly, so "
            "no comparison student resembles a user. Use fewer covariates or a sample where the "
            "groups overlap."
        ) from None
    linear = design @ model.params
    if np.abs(linear).max() > 30:
        raise ValueError(
            "Near-perfect separation: some students' propensity scores are 0 or 1. Use fewer "
            "covariates or a sample where the groups overlap."
        )
    return linear


def _match_without_replacement(t_score, c_score, caliper_width):
    """Greedy nearest-neighbour matching, treated students taken from the highest propensity
    score down (MatchIt's default order; ties in data order); each comparison student is used
    once. Of several comparison students equally near, the first in data order is taken, as
    MatchIt does. Free
    neighbours are found with two "next free" pointer arrays (union–find with path halving),
    so the whole match is O(n log n)."""
    order_c = np.argsort(c_score, kind="stable")
    sorted_c = c_score[order_c]
    n = len(sorted_c)
    tie_start = np.searchsorted(sorted_c, sorted_c, side="left").tolist()  # first equal score
    data_order = order_c.tolist()
    right = list(range(n + 1))  # next free position at or after i (n: none)
    left = list(range(n + 1))  # next free position at or before i-1, shifted by one (0: none)

    def free_right(i):
        while right[i] != i:
            right[i] = right[right[i]]
            i = right[i]
        return i

    def free_left(i):  # i is a position + 1
        while left[i] != i:
            left[i] = left[left[i]]
            i = left[i]
        return i

    matches = np.full(len(t_score), -1)
    positions = np.searchsorted(sorted_c, t_score).tolist()
    scores, values = t_score.tolist(), sorted_c.tolist()  # Python floats: a faster loop
    for k in np.argsort(-t_score, kind="stable").tolist():
        score, position = scores[k], positions[k]
        r = free_right(position)
        l1 = free_left(position)  # l1 - 1 is the free position to the left, if l1 > 0
        best, gap = -1, np.inf
        if r < n:
            best, gap = r, values[r] - score
        if l1 > 0:
            # the first free student, in data order, among those sharing the left score
            first = free_right(tie_start[l1 - 1])
            left_gap = score - values[first]
            if left_gap < gap or (left_gap == gap and data_order[first] < data_order[best]):
                best, gap = first, left_gap
        if best < 0 or (caliper_width is not None and gap > caliper_width):
            continue
        matches[k] = data_order[best]
        right[best] = best + 1
        left[best + 1] = best
    return matches


def _match_with_replacement(t_score, c_score, caliper_width):
    order_c = np.argsort(c_score, kind="stable")
    sorted_c = c_score[order_c]
    position = np.clip(np.searchsorted(sorted_c, t_score), 1, len(sorted_c) - 1)
    # the first, in data order, of the students sharing each neighbouring score
    left = np.searchsorted(sorted_c, sorted_c[position - 1], side="left")
    right = np.searchsorted(sorted_c, sorted_c[position], side="left")
    left_gap, right_gap = np.abs(t_score - sorted_c[left]), np.abs(sorted_c[right] - t_score)
    take_left = (left_gap < right_gap) | (
        (left_gap == right_gap) & (order_c[left] < order_c[right])
    )
    nearest = np.where(take_left, left, right)
    if len(sorted_c) == 1:
        nearest = np.zeros(len(t_score), dtype=int)
    gap = np.abs(sorted_c[nearest] - t_score)
    matches = order_c[nearest]
    if caliper_width is not None:
        matches = np.where(gap <= caliper_width, matches, -1)
    return matches


def matched_comparison(
    data: pd.DataFrame,
    outcome: str,
    treatment: str,
    covariates,
    *,
    caliper: float | None = 0.2,
    replace: bool = False,
    adjust: bool = True,
) -> MatchedComparison:
    """The effect on the students who used the tool (ATT), against comparison students matched
    on the propensity score. `caliper` is in SDs of the logit propensity score (0.2 is Austin's
    recommendation; None matches everyone). With `adjust`, the outcome regression on the
    matched sample also adjusts for the covariates ("doubly robust")."""
    covariates = list(covariates)
    if not covariates:
        raise ValueError("Name the baseline covariates to match on.")
    require_columns(data, [outcome, treatment, *covariates])
    y_all = numeric(data, outcome, "outcome")
    if y_all.isna().all():
        raise ValueError(f"The outcome “{outcome}” has no values.")
    treated_all = treatment_indicator(data, treatment)
    X_all, dropped_covariates = design_matrix(data, covariates)
    frame = pd.concat([y_all.rename("__y"), treated_all.rename(TREATED), X_all], axis=1).dropna()
    dropped = int(len(data) - len(frame))
    treated = frame[TREATED].to_numpy()
    check_two_arms(treated)
    X = frame.drop(columns=["__y", TREATED])
    score = _propensity(X, treated)
    width = caliper * score.std(ddof=1) if caliper else None
    t_index = np.flatnonzero(treated == 1)
    c_index = np.flatnonzero(treated == 0)
    matcher = _match_with_replacement if replace else _match_without_replacement
    found = matcher(score[t_index], score[c_index], width)
    ok = found >= 0
    if not ok.any():
        raise ValueError(
            "No treated student has a comparison student within the caliper: widen the caliper "
            "or check that the groups overlap."
        )
    t_rows, c_rows = t_index[ok], c_index[found[ok]]
    pairs = pd.DataFrame(
        {
            "treated": frame.index[t_rows],
            "comparison": frame.index[c_rows],
            "distance": np.abs(score[t_rows] - score[c_rows]),
        }
    )
    # the matched sample: each treated student once, each comparison student weighted by how
    # many treated students it stands for
    weights_c = pd.Series(1.0, index=c_rows).groupby(level=0).sum()
    rows = np.concatenate([t_rows, weights_c.index.to_numpy()])
    weights = np.concatenate([np.ones(len(t_rows)), weights_c.to_numpy()])
    matched = frame.iloc[rows]
    y = matched["__y"].to_numpy()
    d = matched[TREATED].to_numpy()
    terms = [TREATED] + (list(X.columns) if adjust else [])
    design = sm.add_constant(matched[terms], has_constant="add")
    if replace:
        se_type, groups = "HC1", None
        results = fit(y, design, se_type="HC1", weights=weights)
    else:
        se_type = "CR1"
        pair_of = np.empty(len(frame), dtype=np.int64)
        pair_of[t_rows] = np.arange(len(t_rows))
        pair_of[c_rows] = np.arange(len(t_rows))
        groups = pair_of[rows]
        results = fit(y, design, se_type="CR1", groups=groups)
    yt, yc = y[d == 1], y[d == 0]
    impact = float(results.params[TREATED])
    notes = [
        f"Effect on the treated (ATT): {int(ok.sum())} of {len(t_index)} users matched; "
        f"{'with' if replace else 'without'} replacement."
    ]
    if dropped_covariates:
        notes.append(
            f"Covariate(s) that do not vary were left out: {', '.join(dropped_covariates)}."
        )
    effect = None
    if is_binary(y):
        try:
            effect = cox_index(yt.mean(), np.average(yc, weights=weights[d == 0]), len(yt), len(yc))
        except ValueError:
            effect = None
    elif len(yt) > 1 and len(yc) > 1:
        try:
            effect = hedges_g(yt, yc, adjusted_difference=impact)
        except ValueError:
            effect = None
    result = ImpactResult.from_fit(
        results,
        TREATED,
        se_type=se_type,
        groups=groups,
        outcome_sd=y.std(ddof=1),
        effect=effect,
        design="Matched comparison",
        outcome=outcome,
        n_treated=len(t_rows),
        n_comparison=len(weights_c),
        covariates=tuple(covariates) if adjust else (),
        dropped=dropped,
        notes=tuple(notes),
    )
    # the balance table shows every level of a text covariate (the model leaves one out) and
    # the distance as MatchIt reports it: the propensity score itself, not its logit
    levels, _ = design_matrix(data.loc[frame.index], covariates, all_levels=True)
    propensity = 1 / (1 + np.exp(-score))
    balance = _balance(levels.assign(**{DISTANCE: propensity}), treated, t_rows, c_rows)
    naive_fit = fit(frame["__y"].to_numpy(), sm.add_constant(frame[[TREATED]]), se_type="HC1")
    naive = ImpactResult.from_fit(
        naive_fit,
        TREATED,
        se_type="HC1",
        outcome_sd=frame["__y"].std(ddof=1),
        effect=lambda impact: _effect(frame["__y"].to_numpy(), treated, impact),
        design="Naive comparison (all users against all non-users, unmatched)",
        outcome=outcome,
        n_treated=int(treated.sum()),
        n_comparison=int(len(treated) - treated.sum()),
        dropped=dropped,
        notes=(
            "Naive comparison: users and non-users chose themselves and differ before the "
            "tool, so this difference is not the tool's effect; the matched estimate is.",
        ),
    )
    return MatchedComparison(
        result,
        balance,
        pairs,
        int((~ok).sum()),
        caliper,
        replace,
        pd.Series(propensity, index=frame.index, name="propensity"),
        naive,
    )


def _balance(X: pd.DataFrame, treated, t_rows, c_rows) -> pd.DataFrame:
    """Each covariate before and after matching: group means, the WWC effect size and the ATT
    standardised mean difference (÷ the SD of all treated students, as MatchIt does)."""
    rows = []
    matched_rows = np.concatenate([t_rows, c_rows])  # repeats keep replacement weights
    flags = np.concatenate([np.ones(len(t_rows)), np.zeros(len(c_rows))])
    for column in X.columns:
        x = X[column].to_numpy(dtype=float)
        xm = x[matched_rows]
        rows.append(
            {
                "covariate": str(column),
                "mean_treated": x[treated == 1].mean(),
                "mean_comparison_before": x[treated == 0].mean(),
                "mean_comparison_after": xm[flags == 0].mean(),
                "wwc_before": _safe(lambda x=x: standardized_difference(x, treated == 1, "wwc")),
                "wwc_after": _safe(lambda xm=xm: standardized_difference(xm, flags == 1, "wwc")),
                "att_before": _att(x[treated == 1], x[treated == 0], x[treated == 1]),
                "att_after": _att(xm[flags == 1], xm[flags == 0], x[treated == 1]),
            }
        )
    return pd.DataFrame(rows)


def _att(xt, xc, reference):
    binary = np.isin(reference, (0, 1)).all()
    sd = np.sqrt(reference.mean() * (1 - reference.mean())) if binary else reference.std(ddof=1)
    return float((xt.mean() - xc.mean()) / sd) if sd > 0 else float("nan")


def _safe(compute):
    try:
        return compute()
    except ValueError:
        return float("nan")


def difference_in_differences(
    data: pd.DataFrame,
    outcome: str,
    treated: str,
    post: str,
    *,
    unit: str | None = None,
    time: str | None = None,
    covariates=(),
    cluster: str | None = None,
    se_type: str | None = None,
) -> ImpactResult:
    """With `unit` and `time`: two-way fixed effects, outcome on (treated × post) after
    removing each unit's and each period's mean, standard errors clustered by unit (or
    `cluster`). Without: the 2×2 regression y = a + b·treated + c·post + δ·treated×post, HC1
    (or CR1 by `cluster`, or `se_type="classical"`). δ is the impact."""
    covariates = list(covariates)
    require_columns(data, [outcome, treated, post, unit, time, cluster, *covariates])
    y = numeric(data, outcome, "outcome")
    if y.isna().all():
        raise ValueError(f"The outcome “{outcome}” has no values.")
    g = treatment_indicator(data, treated)
    p = treatment_indicator(data, post)
    X, _ = design_matrix(data, covariates)
    frame = pd.concat([y.rename("__y"), g.rename("__g"), p.rename("__p"), X], axis=1).assign(
        **{"treated_x_post": g * p}
    )
    for extra, name in ((unit, "__unit"), (time, "__time"), (cluster, "__cluster")):
        if extra:
            frame[name] = data[extra]
    frame = frame.dropna()
    dropped = int(len(data) - len(frame))
    check_two_arms(frame["__g"].to_numpy())
    check_two_arms(frame["__p"].to_numpy())
    if not ((frame["__g"] == 1) & (frame["__p"] == 1)).any():
        raise ValueError("No treated observations after the change: nothing to estimate.")
    cluster_column = "__cluster" if cluster else ("__unit" if unit and time else None)
    chosen = se_type or ("CR1" if cluster_column else "HC1")
    groups = frame[cluster_column].to_numpy() if chosen == "CR1" else None
    notes = ["Counts are observations (student × period), not students."]
    if groups is not None:
        treated_clusters = frame.loc[frame["__g"] == 1, cluster_column].nunique()
        if treated_clusters == 1:
            notes.append(
                "Only one treated cluster: cluster-robust standard errors cannot be trusted "
                "with a single treated cluster (they understate the uncertainty); treat the "
                "interval as too narrow."
            )
    if unit and time:
        columns = ["treated_x_post", *X.columns]
        values = _two_way_demean(frame, ["__y", *columns], "__unit", "__time")
        design = values[columns]
        results = fit(
            values["__y"].to_numpy(),
            design,
            se_type=chosen,
            groups=groups,
            counted_parameters=len(columns) + _absorbed_not_nested(frame, groups),
        )
        design_name = "Difference in differences (two-way fixed effects)"
    else:
        design = sm.add_constant(
            frame[["__g", "__p", "treated_x_post", *X.columns]].rename(
                columns={"__g": "treated", "__p": "post"}
            ),
            has_constant="add",
        )
        results = fit(frame["__y"].to_numpy(), design, se_type=chosen, groups=groups)
        design_name = "Difference in differences (2×2)"
    treated_flags = frame["__g"].to_numpy()
    return ImpactResult.from_fit(
        results,
        "treated_x_post",
        se_type=chosen,
        groups=groups,
        outcome_sd=frame["__y"].std(ddof=1),
        design=design_name,
        outcome=outcome,
        n_treated=int(treated_flags.sum()),
        n_comparison=int(len(treated_flags) - treated_flags.sum()),
        clusters=len(np.unique(groups)) if groups is not None else None,
        covariates=tuple(covariates),
        dropped=dropped,
        notes=tuple(notes),
    )


def _absorbed_not_nested(frame, groups) -> int:
    """How many of the unit and period effects removed by demeaning CR1 counts (Cameron &
    Miller 2015): the U + T − 1 effects of a connected panel, less the unit effects when each
    unit lies in one cluster and the period effects when each period does. With unit clusters
    that leaves T (the intercept and T − 1 period effects), as Stata's xtreg, fe counts."""
    units, periods = frame["__unit"].nunique(), frame["__time"].nunique()
    counted = units + periods - 1
    if groups is None:
        return counted
    clusters = pd.Series(groups, index=frame.index)
    if clusters.groupby(frame["__unit"]).nunique().max() == 1:
        counted -= units - 1
    if clusters.groupby(frame["__time"]).nunique().max() == 1:
        counted -= periods - 1
    return counted


def _two_way_demean(frame, columns, unit, time, tolerance=1e-10, max_rounds=1000):
    """Remove unit and period means by alternating projections (exact in one round for a
    balanced panel; repeated until nothing changes for an unbalanced one)."""
    values = frame[columns].astype(float).copy()
    for _ in range(max_rounds):
        before = values.to_numpy().copy()
        values -= values.groupby(frame[unit]).transform("mean")
        values -= values.groupby(frame[time]).transform("mean")
        if np.abs(values.to_numpy() - before).max() < tolerance:
            break
    return values


@dataclass(frozen=True, eq=False)
class InterruptedTimeSeries:
    data: pd.DataFrame  # time, value, fitted, counterfactual
    level_change: ImpactResult  # the jump at the change
    slope_change: float
    slope_change_se: float
    slope_change_p: float
    pre_slope: float
    hac_lags: int
    first_post_slope: int = 0  # the slope term's value in the first period after the change
    hac_correction: bool = True  # N/(N − k) applied to the Newey–West covariance
    covariates: tuple[str, ...] = ()

    def summary(self) -> str:
        level_at = (
            "at the first period after the change"
            if self.first_post_slope == 0
            else "one period before the first period after the change (the first period "
            "after it moves by the level change plus one slope change)"
        )
        return (
            f"Level change {level_at}: {self.level_change.impact:.3f} (SE "
            f"{self.level_change.se:.3f}, p = {self.level_change.p_value:.3g}); slope change "
            f"{self.slope_change:+.4f} a period (SE {self.slope_change_se:.4f}, p = "
            f"{self.slope_change_p:.3g}) on a slope of {self.pre_slope:+.4f} before; "
            f"Newey–West standard errors with {self.hac_lags} lags, "
            + ("with" if self.hac_correction else "without")
            + " the N/(N − k) small-sample correction"
            + (f"; adjusted for {', '.join(self.covariates)}" if self.covariates else "")
            + "."
        )

    def chart(self) -> alt.Chart:
        long = self.data.melt(
            id_vars="time", value_vars=["value", "fitted", "counterfactual"], var_name="series"
        )
        return (
            alt.Chart(long)
            .mark_line(point=True)
            .encode(
                x=alt.X("time:Q", title="Period"),
                y=alt.Y("value:Q", title=self.level_change.outcome),
                color=alt.Color("series:N", title=None),
                strokeDash=alt.StrokeDash("series:N", legend=None),
            )
            .properties(width=520, height=260)
        )


def interrupted_time_series(
    values,
    *,
    start: int,
    outcome: str = "outcome",
    covariates: pd.DataFrame | None = None,
    first_post_slope: int = 0,
    hac_lags: int | None = None,
    hac_correction: bool = True,
) -> InterruptedTimeSeries:
    """Segmented regression of a series y_t (t = 0, 1, …; the change begins at index `start`):
    y = b0 + b1·t + b2·after + b3·(t − start + first_post_slope)·after [+ covariates], with
    Newey–West (HAC) standard errors (lags floor(4 (n/100)^(2/9)) unless given). b2 is the level
    change, b3 the slope change. With `first_post_slope` 0 (the default) the slope term is 0 in
    the first period after the change, so b2 is the jump there; with 1 it is already 1 there,
    so b2 is the jump one period earlier and the first period after the change moves by
    b2 + b3 (both codings are in use; the slope change is the same). `covariates` (one row
    per period, e.g. month of year for seasonality) enter the regression; text columns become
    indicators (first level left out). `hac_correction` multiplies the Newey–West covariance
    by N/(N − k), as Stata's newey does; statsmodels' default (False) does not."""
    y = np.asarray(values, dtype=float)
    if np.isnan(y).any():
        raise ValueError("The series has gaps: fill or drop the missing periods first.")
    n = len(y)
    if not 3 <= start <= n - 3:
        raise ValueError(
            "An interrupted time series needs at least three periods before the change and "
            f"three after (the series has {n}, the change starts at {start})."
        )
    if first_post_slope not in (0, 1):
        raise ValueError(
            "first_post_slope is the slope term's value in the first period after the "
            "change: 0 or 1."
        )
    t = np.arange(n, dtype=float)
    after = (t >= start).astype(float)
    X = pd.DataFrame(
        {
            "const": 1.0,
            "time": t,
            "level_change": after,
            "slope_change": (t - start + first_post_slope) * after,
        }
    )
    names: tuple[str, ...] = ()
    if covariates is not None:
        if not isinstance(covariates, pd.DataFrame) or len(covariates) != n:
            raise ValueError(f"Give the covariates as a table with one row per period ({n} rows).")
        extra, left_out = design_matrix(covariates.reset_index(drop=True), list(covariates))
        if extra.isna().any().any():
            raise ValueError("A covariate has missing periods: fill them first.")
        clash = set(extra.columns) & set(X.columns)
        if clash:
            raise ValueError(f"Rename the covariate(s) {', '.join(sorted(clash))}.")
        X = pd.concat([X, extra], axis=1)
        names = tuple(str(c) for c in covariates.columns if str(c) not in left_out)
        if np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
            raise ValueError(
                "The covariates repeat the time trend or the change (they are collinear with "
                "them): leave out the one that does."
            )
    if n - X.shape[1] < 2:
        raise ValueError(f"Too many covariates for {n} periods.")
    lags = hac_lags if hac_lags is not None else int(np.floor(4 * (n / 100) ** (2 / 9)))
    results = fit(y, X, se_type="HAC", hac_lags=lags, hac_correction=hac_correction)
    slope, slope_se, _, slope_p = term(results, "slope_change", "HAC")
    fitted = np.asarray(results.fittedvalues)
    # the counterfactual keeps everything but the change: the fit less the level and slope terms
    counterfactual = (
        fitted
        - results.params["level_change"] * X["level_change"].to_numpy()
        - results.params["slope_change"] * X["slope_change"].to_numpy()
    )
    frame = pd.DataFrame(
        {
            "time": t,
            "value": y,
            "fitted": fitted,
            "counterfactual": np.where(after == 1, counterfactual, np.nan),
        }
    )
    level_result = ImpactResult.from_fit(
        results,
        "level_change",
        se_type="HAC",
        outcome_sd=y[:start].std(ddof=1),
        design="Interrupted time series",
        outcome=outcome,
        n_treated=int(after.sum()),
        n_comparison=int(n - after.sum()),
        covariates=names,
        notes=("Counts are periods after and before the change.",),
    )
    return InterruptedTimeSeries(
        frame,
        level_result,
        slope,
        slope_se,
        slope_p,
        float(results.params["time"]),
        lags,
        first_post_slope,
        hac_correction,
        names,
    )
