"""Server-drawn SVG for the results: the workgroup × workgroup heat matrix and the network map.
Geometry as plain values for the templates (nothing fetched, no JavaScript); every chart is
followed by a data table in the template, and a band is never told by colour alone (the matrix
prints the value, the map draws weak ties dashed and strong ties thick)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

FILL = {
    "weak": "#f6d3cf",
    "moderate": "#fbecc0",
    "strong": "#d3ead2",
    "hidden": "#e4e4e4",
    "empty": "#ffffff",
}
STROKE = {"weak": "#b51d09", "moderate": "#8a6100", "strong": "#2f7534", "hidden": "#767676"}


@dataclass
class MatrixCell:
    x: float
    y: float
    size: float
    fill: str
    text: str
    title: str
    diagonal: bool

    @property
    def cx(self) -> float:
        return self.x + self.size / 2

    @property
    def cy(self) -> float:
        return self.y + self.size / 2


@dataclass
class Heat:
    width: int
    height: int
    left: int
    top: int
    size: int
    rows: list[tuple[float, str]] = field(default_factory=list)  # y, label
    columns: list[tuple[float, str]] = field(default_factory=list)  # x, label
    cells: list[MatrixCell] = field(default_factory=list)
    summary: str = ""


def _short(label: str, n: int = 22) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def heat_matrix(
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Sequence[Sequence[tuple[str, str, str]]],
    *,
    summary: str,
    size: int = 46,
) -> Heat:
    """``cells[i][j]`` is (state, text, title) for row i, column j; state is a band, "hidden"
    or "empty"."""
    left, top = 170, 130
    heat = Heat(
        width=left + size * len(columns) + 10,
        height=top + size * len(rows) + 10,
        left=left,
        top=top,
        size=size,
        summary=summary,
    )
    heat.rows = [(top + size * i + size / 2, _short(r)) for i, r in enumerate(rows)]
    heat.columns = [(left + size * j + size / 2, _short(c)) for j, c in enumerate(columns)]
    for i, row in enumerate(cells):
        for j, (state, text, title) in enumerate(row):
            heat.cells.append(
                MatrixCell(
                    x=left + size * j,
                    y=top + size * i,
                    size=size,
                    fill=FILL.get(state, FILL["empty"]),
                    text=text,
                    title=title,
                    diagonal=rows[i] == columns[j],
                )
            )
    return heat


@dataclass
class Node:
    x: float
    y: float
    label: str
    lx: float
    ly: float
    anchor: str


@dataclass
class Edge:
    path: str
    state: str  # a band or "hidden"
    stroke: str
    width: float
    dash: str
    title: str
    marker: str


@dataclass
class NetworkMap:
    size: int
    nodes: list[Node]
    edges: list[Edge]
    summary: str


def network_map(
    labels: Sequence[str],
    edges: Sequence[tuple[int, int, str, str]],
    *,
    summary: str,
    size: int = 560,
) -> NetworkMap:
    """Workgroups on a circle; a directed tie (i → j, state, title) as a curve bent to its
    right, so that A→B and B→A are two separate curves; arrowheads by marker."""
    n = max(len(labels), 1)
    cx = cy = size / 2
    radius = size / 2 - 110
    nodes = []
    for i, label in enumerate(labels):
        angle = -math.pi / 2 + 2 * math.pi * i / n
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        lx, ly = cx + (radius + 14) * math.cos(angle), cy + (radius + 14) * math.sin(angle)
        anchor = (
            "start" if math.cos(angle) > 0.2 else ("end" if math.cos(angle) < -0.2 else "middle")
        )
        if anchor == "middle":
            ly += 12 if math.sin(angle) > 0 else -6
        nodes.append(
            Node(round(x, 1), round(y, 1), _short(label, 24), round(lx, 1), round(ly, 1), anchor)
        )
    drawn = []
    for i, j, state, title in edges:
        a, b = nodes[i], nodes[j]
        dx, dy = b.x - a.x, b.y - a.y
        dist = math.hypot(dx, dy) or 1.0
        ux, uy = dx / dist, dy / dist
        # start and end a little outside the node circles
        sx, sy = a.x + ux * 9, a.y + uy * 9
        ex, ey = b.x - ux * 11, b.y - uy * 11
        mx, my = (sx + ex) / 2 - uy * dist * 0.12, (sy + ey) / 2 + ux * dist * 0.12
        width = {"strong": 3.5, "moderate": 2.0, "weak": 1.5}.get(state, 1.2)
        dash = {"weak": "6 4", "hidden": "2 4"}.get(state, "")
        drawn.append(
            Edge(
                path=f"M{sx:.1f} {sy:.1f} Q{mx:.1f} {my:.1f} {ex:.1f} {ey:.1f}",
                state=state,
                stroke=STROKE.get(state, STROKE["hidden"]),
                width=width,
                dash=dash,
                title=title,
                marker=f"rk-arrow-{state}",
            )
        )
    return NetworkMap(size=size, nodes=nodes, edges=drawn, summary=summary)
