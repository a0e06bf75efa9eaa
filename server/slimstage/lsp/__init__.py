"""The language server: one module per LSP feature, wired together in ``server.py``."""
