"""BuildKit's build checks as native rules: one module per check, named after it
(``stage_name_casing.py`` holds ``StageNameCasing``), found by ``base.all_rules``.

Codes, semantics and documentation links are BuildKit's (``docker build --check``); the
checks run on slimstage's model, without Docker. Helpers shared by the checks live in
``_common.py``.
"""
