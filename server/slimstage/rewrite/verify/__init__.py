"""Build-and-run verification with a real container engine (docker, podman or buildah).

``check.verify`` builds the original Dockerfile and its rewrite from the same context, starts
both the way ``docker run`` would, checks that the rewrite does at least what the original did
(stays up or exits 0, each EXPOSEd TCP port accepts a connection, the HEALTHCHECK passes),
measures both images, and removes every container and image it made. See docs/convert.md.
"""

from .check import Limits, verify
from .engine import STANDIN_LABEL, discover
from .result import Report

__all__ = ["Limits", "Report", "STANDIN_LABEL", "discover", "verify"]
