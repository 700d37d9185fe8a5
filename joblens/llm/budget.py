"""A run's token and cost budget for LLM calls.

A request may start only while the tokens (and dollars) spent, plus those reserved by the
requests in flight, plus its own upper estimate stay within the budget; once one request
does not fit, the budget is closed and the rest of the run's requests are deferred, so a
lower-ranked match never jumps ahead of a better one. What a request really used replaces
its reservation when it ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from joblens.llm.client import Usage

__all__ = ["Budget", "ModelPrice"]


@dataclass(frozen=True)
class ModelPrice:
    """US dollars per million input (prompt) and output (completion) tokens."""

    input_per_mtok: float
    output_per_mtok: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (
            prompt_tokens * self.input_per_mtok + completion_tokens * self.output_per_mtok
        ) / 1e6


class Budget:
    """See the module docstring. None limits mean unbounded."""

    def __init__(
        self,
        *,
        max_tokens: int | None = None,
        max_cost: float | None = None,
        price: ModelPrice | None = None,
    ) -> None:
        if max_cost is not None and price is None:
            raise ValueError("a cost budget needs the model's price")
        self.max_tokens = max_tokens
        self.max_cost = max_cost
        self.price = price
        self.spent = Usage()
        self._reserved = 0
        self.closed_by: str | None = None

    @property
    def priced(self) -> bool:
        """Whether the model has a price (else `cost` says 0 for want of one)."""
        return self.price is not None

    @property
    def cost(self) -> float:
        """Dollars spent so far."""
        if self.price is None:
            return 0.0
        return self.price.cost(self.spent.prompt_tokens, self.spent.completion_tokens)

    def _worst_cost(self, tokens: int) -> float:
        if self.price is None:
            return 0.0
        return tokens * max(self.price.input_per_mtok, self.price.output_per_mtok) / 1e6

    def reserve(self, tokens: int) -> bool:
        """Reserve `tokens` for a request about to start; False (and closed) if they don't fit."""
        if self.closed_by is not None:
            return False
        spent = self.spent.prompt_tokens + self.spent.completion_tokens
        if self.max_tokens is not None and spent + self._reserved + tokens > self.max_tokens:
            self.closed_by = f"token budget of {self.max_tokens:,} reached"
        elif self.max_cost is not None and (
            self.cost + self._worst_cost(self._reserved + tokens) > self.max_cost
        ):
            self.closed_by = f"cost budget of ${self.max_cost:,.2f} reached"
        else:
            self._reserved += tokens
            return True
        return False

    def settle(self, tokens: int, used: Usage) -> None:
        """A request that reserved `tokens` ended having used `used`."""
        self._reserved -= tokens
        self.spent += used
