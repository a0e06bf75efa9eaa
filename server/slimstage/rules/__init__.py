"""The rules: one module per rule, named ``slimNNN_<pattern>.py``, found by ``base.all_rules``."""
