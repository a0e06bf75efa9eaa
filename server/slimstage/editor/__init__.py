"""Editor intelligence: what an editor shows and does for a Dockerfile, without the protocol.

Each module here takes the parsed model (and, where it needs them, the analysis and the
settings) and returns plain values: text edits, token lists, links, signatures. ``lsp/``
only converts them to and from the Language Server Protocol; the CLI uses them directly
(``slimstage format``).
"""
