"""The business case's chart as plain geometry for a server-rendered SVG: the cumulative net
result per budget area (and in total) over the horizon, the zero line and the break-even year
marked. No JavaScript; the page shows the same figures in a table beside the chart."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

# Colours with at least 3:1 contrast against white, told apart by dash pattern as well.
PALETTE = ("#0059b3", "#b51d09", "#007a3d", "#7a4d00", "#6b2c91", "#00657a", "#8a1f5b", "#474747")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 3", "10 4", "3 2 1 2")


@dataclass
class Series:
    key: str
    label: str
    points: str  # "x,y x,y …"
    color: str
    dash: str
    width: float
    dots: list[tuple[float, float, str]] = field(default_factory=list)


@dataclass
class Tick:
    pos: float
    label: str


@dataclass
class NetChart:
    summary: str
    width: int
    height: int
    left: int
    top: int
    plot_w: int
    plot_h: int
    zero_y: float
    series: list[Series]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    break_even_x: float | None
    break_even_label: str

    @property
    def bottom(self) -> int:
        return self.top + self.plot_h

    @property
    def right(self) -> int:
        return self.left + self.plot_w


def _nice_step(span: float) -> float:
    raw = span / 5 or 1
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power  # pragma: no cover


def _money(v: float) -> str:
    """Axis labels in thousands or millions of kroner."""
    a = abs(v)
    if a >= 1_000_000:
        text = f"{v / 1_000_000:.1f}".rstrip("0").rstrip(".").replace(".", ",") + " mio."
    elif a >= 1000:
        text = f"{v / 1000:.0f} t."
    else:
        text = f"{v:.0f}"
    return text.replace("-", "−")


def net_chart(
    lines: Sequence[tuple[str, str, Sequence[Decimal]]],
    *,
    break_even: int | None,
    summary: str,
    break_even_label: str,
    width: int = 720,
    height: int = 320,
) -> NetChart:
    """``lines``: (key, label, cumulative net per year 1..N); the first is drawn thickest (the
    total). Year 0 (before the intervention) is the common starting point at zero."""
    left, top, right_pad, bottom_pad = 70, 16, 16, 34
    plot_w, plot_h = width - left - right_pad, height - top - bottom_pad
    n = max((len(values) for _k, _l, values in lines), default=1) or 1
    values = [float(v) for _k, _l, vs in lines for v in vs] + [0.0]
    lo, hi = min(values), max(values)
    if hi - lo < 1:
        lo, hi = lo - 1, hi + 1
    step = _nice_step(hi - lo)
    lo = math.floor(lo / step) * step
    hi = math.ceil(hi / step) * step

    def x_of(year: float) -> float:
        return round(left + plot_w * year / n, 1)

    def y_of(v: float) -> float:
        return round(top + plot_h * (1 - (v - lo) / (hi - lo)), 1)

    series = []
    for i, (key, label, vs) in enumerate(lines):
        pts = [(x_of(0), y_of(0.0))] + [(x_of(t + 1), y_of(float(v))) for t, v in enumerate(vs)]
        series.append(
            Series(
                key=key,
                label=label,
                points=" ".join(f"{x},{y}" for x, y in pts),
                color=PALETTE[i % len(PALETTE)],
                dash=DASHES[i % len(DASHES)],
                width=3.0 if i == 0 else 1.8,
                dots=[
                    (
                        x,
                        y,
                        _("%(label)s, år %(t)s: %(v)s kr.")
                        % {"label": label, "t": t, "v": _money(float(v))},
                    )
                    for t, ((x, y), v) in enumerate(zip(pts[1:], vs, strict=True), start=1)
                ],
            )
        )
    y_ticks = []
    v = lo
    while v <= hi + step / 2:
        y_ticks.append(Tick(y_of(v), _money(v)))
        v += step
    x_ticks = [
        Tick(x_of(t), _("År %(t)s") % {"t": t} if t else _("Start")) for t in range(0, n + 1)
    ]
    return NetChart(
        summary=summary,
        width=width,
        height=height,
        left=left,
        top=top,
        plot_w=plot_w,
        plot_h=plot_h,
        zero_y=y_of(0.0),
        series=series,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        break_even_x=x_of(break_even) if break_even else None,
        break_even_label=break_even_label,
    )
