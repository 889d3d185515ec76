"""The app a real server imports: ``BENCH_VARIANT`` names the variant (see apps.VARIANTS)."""

from __future__ import annotations

import os

from .apps import VARIANTS

_kind, _factory = VARIANTS[os.environ.get("BENCH_VARIANT", "dualweb-fastapi-async")]
app = _factory()
