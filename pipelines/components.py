"""Connected components of a graph given as edges, distributed: alternating large-star / small-star rounds.

Kiveris et al., "Connected Components in MapReduce and Beyond" (2014). Both steps
preserve connectivity and shrink every component towards a star around its
smallest node. Beam graphs cannot loop, so the rounds are unrolled `max_rounds`
times; the result is then checked to be a star forest (one parent per node, no
parent with a parent), and if it is not the job fails with
`ComponentsNotConverged` instead of returning wrong components. Every grouped
step streams over its values, so memory does not grow with a component's size.
Nodes are anything comparable (dedup uses integer document locations).
"""

from __future__ import annotations

import math

import apache_beam as beam

from curation.recipe import MAX_ROUNDS


NOT_CONVERGED = "connected components did not converge"


class ComponentsNotConverged(RuntimeError):
    """The unrolled rounds did not reduce every component to a star: results would be wrong, so the run fails."""


def rounds_for(nodes: int, max_rounds: int = MAX_ROUNDS) -> int:
    """Rounds that resolve any component among `nodes` nodes with a margin: a chain of n nodes in random order,
    the worst case, needs about 2.7 log10(n) (8 / 11 / 13 / 16 for 10^3 / 10^4 / 10^5 / 10^6, simulated)."""
    return min(max_rounds, max(4, math.ceil(2.7 * math.log10(max(nodes, 1))) + 3))


def _both_directions(edge):
    u, v = edge
    yield u, v
    yield v, u


def _large_star(adjacency):
    """Node u: connect every strictly larger neighbour to the smallest of u and its neighbours."""
    node, neighbours = adjacency
    smallest = min(node, min(neighbours))
    for v in neighbours:
        if v > node:
            yield v, smallest


def _small_star(adjacency):
    """Node u with its smaller neighbours: connect u and all of them to the smallest one."""
    node, smaller = adjacency
    smallest = min(smaller)
    yield node, smallest
    for v in smaller:
        if v != smallest:
            yield v, smallest


class _StarRound(beam.PTransform):
    """One large-star step then one small-star step; edges come out as (node, smaller node)."""

    def expand(self, edges):
        return (
            edges
            | "LargeStarKey" >> beam.FlatMap(_both_directions)
            | "LargeStarGroup" >> beam.GroupByKey()
            | "LargeStar" >> beam.FlatMap(_large_star)
            | "SmallStarKey" >> beam.Map(lambda edge: (max(edge), min(edge)))
            | "SmallStarGroup" >> beam.GroupByKey()
            | "SmallStar" >> beam.FlatMap(_small_star)
        )


class TaggedGroup(beam.PTransform):
    """{tag: PCollection[(key, value)]} -> (key, iterable of (tag, value)): a CoGroupByKey whose values
    stream (no per-tag lists in memory), so a DoFn can make two passes over a large group."""

    def expand(self, pcolls: dict):
        tagged = [
            pcoll | f"Tag[{tag}]" >> beam.MapTuple(lambda key, value, tag=tag: (key, (tag, value)))
            for tag, pcoll in pcolls.items()
        ]
        return tagged | "Flatten" >> beam.Flatten() | "Group" >> beam.GroupByKey()


class _CheckStars(beam.DoFn):
    """Fails unless the edges form stars: at most one parent per node, and no parent with a parent of its own."""

    def __init__(self, max_rounds: int):
        self.max_rounds = max_rounds

    def process(self, group):
        node, tagged = group
        parent, has_children = None, False
        for tag, other in tagged:
            if tag == "child":
                has_children = True
            elif parent is None or parent == other:
                parent = other
            else:
                raise self._failure(f"node {node!r} has two parents")
        if parent is not None and has_children:
            raise self._failure(f"node {node!r} is both a parent and a child")
        if parent is not None:
            yield node, parent
        elif has_children:
            yield beam.pvalue.TaggedOutput("roots", (node, None))

    def _failure(self, detail: str) -> ComponentsNotConverged:
        return ComponentsNotConverged(
            f"{NOT_CONVERGED} in {self.max_rounds} rounds ({detail}); "
            f"a duplicate chain is longer than these rounds resolve: rerun with a larger max_rounds (curate dedup --max-rounds)"
        )


class ConnectedComponents(beam.PTransform):
    """Edges (u, v) -> {"labels": (node, root) for every non-root node, "roots": (root, None)};
    root = the smallest node of the component. Nodes without edges appear in neither."""

    def __init__(self, max_rounds: int = MAX_ROUNDS):
        super().__init__()
        if max_rounds < 1:
            raise ValueError("max_rounds must be at least 1")
        self.max_rounds = max_rounds

    def expand(self, edges):
        for i in range(1, self.max_rounds + 1):
            edges = edges | f"Round{i}" >> _StarRound()
        checked = (
            {
                "parent": edges,
                "child": edges | "ByParent" >> beam.MapTuple(lambda child, parent: (parent, child)),
            }
            | "GroupStars" >> TaggedGroup()
            | "CheckStars" >> beam.ParDo(_CheckStars(self.max_rounds)).with_outputs("roots", main="labels")
        )
        return {"labels": checked.labels, "roots": checked.roots}
