"""The size reduction to expect from a conversion, from published base image sizes.

Compares the image the original's final stage is built on with the one the rewrite's
final stage is built on, using ``data/base-image-sizes.tsv``. Sizes are compared on the
same basis (uncompressed with uncompressed, else compressed with compressed) and the
result says so; it is an estimate and every text built from it says that too.
"""

from __future__ import annotations

import re
from typing import Optional

from ..analysis.images import SizeFact, lookup_size, parse_ref, size_table
from ..analysis.stages import StageGraph
from ..dockerfile.model import Dockerfile
from .result import SizeEstimate

_DIGITS = re.compile(r"\d+")


def find_size(image: str) -> Optional[SizeFact]:
    """The table row for ``image``, or for its nearest relative (``nodejs22-debian12`` -> ``nodejs20-debian12``)."""
    ref = parse_ref(image)
    if ref.has_variables or image.strip().lower() == "scratch":
        return None
    # Rows that describe a sample application on a base carry "[...]" after the tag.
    same_tag = [f for f in size_table() if _same_image(f.image, ref) and f.tag.split(" [")[0] == (ref.tag or "latest")]
    if same_tag:
        return same_tag[0]
    fact = lookup_size(image)
    if fact is not None and _same_image(fact.image, ref):
        return fact
    # Distroless and similar: the same image for another language version.
    shape = _DIGITS.sub("#", ref.full)
    relatives = [f for f in size_table() if _DIGITS.sub("#", f.image) == shape]
    if relatives:
        return relatives[0]
    return fact


def _same_image(row_image: str, ref) -> bool:
    return row_image in (ref.full, ref.repository) or row_image.endswith("/" + ref.repository)


def _final_image(doc: Dockerfile) -> Optional[str]:
    if not doc.stages:
        return None
    graph = StageGraph(doc)
    if graph.target is None:
        return None
    return graph.root_image(graph.target)


def estimate(original: Dockerfile, converted: Dockerfile) -> Optional[SizeEstimate]:
    """Base image size before and after, or None when either image has no known size."""
    before_image, after_image = _final_image(original), _final_image(converted)
    if not before_image or not after_image:
        return None
    before = find_size(before_image)
    if before is None:
        return None
    if after_image.strip().lower() == "scratch":  # nothing but what the build copies in
        if before.uncompressed_mb is not None:
            return SizeEstimate(before_image, after_image, before.uncompressed_mb, 0.0, "uncompressed", before.reference, "scratch")
        return SizeEstimate(before_image, after_image, before.compressed_mb or 0.0, 0.0, "compressed", before.reference, "scratch")
    after = find_size(after_image)
    if after is None:
        return None
    if before.uncompressed_mb is not None and after.uncompressed_mb is not None:
        b, a, basis = before.uncompressed_mb, after.uncompressed_mb, "uncompressed"
    elif before.compressed_mb is not None and after.compressed_mb is not None:
        b, a, basis = before.compressed_mb, after.compressed_mb, "compressed"
    elif before.mb is not None and after.mb is not None:
        b, a, basis = before.mb, after.mb, "mixed"
    else:
        return None
    return SizeEstimate(before_image, after_image, b, a, basis, before.reference, after.reference)
