"""The size reduction to expect from a conversion, from published base image sizes.

Compares the image the original's final stage is built on with the one the rewrite's
final stage is built on, using ``data/base-image-sizes.tsv``. Sizes are compared on the
same basis (uncompressed with uncompressed, else compressed with compressed; never one
with the other) and the result says so; it is an estimate and every text built from it says that too.
"""

from __future__ import annotations

from typing import Optional

from ..analysis.images import SizeFact, format_size, lookup_size
from ..analysis.stages import StageGraph
from ..dockerfile.model import Dockerfile
from .result import SizeEstimate



def find_size(image: str) -> Optional[SizeFact]:
    """The table row of ``image`` (``images.lookup_size``: its own version and variant, or None)."""
    if image.strip().lower() == "scratch":
        return None
    return lookup_size(image)


def _final_image(doc: Dockerfile) -> Optional[str]:
    if not doc.stages:
        return None
    graph = StageGraph(doc)
    if graph.target is None:
        return None
    return graph.root_image(graph.target)


def estimate(original: Dockerfile, converted: Dockerfile) -> Optional[SizeEstimate]:
    """Base image size before and after, or None when either image has no row of its own."""
    before_image, after_image = _final_image(original), _final_image(converted)
    if not before_image or not after_image:
        return None
    before = find_size(before_image)
    if before is None:
        return None
    if after_image.strip().lower() == "scratch":  # nothing but what the build copies in: no percentage
        return SizeEstimate(before_image, after_image, None, None, "", before.reference, "scratch", format_size(before), "empty")
    after = find_size(after_image)
    if after is None:
        return None
    b: Optional[float] = None
    a: Optional[float] = None
    basis = ""
    if before.uncompressed_mb is not None and after.uncompressed_mb is not None:
        b, a, basis = before.uncompressed_mb, after.uncompressed_mb, "uncompressed"
    elif before.compressed_mb is not None and after.compressed_mb is not None:
        b, a, basis = before.compressed_mb, after.compressed_mb, "compressed"
    return SizeEstimate(before_image, after_image, b, a, basis, before.reference, after.reference, format_size(before), format_size(after))
