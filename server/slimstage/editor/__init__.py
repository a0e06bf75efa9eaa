"""Editor intelligence: what an editor shows and does for a Dockerfile, without the protocol.

Each module takes the parsed model (and, where it needs them, the analysis and the
settings) and returns plain values; ``lsp/`` only converts them to and from the Language
Server Protocol, and the CLI uses them directly (``slimstage explain``, ``slimstage format``).

- ``stageinfo``: stage summaries (role, base image size, takes/gives, ships), lenses, inlay hints
- ``hover_text``, ``reference``: what a hover shows; instruction, flag and directive reference text
- ``navigation``: definitions, references, highlights and renames of stage names and variables
- ``structure``: outline, folding ranges, selection ranges
- ``completions``: completion items
- ``formatting``: layout that keeps BuildKit's parse
- ``semantic_tokens``, ``links``, ``signature_help``: highlighting, document links, signatures
"""
