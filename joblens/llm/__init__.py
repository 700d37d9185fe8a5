"""Match analysis by a language model or by rules: the client protocol, prompts and outputs."""

from __future__ import annotations

from joblens.llm.client import LLMClient, RulesAnalyzer
from joblens.llm.models import MatchAnalysis, Verdict
from joblens.llm.prompts import PROMPT_VERSION

__all__ = ["PROMPT_VERSION", "LLMClient", "MatchAnalysis", "RulesAnalyzer", "Verdict"]
