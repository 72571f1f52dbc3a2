"""The shape every driver diagram keeps: which kind of node hangs under which, and where each
kind of measure belongs. Plain data and pure checks, shared by every theory service."""

from ..models import Node

K = Node.Kind
LEVEL = {kind: level for level, kind in enumerate(K.values)}  # the drawing's column order
# what each kind may hang under: one level down, except that change ideas hang under a
# secondary driver, or under a tertiary driver where a team wants that level
PARENT_KINDS = {K.PRIMARY: {K.AIM}, K.SECONDARY: {K.PRIMARY}, K.TERTIARY: {K.SECONDARY},
                K.CHANGE_IDEA: {K.SECONDARY, K.TERTIARY}}  # fmt: skip
CHILD_KINDS = {K.AIM: [K.PRIMARY], K.PRIMARY: [K.SECONDARY],
               K.SECONDARY: [K.CHANGE_IDEA, K.TERTIARY], K.TERTIARY: [K.CHANGE_IDEA],
               K.CHANGE_IDEA: []}  # fmt: skip
DRIVERS = {K.PRIMARY, K.SECONDARY, K.TERTIARY}
LABEL = {kind: label.lower() for kind, label in K.choices}

# Where each kind of measure sits in a theory (balancing measures may watch any node).
MEASURE_LEVELS = {
    "outcome": {K.AIM},
    "driver": DRIVERS,
    "process": {K.CHANGE_IDEA},
    "balancing": set(LEVEL),
}
MEASURE_PLACE = {
    "outcome": "the aim",
    "driver": "a driver",
    "process": "a change idea",
    "balancing": "any node",
}


def measure_placement_problem(measure, node: Node, network_id: int) -> str | None:
    if measure.network_id != network_id:
        return f"“{measure.name}” is not one of this network's measures."
    if node.kind not in MEASURE_LEVELS[measure.kind]:
        kind = measure.get_kind_display().lower()
        article = "An" if kind[0] in "aeiou" else "A"
        return (
            f"{article} {kind} measure belongs on {MEASURE_PLACE[measure.kind]} "
            f"(“{measure.name}” on the {LABEL[node.kind]} “{node.name}”)."
        )
    return None
