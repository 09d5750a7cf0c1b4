"""Static files in production: WhiteNoise's compressed manifest storage, hashed names.

``helhed collectstatic`` (DEBUG off) copies every file into ``STATIC_ROOT`` under a name that
carries a hash of its content (``helhed.3f2a….css``), writes ``staticfiles.json`` (the manifest)
and a gzip and a Brotli copy of each text file. WhiteNoise serves the hashed names with
``Cache-Control: max-age=315360000, public, immutable``: a new release has new names, so a
browser never keeps a stale stylesheet and never asks twice for an unchanged one.
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles.storage import HashedFilesMixin
from whitenoise.compress import Compressor  # type: ignore[import-untyped]
from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]


def _without_source_maps(
    patterns: tuple[tuple[str, tuple[object, ...]], ...],
) -> tuple[tuple[str, tuple[object, ...]], ...]:
    def is_source_map(pattern: object) -> bool:
        regex = pattern if isinstance(pattern, str) else pattern[0]  # type: ignore[index]
        return "sourceMappingURL" in str(regex)

    return tuple(
        (glob, tuple(p for p in rules if not is_source_map(p))) for glob, rules in patterns
    )


class ManifestStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's storage, leaving ``sourceMappingURL`` comments as they are.

    The vendored DKFDS stylesheets and scripts end with ``/*# sourceMappingURL=….map */``, but the
    maps are not shipped (``scripts/vendor_assets.py`` leaves ``*.map`` out), and Django's
    post-processing refuses a reference to a missing file: ``collectstatic`` failed on
    ``vendor/dkfds/css/dkfds.min.css``. A browser asks for a source map only with its developer
    tools open (and then gets a 404); ``url(…)`` and ``@import`` references are still rewritten
    to hashed names and still must exist.
    """

    patterns = _without_source_maps(HashedFilesMixin.patterns)

    def create_compressor(self, **kwargs: Any) -> Compressor:
        """gzip only. Brotli is used by WhiteNoise when the ``brotli`` package happens to be
        installed (only the load-test extra brings it): at its default quality it took 65 s of
        CPU for Helhed's 38 MB of static files, gzip 3 s, and every browser takes gzip. The
        result must not depend on which extras are installed."""
        return super().create_compressor(**{**kwargs, "use_brotli": False})
