"""The match analysis by any OpenAI-compatible chat API (OpenAI, Azure OpenAI, Ollama, vLLM).

Each request is retried on 429, 5xx, timeouts and dropped connections with exponential
backoff and jitter, waiting at least what the server's Retry-After (or retry-after-ms)
asks; the concurrency slot is released while waiting. An answer that fails validation is
asked again once with the error shown, then given up as `AnswerFailed` (cacheable: the
model said it). 401, 403 and 404 stop the stage with a ConfigError: no request can succeed.
Nothing here logs the endpoint's URL or key.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import httpx
import openai
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from joblens.errors import ConfigError
from joblens.fetch import retry_after_seconds
from joblens.llm import prompts
from joblens.llm.client import AnswerFailed, Reply, Request, Usage
from joblens.llm.models import CandidateProfile

__all__ = ["OpenAIAnalyzer", "endpoint_label"]

_TRANSIENT = (
    openai.RateLimitError,
    openai.InternalServerError,
    openai.APITimeoutError,
    openai.APIConnectionError,
)
_FATAL = (openai.AuthenticationError, openai.PermissionDeniedError, openai.NotFoundError)
_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


def endpoint_label(base_url: str | None) -> str:
    """The endpoint as logs may show it: scheme, host and port only (a token someone put in
    the path, query or user part stays out of every log line)."""
    if not base_url:
        return "api.openai.com"
    url = httpx.URL(base_url)
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}"


def _retry_after(exc: Exception) -> float | None:
    """Seconds the server asked to wait (retry-after-ms, Retry-After seconds or date)."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    headers = response.headers
    if "retry-after-ms" in headers:  # OpenAI's own, finer than Retry-After
        try:
            return max(0.0, float(headers["retry-after-ms"]) / 1000.0)
        except ValueError:
            pass
    return retry_after_seconds(headers.get("retry-after"))


