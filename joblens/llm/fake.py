"""A loopback stand-in for an OpenAI-compatible chat API: a test double for tests, benches
and the demo, never a model. `joblens fake-llm` serves it until Ctrl-C.

POST /v1/chat/completions answers after `latency_ms` with a deterministic answer that
validates: to a match analysis, a MatchAnalysis whose fit is the MATCH block's score x 100
and whose reasons name the job and the match's skills; to a CV, a CandidateProfile read by
a few fixed rules (second line = headline, "Skills:" and "Location:" lines, "N years",
"remote"). Faults on demand:
- beyond `rate_limit_rps` requests a second: 429 at once, with Retry-After (whole seconds)
  and retry-after-ms, as OpenAI sends them;
- `error_rate`: that share of requests get a 500 at once (a seeded random draw);
- `invalid_rate`: that share of answers are cut-off JSON (drawn from a hash of the request,
  so a retry that shows the error gets a fresh draw);
- `api_key`: when set, any other bearer token gets a 401.
GET /v1/models lists the one model. Counters of what happened are in `stats`.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeLLM", "serve"]

_MATCH_BLOCK = re.compile(r"MATCH\s*<data>\s*(\{.*?\})\s*</data>", re.DOTALL)
_CV_BLOCK = re.compile(r"CV\s*<data>\s*(\{.*?\})\s*</data>", re.DOTALL)
_YEARS = re.compile(r"(\d{1,2})\+?\s+years", re.IGNORECASE)
_JOB_BLOCK = re.compile(r"JOB\s*<data>\s*(\{.*?\})\s*</data>", re.DOTALL)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    fake: FakeLLM


def _block(pattern: re.Pattern[str], text: str) -> dict[str, Any]:
    found = pattern.search(text)
    if not found:
        return {}
    try:
        value = json.loads(found.group(1))
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def analysis_for(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The fake's answer to a match-analysis request: valid, deterministic, from the data."""
    user = next((str(m.get("content", "")) for m in messages if m.get("role") == "user"), "")
    match, job = _block(_MATCH_BLOCK, user), _block(_JOB_BLOCK, user)
    try:
        score = float(match.get("score", 0.0))
    except (TypeError, ValueError):
        score = 0.0
    fit = max(0, min(100, round(100 * score)))
    verdict = "strong" if fit >= 70 else ("possible" if fit >= 50 else "weak")
    matched = [str(s) for s in match.get("matched_skills") or []][:5]
    missing = [str(s) for s in match.get("missing_skills") or []][:5]
    title, company = job.get("title") or "the job", job.get("company") or "the company"
    return {
        "verdict": verdict,
        "fit": fit,
        "summary": f"A {verdict} fit for {title} at {company}.",
        "strengths": [f"Has {s}" for s in matched],
        "gaps": [f"No {s} named" for s in missing],
        "recommendation": {"strong": "apply", "possible": "tailor_cv"}.get(verdict, "skip"),
        "cv_changes": [f"Name {s} where you used it" for s in missing],
    }


