"""slimstage: lean, fast-to-rebuild Docker images, checked as you type."""

__version__ = "0.1.0"
