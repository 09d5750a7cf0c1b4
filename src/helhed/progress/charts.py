"""Server-rendered SVG charts: geometry as plain values for the templates (no JavaScript, nothing
fetched at run time). Every chart on a page is paired with a data table in the template."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from helhed.core.selectors import today


@dataclass
class Point:
    x: float
    y: float
    label: str


@dataclass
class Marker:
    x: float
    label: str
    kind: str


@dataclass
class Tick:
    pos: float
    label: str


@dataclass
class Line:
    y: float
    label: str


@dataclass
class LineChart:
    key: str
    title: str
    summary: str
    width: int
    height: int
    left: int
    top: int
    plot_w: int
    plot_h: int
    points: list[Point] = field(default_factory=list)
    polyline: str = ""
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    thresholds: list[Line] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)

    @property
    def bottom(self) -> int:
        return self.top + self.plot_h

    @property
    def right(self) -> int:
        return self.left + self.plot_w


def _fmt(value: float) -> str:
    return f"{value:g}"


def line_chart(
    key: str,
    title: str,
    series: Sequence[tuple[date, float]],
    *,
    y_range: tuple[float, float],
    y_step: float,
    thresholds: Sequence[tuple[float, Any]] = (),
    events: Sequence[Any] = (),
    axis: tuple[date, date] | None = None,
    width: int = 640,
    height: int = 260,
    compact: bool = False,
) -> LineChart:
    left, top = (34, 10) if compact else (44, 14)
    plot_w = width - left - 12
    plot_h = height - top - (22 if compact else 30)
    if axis is not None:  # the course's axis (progress.logic.chart_axis): events outside go
        events = [e for e in events if axis[0] <= e.on <= axis[1]]
    dates = [d for d, _v in series] + [e.on for e in events] + list(axis or ())
    start = min(dates) if dates else today()
    end = max(dates) if dates else start
    if end <= start:
        start, end = start - timedelta(days=7), end + timedelta(days=7)
    span = (end - start).days or 1
    lo, hi = y_range

    def x_of(d: date) -> float:
        return round(left + plot_w * (d - start).days / span, 1)

    def y_of(v: float) -> float:
        return round(top + plot_h * (1 - (v - lo) / (hi - lo)), 1)

    points = [Point(x_of(d), y_of(v), f"{d:%d.%m.%Y}: {_fmt(v)}") for d, v in series]
    chart = LineChart(
        key=key,
        title=title,
        summary="",
        width=width,
        height=height,
        left=left,
        top=top,
        plot_w=plot_w,
        plot_h=plot_h,
        points=points,
        polyline=" ".join(f"{p.x},{p.y}" for p in points),
    )
    v = lo
    while v <= hi + 1e-9:
        chart.y_ticks.append(Tick(y_of(v), _fmt(v)))
        v += y_step
    n_ticks = 2 if compact else 4
    for i in range(n_ticks + 1):
        d = start + timedelta(days=round(span * i / n_ticks))
        chart.x_ticks.append(Tick(x_of(d), f"{d:%m.%Y}" if compact else f"{d:%d.%m.%Y}"))
    chart.thresholds = [Line(y_of(value), str(label)) for value, label in thresholds]
    chart.markers = [Marker(x_of(e.on), f"{e.on:%d.%m.%Y}: {e.label}", e.kind) for e in events]
    if series:
        last_d, last_v = series[-1]
        chart.summary = (
            f"{title}: {len(series)} målinger, senest {_fmt(last_v)} ({last_d:%d.%m.%Y})"
        )
    else:
        chart.summary = f"{title}: ingen målinger endnu"
    return chart
