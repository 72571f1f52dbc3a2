"""The impact of a pilot: a frozen result shared by every design, and the regression behind it.

Standard errors are named on every result: HC1 (heteroskedasticity-robust, Stata's default
"robust") for students assigned one by one; CR1 (cluster-robust, with the G/(G−1)·(N−1)/(N−k)
factor) when classes or schools were assigned or matched pairs are analysed; classical when
asked for (published tables such as Dehejia–Wahba's report it). In CR1's factor k counts the
regressors and the fixed effects *not* nested within the clusters (Cameron & Miller 2015):
effects absorbed by demeaning count when they are not nested, explicit dummies nested within
clusters do not. Intervals and p-values use the t distribution on N − k degrees of freedom
(G − 1 with clusters)."""

from dataclasses import dataclass, field

import altair as alt
import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.stats import t as t_dist

from .decision import MeaningfulEffect, meaningful_effect
from .effects import CONVENTIONS, EffectSize

SE_TYPES = {
    "HC1": "heteroskedasticity-robust (HC1)",
    "CR1": "cluster-robust (CR1)",
    "classical": "classical OLS",
    "HAC": "autocorrelation-robust (Newey–West HAC)",
}


@dataclass(frozen=True, eq=False)
class ImpactResult:
    design: str
    outcome: str
    impact: float  # on the outcome's scale
    se: float
    se_type: str
    df: float
    p_value: float
    ci_low: float
    ci_high: float
    n_treated: int
    n_comparison: int
    effect: EffectSize | None  # WWC effect size (covariate-adjusted g, or Cox index)
    rce_effect: float  # impact ÷ SD of the outcome in the whole sample (RCE Coach), no ω
    coefficients: pd.DataFrame  # the fitted model, one row per term
    r_squared: float = float("nan")  # of the fitted model (after removing fixed effects)
    clusters: int | None = None
    covariates: tuple[str, ...] = ()
    dropped: int = 0  # students left out for missing values
    notes: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def from_fit(
        cls,
        results,
        term_name: str,
        *,
        se_type: str,
        groups=None,
        outcome_sd: float,
        effect=None,
        **fields,
    ) -> "ImpactResult":
        """The result for one term of a fitted model. `effect` may be a function of the impact
        (the WWC effect size needs it); `outcome_sd` gives the RCE Coach's standardisation."""
        impact, se, df, p = term(results, term_name, se_type, groups)
        low, high = interval(impact, se, df)
        return cls(
            impact=impact,
            se=se,
            se_type=se_type,
            df=df,
            p_value=p,
            ci_low=low,
            ci_high=high,
            effect=effect(impact) if callable(effect) else effect,
            rce_effect=float(impact / outcome_sd) if outcome_sd > 0 else float("nan"),
            coefficients=coefficient_table(results, se_type, groups),
            r_squared=float(results.rsquared),
            **fields,
        )

    @property
    def data(self) -> pd.DataFrame:
        return self.coefficients

    @property
    def se_name(self) -> str:
        return SE_TYPES[self.se_type]

    @property
    def significant(self) -> bool:
        return self.p_value < 0.05

    @property
    def improvement_index(self) -> float | None:
        return None if self.effect is None else self.effect.improvement_index

    def probabilities(self, meaningful: float, certainty: float = 0.75) -> MeaningfulEffect:
        """How likely the impact is a meaningful decrease, no meaningful change or a meaningful
        increase, for a meaningful size on the outcome's scale chosen in advance."""
        return meaningful_effect(self.impact, self.se, meaningful, certainty=certainty)

    def summary(self) -> str:
        lines = [
            f"{self.design}: impact on {self.outcome} = {self.impact:.3f} "
            f"(SE {self.se:.3f}, {self.se_name}; 95% CI {self.ci_low:.3f} to "
            f"{self.ci_high:.3f}; p = {self.p_value:.3g}; df {self.df:.0f}; "
            f"R² {self.r_squared:.3f})",
            f"students: {self.n_treated} treated, {self.n_comparison} comparison"
            + (f" in {self.clusters} clusters" if self.clusters else "")
            + (f"; {self.dropped} left out for missing values" if self.dropped else ""),
        ]
        if self.covariates:
            lines.append("adjusted for " + ", ".join(self.covariates))
        if self.effect is not None:
            lines.append(self.effect.summary())
        lines.append(f"RCE Coach convention: {self.rce_effect:.3f} ({CONVENTIONS['rce']})")
        lines += list(self.notes)
        return "\n".join(lines)

    def chart(self, meaningful: float | None = None) -> alt.Chart:
        """The impact with its 95% interval, against zero and the meaningful size."""
        frame = pd.DataFrame(
            [
                {
                    "label": self.outcome,
                    "impact": self.impact,
                    "low": self.ci_low,
                    "high": self.ci_high,
                }
            ]
        )
        base = alt.Chart(frame).encode(y=alt.Y("label:N", title=None))
        bar = base.mark_rule(strokeWidth=3).encode(
            x=alt.X("low:Q", title=f"Impact on {self.outcome} (95% interval)"), x2="high:Q"
        )
        point = base.mark_point(filled=True, size=90).encode(
            x="impact:Q", tooltip=["impact:Q", "low:Q", "high:Q"]
        )
        marks = [0.0] + ([-meaningful, meaningful] if meaningful else [])
        rules = (
            alt.Chart(pd.DataFrame({"x": marks}))
            .mark_rule(strokeDash=[4, 3], color="#888")
            .encode(x="x:Q")
        )
        return (rules + bar + point).properties(width=480, height=60)


