"""Convert a Dockerfile into a named multi-stage build, and check the result before use.

Data flows one way through the package:

    model + analysis + Settings
        ─▶ engine: planner.py (offline, deterministic) | claude.py (the only module that
           imports anthropic, lazily; prompt.py says what it asks, redact.py masks secrets)
        ─▶ annotate.py (a short comment above each FROM)
        ─▶ validate.py (parse again, stages, runtime contract via contract.py, lint, no new
           remote code) ─▶ Converted | Declined | Failed (result.py)
        ─▶ estimate.py (base image sizes) and report.py (the explanation shown to the user)

``conversion.py`` runs that loop (sending a rejected Claude candidate back with its
problems, a bounded number of times); ``command.py`` is the ``slimstage convert`` front end
and ``lsp/convert_command.py`` the editor's. Nothing here is applied without passing
``validate.validate``.
"""
