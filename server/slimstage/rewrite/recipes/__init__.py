"""The offline planner's recipes, one module per ecosystem; ``RECIPES`` maps ecosystem to recipe.

Each recipe is ``plan_<ecosystem>(facts, settings, project) -> Plan`` and raises
``common.Decline`` with the reason when it cannot convert a file safely.
"""

from __future__ import annotations

from typing import Callable

from ...settings import Settings
from ..facts import SourceFacts
from ..project import ProjectFiles
from .common import Decline, Plan, render

Recipe = Callable[[SourceFacts, Settings, ProjectFiles], Plan]


def recipes() -> dict[str, Recipe]:
    from .c import plan_c
    from .dotnet import plan_dotnet
    from .elixir import plan_elixir
    from .go import plan_go
    from .java import plan_java
    from .node import plan_node
    from .php import plan_php
    from .python import plan_python
    from .ruby import plan_ruby
    from .rust import plan_rust

    return {
        "node": plan_node,
        "python": plan_python,
        "go": plan_go,
        "java": plan_java,
        "rust": plan_rust,
        "dotnet": plan_dotnet,
        "ruby": plan_ruby,
        "php": plan_php,
        "elixir": plan_elixir,
        "c": plan_c,
    }


__all__ = ["Decline", "Plan", "Recipe", "recipes", "render"]
