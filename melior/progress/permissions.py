"""Who may confirm a project's progress score: those who may change its charter (the school's
managers and the project's own team, see projects.permissions); every member who may see the
project may read its progress."""

import rules

from melior.projects.permissions import can_edit_project

rules.add_perm("progress.assess", can_edit_project)
