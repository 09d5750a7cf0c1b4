"""Copy the front-end assets that Helhed serves from node_modules into static/vendor.

Run by ``make`` after ``npm ci``; nothing is fetched at run time and no CDN is used. axe-core is
copied too because the browser tests inject it into every page they scan.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE = ROOT / "node_modules"
VENDOR = ROOT / "src" / "helhed" / "static" / "vendor"

COPIES = [
    ("dkfds/dist/css", "dkfds/css"),
    ("dkfds/dist/fonts", "dkfds/fonts"),
    ("dkfds/dist/img", "dkfds/img"),
    ("dkfds/dist/js", "dkfds/js"),
    ("htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"),
    ("axe-core/axe.min.js", "axe/axe.min.js"),
]


def main() -> int:
    missing = [src for src, _ in COPIES if not (NODE / src).exists()]
    if missing:
        print(
            f"vendor_assets: missing in node_modules (run npm ci): {', '.join(missing)}",
            file=sys.stderr,
        )
        return 1
    for src, dest in COPIES:
        source, target = NODE / src, VENDOR / dest
        if target.exists():
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.map", "*.scss"))
        else:
            shutil.copy2(source, target)
    print(f"vendor_assets: copied {len(COPIES)} asset groups into {VENDOR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
