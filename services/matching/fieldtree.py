"""How well an expert's specialties cover what a need asks, along the field tree
(领域 › 产业 › 专题, levels 1–3).

Plain data only (a parent map), so ranking, the solver and the validator share one definition
without touching the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Match levels, best first. The number is the share of the specialty weight an expert earns.
EXACT = "exact"  # the need's own node, or a narrower topic under it
INDUSTRY = "industry"  # expert holds the need's industry; the need asks one of its topics
SIBLING = "sibling"  # another topic of the same industry
FIELD = "field"  # only the same top-level field (领域)
NONE = "none"

LEVEL_SHARE = {EXACT: 1.0, INDUSTRY: 0.8, SIBLING: 0.6, FIELD: 0.3, NONE: 0.0}
# Rank of each level for thresholds: a plan may require at least "industry-level" cover.
LEVEL_RANK = {EXACT: 4, INDUSTRY: 3, SIBLING: 2, FIELD: 1, NONE: 0}
# What the settings screen offers as the least cover a plan accepts.
MIN_LEVEL_CHOICES = {"专题": EXACT, "产业": SIBLING, "领域": FIELD}


@dataclass(frozen=True, slots=True)
class Match:
    """The best cover one expert gives one need: ``level``, and the expert's field that gives
    it (``field_id``; None when nothing matches)."""

    level: str
    field_id: int | None

    @property
    def share(self) -> float:
        return LEVEL_SHARE[self.level]

    @property
    def rank(self) -> int:
        return LEVEL_RANK[self.level]


NO_MATCH = Match(NONE, None)


class FieldTree:
    """Parent links and names of the specialty tree, with the ancestor chain of every node
    precomputed (the tree has three levels, so chains are short)."""

    def __init__(self, nodes: Iterable[tuple[int, str, int | None]]) -> None:
        self.names: dict[int, str] = {}
        self.parent: dict[int, int | None] = {}
        for node_id, name, parent_id in nodes:
            self.names[node_id] = name
            self.parent[node_id] = parent_id
        self.chain: dict[int, tuple[int, ...]] = {n: self._chain(n) for n in self.names}

    def _chain(self, node: int) -> tuple[int, ...]:
        """The node and its ancestors, root last."""
        out = [node]
        seen = {node}
        parent = self.parent.get(node)
        while parent is not None and parent not in seen:
            out.append(parent)
            seen.add(parent)
            parent = self.parent.get(parent)
        return tuple(out)

    def level(self, node: int) -> int:
        return len(self.chain.get(node, (node,)))

    def root(self, node: int) -> int:
        return self.chain.get(node, (node,))[-1]

    def industry(self, node: int) -> int | None:
        """The level-2 ancestor (or the node itself at level 2); None for a root."""
        chain = self.chain.get(node, (node,))
        return chain[-2] if len(chain) >= 2 else None

    def name(self, node: int | None) -> str:
        return self.names.get(node, "") if node is not None else ""

    def path(self, node: int) -> str:
        return " › ".join(self.names.get(n, "?") for n in reversed(self.chain.get(node, (node,))))

    def match_one(self, need_field: int, expert_field: int) -> Match:
        need_chain = self.chain.get(need_field, (need_field,))
        expert_chain = self.chain.get(expert_field, (expert_field,))
        if need_field in expert_chain:  # same node, or the expert's node is narrower
            return Match(EXACT, expert_field)
        if expert_field in need_chain:  # the expert holds a broader node of the need's path
            return Match(INDUSTRY if len(expert_chain) >= 2 else FIELD, expert_field)
        if len(need_chain) >= 2 and len(expert_chain) >= 2 and need_chain[-2] == expert_chain[-2]:
            return Match(SIBLING, expert_field)
        if need_chain[-1] == expert_chain[-1]:
            return Match(FIELD, expert_field)
        return NO_MATCH

    def match(self, need_field: int, expert_fields: Iterable[int]) -> Match:
        """The best cover among an expert's specialties."""
        best = NO_MATCH
        for field in expert_fields:
            found = self.match_one(need_field, field)
            if found.rank > best.rank:
                best = found
                if best.level == EXACT:
                    break
        return best

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, object] | tuple[int, str, int | None]]
                  ) -> FieldTree:
        nodes = []
        for row in rows:
            if isinstance(row, Mapping):
                nodes.append((int(row["id"]), str(row["name"]),  # type: ignore[call-overload]
                              row["parent_id"]))
            else:
                nodes.append(row)
        return cls(nodes)  # type: ignore[arg-type]


def level_label(match: Match, tree: FieldTree, need_field: int) -> str:
    """Chinese words for a match, e.g. "茶叶专业完全匹配", "同属茶叶产业（茶叶加工）"."""
    own = tree.name(match.field_id)
    if match.level == EXACT:
        return f"{tree.name(need_field)}专业完全匹配"
    if match.level == INDUSTRY:
        return f"专长{own}涵盖{tree.name(need_field)}"
    if match.level == SIBLING:
        return f"同属{tree.name(tree.industry(need_field))}产业（专长{own}）"
    if match.level == FIELD:
        return f"同属{tree.name(tree.root(need_field))}领域（专长{own}）"
    return "专业不对口"
