"""Evaluating an EdTech pilot (pure: NumPy, pandas, SciPy, statsmodels — no Django).

    from melior.analysis import evaluation as ev
    result = ev.randomized_pilot(frame, "score", "assigned", covariates=["prior"], cluster="class")
    result.summary(); result.effect.value; result.improvement_index
    result.probabilities(meaningful=5).summary()
    ev.attrition(120, 118, 104, 110).low
    ev.essa_tier(design="randomized", low_attrition=True, ...)

Formulas, conventions and sources: docs/evaluation.md."""

from .assignment import Assignment, randomise
from .decision import MeaningfulEffect, benjamini_hochberg, bonferroni, meaningful_effect
from .designs import (
    InterruptedTimeSeries,
    MatchedComparison,
    difference_in_differences,
    interrupted_time_series,
    matched_comparison,
    randomized_pilot,
)
from .effects import (
    CONVENTIONS,
    EffectSize,
    cox_index,
    hedges_g,
    hedges_g_from_stats,
    improvement_index,
    omega,
    standardized_difference,
)
from .equity import GapTrajectory, SubgroupEffects, gap_trajectory, subgroup_effects
from .impact import ImpactResult
from .power import Mdes, mdes_cluster, mdes_individual
from .wwc import (
    Attrition,
    BaselineEquivalence,
    ClusteringCorrection,
    EssaTier,
    attrition,
    baseline_equivalence,
    clustering_correction,
    equivalence_category,
    essa_tier,
)

__all__ = [
    "CONVENTIONS",
    "Assignment",
    "Attrition",
    "BaselineEquivalence",
    "ClusteringCorrection",
    "EffectSize",
    "EssaTier",
    "GapTrajectory",
    "ImpactResult",
    "InterruptedTimeSeries",
    "MatchedComparison",
    "Mdes",
    "MeaningfulEffect",
    "SubgroupEffects",
    "attrition",
    "baseline_equivalence",
    "benjamini_hochberg",
    "bonferroni",
    "clustering_correction",
    "cox_index",
    "difference_in_differences",
    "equivalence_category",
    "essa_tier",
    "gap_trajectory",
    "hedges_g",
    "hedges_g_from_stats",
    "improvement_index",
    "interrupted_time_series",
    "matched_comparison",
    "mdes_cluster",
    "mdes_individual",
    "meaningful_effect",
    "omega",
    "randomise",
    "randomized_pilot",
    "standardized_difference",
    "subgroup_effects",
]