def fit(
    y: np.ndarray,
    X: pd.DataFrame,
    *,
    se_type: str = "HC1",
    groups: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    hac_lags: int | None = None,
    hac_correction: bool = True,
    counted_parameters: int | None = None,
):
    """Least squares (weighted when weights are given) with the named standard errors; returns
    the statsmodels results. `counted_parameters` is the k of the small-sample factor (and of
    N − k) when it is not the number of columns of X: fixed effects removed by demeaning add to
    it — for CR1 only those not nested within the clusters —, explicit dummies nested within
    the clusters do not. `hac_correction` applies N/(N − k) to the Newey–West covariance
    (statsmodels' own default applies none)."""
    model = sm.WLS(y, X, weights=weights) if weights is not None else sm.OLS(y, X)
    if se_type == "HAC":
        return model.fit(
            cov_type="HAC", cov_kwds={"maxlags": hac_lags, "use_correction": hac_correction}
        )
    n, columns = X.shape
    k = columns if counted_parameters is None else counted_parameters
    if n - k <= 0:
        raise ValueError(
            "As many parameters as observations: nothing is left to estimate the standard "
            "error from."
        )
    if se_type == "CR1":
        results = model.fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": True})
    elif se_type == "classical":
        results = model.fit()
        if k != columns:
            results = model.fit(cov_type="fixed scale", cov_kwds={"scale": results.ssr / (n - k)})
    else:
        results = model.fit(cov_type="HC1")
    if k != columns:
        inner = results._results  # the wrapper would keep a copy: set the fitted results
        if se_type != "classical":
            # statsmodels counted the columns; rescale before any SE is read (bse is cached)
            inner.cov_params_default = inner.cov_params_default * (n - columns) / (n - k)
        inner.df_resid = float(n - k)
    return results


def term(results, name: str, se_type: str, groups=None) -> tuple[float, float, float, float]:
    """(estimate, SE, df, p) for one term, on t with N − k (or G − 1) degrees of freedom."""
    estimate = float(results.params[name])
    se = float(results.bse[name])
    df = float(len(np.unique(groups)) - 1) if se_type == "CR1" else float(results.df_resid)
    p = float(2 * t_dist.sf(abs(estimate / se), df)) if se > 0 else float("nan")
    return estimate, se, df, p


def interval(estimate: float, se: float, df: float) -> tuple[float, float]:
    q = t_dist.ppf(0.975, df)
    return estimate - q * se, estimate + q * se


def coefficient_table(results, se_type: str, groups=None) -> pd.DataFrame:
    rows = []
    for name in results.params.index:
        estimate, se, df, p = term(results, name, se_type, groups)
        low, high = interval(estimate, se, df)
        rows.append(
            {
                "term": name,
                "estimate": estimate,
                "se": se,
                "p_value": p,
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows)
