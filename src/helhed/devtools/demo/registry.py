"""The registry's demo data is VIVE's real, public dataset of 117 practice examples."""

from __future__ import annotations

from helhed.devtools.demokit import DemoContext, InsertStat
from helhed.registry.services import load_vive


def generate(ctx: DemoContext) -> None:
    result = load_vive()
    ctx.stats.append(InsertStat("indsatser (VIVE)", rows=result.created, seconds=0.0))
