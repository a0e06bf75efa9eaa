"""The Dockerfile model and its parser."""

from .model import Dockerfile, Flag, Heredoc, Instruction, Pos, Problem, Range, Stage, Word
from .parse import decode, parse

__all__ = ["Dockerfile", "Flag", "Heredoc", "Instruction", "Pos", "Problem", "Range", "Stage", "Word", "decode", "parse"]