def profile_for(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The fake's answer to a CV-profile request: valid, deterministic, from fixed rules."""
    user = next((str(m.get("content", "")) for m in messages if m.get("role") == "user"), "")
    cv = str(_block(_CV_BLOCK, user).get("cv", ""))
    lines = [ln.strip() for ln in cv.splitlines() if ln.strip()]
    labelled = {
        ln.split(":", 1)[0].strip().lower(): ln.split(":", 1)[1].strip()
        for ln in lines
        if ":" in ln
    }
    skills = [s.strip() for s in re.split(r"[,;|]", labelled.get("skills", "")) if s.strip()]
    years = _YEARS.search(cv)
    lowered = cv.lower()
    remote = (
        "remote_only"
        if "remote only" in lowered
        else ("remote_or_hybrid" if "remote" in lowered else "unstated")
    )
    headline = (lines[1] if len(lines) > 1 else lines[0])[:200] if lines else None
    return {
        "headline": headline,
        "titles_wanted": [headline] if headline else [],
        "skills": skills[:100],
        "years_experience": float(years.group(1)) if years else None,
        "seniority": None,
        "locations": [labelled["location"]] if labelled.get("location") else [],
        "remote_preference": remote,
        "salary_floor": None,
        "salary_currency": None,
        "salary_period": None,
    }


def answer_for(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The fake's answer to any request it understands (a CV profile or a match)."""
    system = next((str(m.get("content", "")) for m in messages if m.get("role") == "system"), "")
    return profile_for(messages) if system.startswith("You read one CV") else analysis_for(messages)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle's algorithm and the
    # client's delayed ACK add ~40 ms to every answer.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        return

    def _send(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first (its timeout was shorter than the latency): counted,
            # not a traceback on the console.
            self.server.fake.stats["client_gone"] += 1

    def do_GET(self) -> None:
        fake = self.server.fake
        if self.path.rstrip("/").endswith("/models"):
            self._send(200, {"object": "list", "data": [{"id": fake.model, "object": "model"}]})
        else:
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        fake.seen_keys.add(self.headers.get("Authorization", "").removeprefix("Bearer "))
        fake.bodies.append(raw)
        status, body, headers = fake.respond(raw, self.headers.get("Authorization", ""))
        self._send(status, body, headers)


class FakeLLM:
    """The loopback stand-in (see the module docstring); a context manager that serves in a
    background thread. `base_url` is what JOBLENS_LLM__BASE_URL should say."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0.0,
        error_rate: float = 0.0,
        invalid_rate: float = 0.0,
        rate_limit_rps: float = 0.0,
        api_key: str | None = None,
        model: str = "gpt-4o-mini",
        seed: int = 0,
    ) -> None:
        for name, rate in (("error_rate", error_rate), ("invalid_rate", invalid_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be within [0, 1], got {rate}")
        if latency_ms < 0 or rate_limit_rps < 0:
            raise ValueError("latency_ms and rate_limit_rps must be >= 0")
        self.latency_s = latency_ms / 1000.0
        self.error_rate = error_rate
        self.invalid_rate = invalid_rate
        self.rate_limit_rps = rate_limit_rps
        self.api_key = api_key
        self.model = model
        self.stats: Counter[str] = Counter()
        self.seen_keys: set[str] = set()  # bearer tokens that came (tests check where keys go)
        self.bodies: deque[bytes] = deque(maxlen=10_000)  # the latest request bodies
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._window: list[float] = []
        self._server = _Server((host, port), _Handler)
        self._server.fake = self
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> FakeLLM:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    # -- answers -------------------------------------------------------------------------
    def _rate_limited(self) -> float | None:
        """Seconds until the next request fits under the rate, or None if this one does."""
        if self.rate_limit_rps <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            self._window = [t for t in self._window if now - t < 1.0]
            if len(self._window) < self.rate_limit_rps:
                self._window.append(now)
                return None
            return max(0.001, 1.0 - (now - self._window[0]))

    def _fails(self) -> bool:
        with self._lock:
            return self._rng.random() < self.error_rate

    def respond(self, raw: bytes, authorization: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        """(status, JSON body, headers) for one chat-completions request body."""
        self.stats["requests"] += 1
        if self.api_key is not None and authorization != f"Bearer {self.api_key}":
            self.stats["unauthorized"] += 1
            return 401, _error("Incorrect API key provided", "invalid_api_key"), {}
        wait = self._rate_limited()
        if wait is not None:
            self.stats["rate_limited"] += 1
            headers = {
                "Retry-After": str(max(1, round(wait))),
                "retry-after-ms": str(round(wait * 1000)),
            }
            return 429, _error("Rate limit reached", "rate_limit_exceeded"), headers
        if self._fails():
            self.stats["server_errors"] += 1
            return 500, _error("The server had an error", "server_error"), {}
        try:
            request = json.loads(raw)
            messages = list(request["messages"])
        except (ValueError, KeyError, TypeError):
            self.stats["bad_requests"] += 1
            return 400, _error("the body is not a chat-completions request", "invalid_request"), {}
        time.sleep(self.latency_s)
        digest = hashlib.sha256(raw).digest()
        draw = int.from_bytes(digest[:8], "big") / 2**64
        content = json.dumps(answer_for(messages))
        if draw < self.invalid_rate:
            self.stats["invalid"] += 1
            content = content[: len(content) // 2]
        self.stats["answered"] += 1
        prompt_tokens = sum(len(str(m.get("content", ""))) for m in messages) // 4
        return 200, _completion(self.model, content, prompt_tokens, digest.hex()[:24]), {}


def _error(message: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": code, "code": code, "param": None}}


def _completion(model: str, content: str, prompt_tokens: int, ident: str) -> dict[str, Any]:
    completion_tokens = max(1, len(content) // 4)
    return {
        "id": f"chatcmpl-{ident}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def serve(fake: FakeLLM) -> None:
    """Serve `fake` in this thread until Ctrl-C (for `joblens fake-llm`)."""
    fake.serve_forever()
