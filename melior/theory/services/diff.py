"""What changed between two versions of a driver diagram, in plain sentences. Pure: it reads
two snapshots and the names of the measures they link (no database)."""

from .kinds import LABEL


def _measure(pk: int, measure_names: dict) -> str:
    name = measure_names.get(pk)
    return f"measure “{name}”" if name else "a measure since deleted"


def _node_changes(was: dict, node: dict, measure_names: dict) -> list[str]:
    """What changed on one node that is in both versions."""
    label, name = LABEL[node["kind"]], node["name"]
    sentences = []
    if was["name"] != name:
        sentences.append(f"Renamed {label} “{was['name']}” to “{name}”.")
    notes = ("description", "operational_note")
    if [was.get(f) for f in notes] != [node.get(f) for f in notes]:
        sentences.append(f"Edited the notes of {label} “{name}”.")
    if was.get("hidden", False) != node.get("hidden", False):
        verb = "Hid" if node.get("hidden") else "Showed again"
        sentences.append(f"{verb} {label} “{name}”.")
    before, after = set(was.get("measures", [])), set(node.get("measures", []))
    sentences += [
        f"Linked {_measure(pk, measure_names)} to “{name}”." for pk in sorted(after - before)
    ]
    sentences += [
        f"Unlinked {_measure(pk, measure_names)} from “{name}”." for pk in sorted(before - after)
    ]
    return sentences


def _link_changes(old_links: set, new_links: set, before: dict, after: dict, names: dict):
    """Links made or broken between nodes that were there already (or still are)."""
    sentences = [
        f"Linked “{names[child]}” under “{names[parent]}”."
        for parent, child in sorted(new_links - old_links)
        if parent in before and child in before
    ]
    sentences += [
        f"Unlinked “{names[child]}” from “{names[parent]}”."
        for parent, child in sorted(old_links - new_links)
        if parent in after and child in after
    ]
    return sentences


def _added(node: dict, new_links: set, names: dict) -> str:
    parents = [names[p] for p, c in new_links if c == node["key"]]
    under = f" under “{parents[0]}”" if parents else ""
    return f"Added {LABEL[node['kind']]} “{node['name']}”{under}."


def _reordered(before: dict, after: dict, names: dict) -> list[str]:
    moved = [k for k in after if k in before and before[k]["position"] != after[k]["position"]]
    if not moved:
        return []
    return ["Changed the order of " + ", ".join(f"“{names[k]}”" for k in moved) + "."]


def diff_snapshots(old: dict, new: dict, measure_names: dict | None = None) -> list[str]:
    """Plain sentences for what changed from one snapshot to another; `measure_names` maps
    the ids of linked measures to their names. A change of order alone is said only when
    nothing else changed."""
    measure_names = measure_names or {}
    before = {n["key"]: n for n in old["nodes"]}
    after = {n["key"]: n for n in new["nodes"]}
    names = {k: n["name"] for k, n in before.items()} | {k: n["name"] for k, n in after.items()}
    old_links = {tuple(link) for link in old["links"]}
    new_links = {tuple(link) for link in new["links"]}
    sentences = []
    for key, node in after.items():
        if key in before:
            sentences += _node_changes(before[key], node, measure_names)
        else:
            sentences.append(_added(node, new_links, names))
    sentences += [
        f"Removed {LABEL[node['kind']]} “{node['name']}”."
        for key, node in before.items()
        if key not in after
    ]
    sentences += _link_changes(old_links, new_links, before, after, names)
    return sentences or _reordered(before, after, names)