def _why(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    kind = type(exc).__name__
    return f"HTTP {status} ({kind})" if status else kind


def estimate_tokens(messages: list[dict[str, str]]) -> int:
    """An upper-side estimate of a prompt's tokens: 1 per 3 characters plus 8 per message
    (English runs near 4 characters a token; other languages and JSON run denser)."""
    return sum(len(m["content"]) // 3 + 8 for m in messages)


class OpenAIAnalyzer:
    """`LLMClient` over an OpenAI-compatible endpoint; see the module docstring."""

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None,
        api_key: str | None,
        timeout_s: float = 60.0,
        max_attempts: int = 6,
        backoff_s: float = 0.5,
        backoff_max_s: float = 30.0,
        max_output_tokens: int = 700,
        rate_limit_wait_s: float = 300.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        seed: int | None = None,
    ) -> None:
        self.model = model
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s
        self.max_output_tokens = max_output_tokens
        self.rate_limit_wait_s = rate_limit_wait_s
        self._sleep = sleep
        self._rng = random.Random(seed)
        self._endpoint = (base_url, api_key, timeout_s)
        self._clients: dict[int, openai.AsyncOpenAI] = {}

    @property
    def _client(self) -> openai.AsyncOpenAI:
        """The HTTP client of the running event loop (a pooled connection is bound to the
        loop that opened it; each `analysis.analyze` call runs its own loop)."""
        loop = id(asyncio.get_running_loop())
        if loop not in self._clients:
            base_url, api_key, timeout_s = self._endpoint
            # The client's own retries are off: ours release the concurrency slot while
            # waiting. A keyless local server (Ollama, vLLM) still needs a non-empty key.
            self._clients[loop] = openai.AsyncOpenAI(
                base_url=base_url, api_key=api_key or "unused", max_retries=0, timeout=timeout_s
            )
        return self._clients[loop]

    async def aclose(self) -> None:
        """Close the running loop's connections."""
        client = self._clients.pop(id(asyncio.get_running_loop()), None)
        if client is not None:
            await client.close()

    @property
    def name(self) -> str:
        return f"llm:{self.model}:{prompts.PROMPT_VERSION}"

    @property
    def profiler_name(self) -> str:
        """The `profile_source` of the profiles it reads."""
        return f"llm:{self.model}:{prompts.PROFILE_VERSION}"

    def _key(self, version: str, messages: list[dict[str, str]]) -> str:
        return hashlib.sha256(json.dumps([self.model, version, messages]).encode()).hexdigest()

    def request(
        self, candidate: Mapping[str, Any], job: Mapping[str, Any], match: Mapping[str, Any]
    ) -> Request:
        """The messages of one analysis, keyed by (model, prompt version, their hash)."""
        messages = prompts.messages(candidate, job, match)
        return Request(
            candidate,
            job,
            match,
            key=self._key(prompts.PROMPT_VERSION, messages),
            tokens=estimate_tokens(messages) + self.max_output_tokens,
            body=messages,
        )

    def profile_request(self, candidate_id: str, cv_text: str) -> Request:
        """The messages that read one redacted CV into a CandidateProfile."""
        messages = prompts.profile_messages(cv_text)
        ids = {"candidate_id": candidate_id, "job_id": None}
        return Request(
            ids,
            {},
            ids,
            key=self._key(prompts.PROFILE_VERSION, messages),
            tokens=estimate_tokens(messages) + self.max_output_tokens,
            body=messages,
            schema=CandidateProfile,
        )

    async def answer(self, request: Request, slot: asyncio.Semaphore) -> Reply:
        """Ask, validate, ask once more with the error shown; see the module docstring."""
        messages: list[dict[str, str]] = list(request.body)
        usage = Usage()
        error = ""
        for ask in range(2):
            text, used = await self._complete(messages, slot)
            usage += used + Usage(retries=ask)  # asking again after an invalid answer
            try:
                return Reply(_parse(text, request.schema), usage)
            except (ValidationError, ValueError) as exc:
                error = _validation_error(exc)
            messages = [
                *messages,
                {"role": "assistant", "content": text},
                {"role": "user", "content": prompts.correction(error)},
            ]
        raise AnswerFailed(f"invalid answer twice: {error}", usage, cacheable=True)

    async def _complete(
        self, messages: list[dict[str, str]], slot: asyncio.Semaphore
    ) -> tuple[str, Usage]:
        """One answer's text. 5xx, timeouts and dropped connections spend `max_attempts`; a
        429 that says when to come back is waited out while the waits stay within
        `rate_limit_wait_s` (being told to slow down is not a failure of the request)."""
        calls = failures = 0
        waited = 0.0
        last = ""
        while True:
            calls += 1
            try:
                async with slot:
                    response = await self._post(messages)
            except _FATAL as exc:
                raise ConfigError(
                    f"the LLM endpoint refused the request: {_why(exc)}; check "
                    "JOBLENS_LLM__API_KEY, JOBLENS_LLM__BASE_URL and JOBLENS_LLM__MODEL"
                ) from None
            except _TRANSIENT as exc:
                last = _why(exc)
                asked = _retry_after(exc)
                told_when = isinstance(exc, openai.RateLimitError) and asked is not None
                if not told_when:
                    failures += 1
                delay = self._delay(failures, asked)
                if failures >= self.max_attempts or waited + delay > self.rate_limit_wait_s:
                    break
                waited += delay
                await self._sleep(delay)
                continue
            except openai.APIStatusError as exc:  # 400, 422...: this request will not pass
                usage = Usage(calls=calls, retries=calls - 1)
                raise AnswerFailed(f"refused: {_why(exc)}", usage) from None
            billed = response.usage
            usage = Usage(
                calls=calls,
                retries=calls - 1,
                prompt_tokens=billed.prompt_tokens if billed else 0,
                completion_tokens=billed.completion_tokens if billed else 0,
            )
            choice = response.choices[0] if response.choices else None
            return (choice.message.content or "") if choice else "", usage
        usage = Usage(calls=calls, retries=calls - 1)
        raise AnswerFailed(f"gave up after {calls} attempts, last: {last}", usage)

    async def _post(self, messages: list[dict[str, str]]) -> ChatCompletion:
        # The client's generic POST: `chat.completions.create` first walks the messages
        # through the SDK's TypedDict transform (1.3 ms a request of client CPU, most of the
        # per-request overhead); these are plain dicts already. Auth, base URL, timeouts
        # and error types are the client's.
        return await self._client.post(
            "/chat/completions",
            cast_to=ChatCompletion,
            body={
                "model": self.model,
                "messages": messages,
                "temperature": 0,
                "max_tokens": self.max_output_tokens,
                "response_format": {"type": "json_object"},
            },
        )

    def _delay(self, failures: int, asked: float | None) -> float:
        """Exponential backoff with full jitter (a uniform wait up to the doubling cap: the
        least total wait that still spreads clients out); what the server asked plus up to
        half as much again, so the requests it turned away do not all return at once."""
        if asked is not None:
            return asked + self._rng.uniform(0, asked / 2)
        cap = min(self.backoff_max_s, self.backoff_s * 2 ** max(failures - 1, 0))
        return self._rng.uniform(0, cap)


def _parse(text: str, schema: type[BaseModel]) -> BaseModel:
    """The answer's JSON object (a model may wrap it in a code fence), validated."""
    found = _JSON_OBJECT.search(text)
    if found is None:
        raise ValueError("the answer holds no JSON object")
    return schema.model_validate_json(found.group(0))


def _validation_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "answer"
        return f"{exc.error_count()} field errors, first: {where}: {first['msg']}"
    return str(exc)
