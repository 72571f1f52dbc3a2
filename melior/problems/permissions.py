"""Who may change a problem analysis: the hub's editors of the network's theory for the
network's analysis; those who may edit a project's charter for the project's analysis."""

import rules

from .models import ProblemAnalysis


@rules.predicate
def can_edit_analysis(user, analysis: ProblemAnalysis | None) -> bool:
    if analysis is None or not user.is_authenticated:
        return False
    if analysis.project_id is not None:
        return user.has_perm("projects.edit_charter", analysis.project)
    return user.has_perm("networks.edit_theory", analysis.network)


rules.add_perm("problems.edit_analysis", can_edit_analysis)
