"""Changing driver diagrams, one module per seam: the shape of a diagram (kinds), whole
diagrams and their versions (versions), single nodes (nodes), a site's adaptation
(adaptation), outlines (outline) and what changed between versions (diff), both pure, and
proposed change ideas (proposals). Callers import this package."""

from .adaptation import adapt, bring_in_network_changes
from .kinds import (
    CHILD_KINDS,
    DRIVERS,
    LABEL,
    LEVEL,
    MEASURE_LEVELS,
    PARENT_KINDS,
    measure_placement_problem,
)
from .nodes import (
    add_child,
    add_node,
    delete_node,
    edit_details,
    link_measure,
    link_nodes,
    move_under,
    rename_node,
    reorder,
    set_hidden,
    unlink_measure,
    unlink_nodes,
)
from .outline import outline_snapshot, parse_outline, snapshot_outline
from .proposals import accept_proposal, decline_proposal, merge_proposal, propose_change_idea
from .versions import (
    check,
    describe_changes,
    export_outline,
    network_diagram,
    outline_theory,
    replace_from_outline,
    restore_version,
    snapshot,
    undo,
)

__all__ = [
    "CHILD_KINDS",
    "DRIVERS",
    "LABEL",
    "LEVEL",
    "MEASURE_LEVELS",
    "PARENT_KINDS",
    "accept_proposal",
    "adapt",
    "add_child",
    "add_node",
    "bring_in_network_changes",
    "check",
    "decline_proposal",
    "delete_node",
    "describe_changes",
    "edit_details",
    "export_outline",
    "link_measure",
    "link_nodes",
    "measure_placement_problem",
    "merge_proposal",
    "move_under",
    "network_diagram",
    "outline_snapshot",
    "outline_theory",
    "parse_outline",
    "propose_change_idea",
    "rename_node",
    "reorder",
    "replace_from_outline",
    "restore_version",
    "set_hidden",
    "snapshot",
    "snapshot_outline",
    "undo",
    "unlink_measure",
    "unlink_nodes",
]
