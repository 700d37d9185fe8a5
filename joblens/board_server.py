"""A loopback HTTP server that answers like the job boards, from a world's files, with faults
on demand (for tests of the live sources and for `joblens serve-fixtures`).

`BoardServer(world)` serves `world/sources/<kind>/<name>.<ext>` (or `world/<kind>/...` when
`world` is itself a drop folder) in a background thread. Every kind lives under a prefix
`/<kind>` followed by the board's REAL path, so a client whose base URL is the one in
`base_urls()` and that appends the real path works unchanged:

    greenhouse       /greenhouse/v1/boards/{board}/jobs?content=true      the file (without
                     content=true the jobs lose their "content", as on Greenhouse)
                     /greenhouse/v1/boards/{board}/jobs/{id}               that job alone
    lever            /lever/v0/postings/{board}?mode=json                  the file (skip/limit)
                     /lever/v0/postings/{board}/{id}                       one posting
    ashby            /ashby/posting-api/job-board/{board}?includeCompensation=true
    recruitee        /recruitee/{board}/api/offers/
    personio         /personio/{board}/xml
    workable         /workable/api/v1/widget/accounts/{board}?details=true
    smartrecruiters  /smartrecruiters/v1/companies/{board}/postings?limit=&offset=
                     (a page of the file's "content", {"offset","limit","totalFound"}; list
                     items lose "jobAd" and get a "ref" to this server's detail answer)
                     /smartrecruiters/v1/companies/{board}/postings/{id}   one posting, whole
    hackernews       /hackernews/api/v1/search_by_date?tags=comment,story_{board}
                     &hitsPerPage=&page=[&numericFilters=created_at_i<N] (Algolia: newest
                     first, at most 1,000 hits reachable by paging, nbHits counts all)
    remotive         /remotive/api/remote-jobs[?search=&limit=]   } one global board each:
    remoteok         /remoteok/api                                } the kind's files are
    himalayas        /himalayas/jobs/api?limit=&offset=  (<= 20)  } merged
    weworkremotely   /weworkremotely/categories/{name}.rss   weworkremotely/<name>.xml
                     /weworkremotely/remote-jobs.rss          remote-jobs.xml, else every
                                                              feed's items in one
    rss, any other kind: /<kind>/<name>.<ext>, the file as it is (every kind's files also)
    indeed (JobSpy)  POST /indeed/graphql: Indeed's GraphQL jobSearch answer built from the
                     world's jobspy/indeed_<cc>.csv rows (cc from the `indeed-co` header),
                     100 a page (the query's `limit`), with a cursor
    linkedin (JobSpy) /linkedin/jobs-guest/jobs/api/seeMoreJobPostings/search?keywords=
                     &location=&start=: guest search cards, 10 a page, from jobspy/linkedin_*.csv
                     (a `location` naming a country picks linkedin_<cc>.csv);
                     /linkedin/jobs/view/{id} redirects (302) to /jobs/view/{id}, the job page
                     (JobSpy only reads a page whose path starts with /jobs/view/)

Unknown boards and paths answer 404 with a short JSON error. `fault(glob, spec, times)`
makes matching requests misbehave (see `FAULT_SPECS`); `requests` records every request as
(method, path with query, status; 0 for a reset connection).
"""

from __future__ import annotations

import base64
import contextlib
import csv
import fnmatch
import html
import io
import json
import math
import re
import socket
import socketserver
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple, cast, overload
from urllib.parse import parse_qsl, quote, unquote, urlsplit

__all__ = ["FAULT_SPECS", "BoardServer", "Hit", "parse_fault", "serve"]

FAULT_SPECS = (
    "429[:N]  429 Too Many Requests with Retry-After: N (default 1)",
    "503[:N]  503 Service Unavailable with Retry-After: N (default 1)",
    "500      500 Internal Server Error",
    "404      404 Not Found",
    "403      403 with an HTML 'Access denied' block page",
    "captcha  200 with an HTML CAPTCHA challenge page",
    "slow:S   wait S seconds, then answer normally",
    "truncate 200 with the normal body cut in half (Content-Length says the half)",
    "html     200 with an HTML page (text/html)",
    "mislabel 200 with the normal body, labelled text/html (a misconfigured server)",
    "garbage  200 with JSON that is no board's answer",
    "reset    close the connection without an answer (TCP reset)",
)

# Path after the server URL of each kind's base URL ({board} where the real host has it).
_BASES: dict[str, str] = {
    "greenhouse": "/greenhouse",
    "lever": "/lever",
    "ashby": "/ashby",
    "recruitee": "/recruitee/{board}",
    "personio": "/personio/{board}",
    "remotive": "/remotive",
    "workable": "/workable",
    "smartrecruiters": "/smartrecruiters",
    "remoteok": "/remoteok",
    "himalayas": "/himalayas",
    "hackernews": "/hackernews",
    "weworkremotely": "/weworkremotely",
    "rss": "/rss",
    "jobspy": "/jobspy",
    "indeed": "/indeed/graphql",
    "linkedin": "/linkedin",
}
_GLOBAL_KINDS = ("remotive", "remoteok", "himalayas")  # one board per kind: files merged
_EXTENSIONS = {"rss": "xml", "weworkremotely": "xml", "personio": "xml", "jobspy": "csv"}
_JOBSPY_SITES = ("indeed", "linkedin")  # the JobSpy scrapers this server stands in for
_JSON = "application/json; charset=utf-8"
_HTML_TYPE = "text/html; charset=utf-8"
_TYPES = {
    "json": _JSON,
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "parquet": "application/octet-stream",
    "txt": "text/plain; charset=utf-8",
}
_LINKEDIN_EMPTY = "<!DOCTYPE html>\n\n<!---->"  # what LinkedIn answers past the last card

# ISO 3166 codes and English names (every country JobSpy's Indeed scraper knows, and more):
# jobspy's `country_indeed` accepts these names, and a LinkedIn `location` naming one picks
# that country's file.
_COUNTRIES: dict[str, str] = dict(
    line.split(" ", 1)
    for line in """AE United Arab Emirates
AR Argentina
AT Austria
AU Australia
BD Bangladesh
BE Belgium
BG Bulgaria
BH Bahrain
BR Brazil
CA Canada
CH Switzerland
CL Chile
CN China
CO Colombia
CR Costa Rica
CY Cyprus
CZ Czech Republic
DE Germany
DK Denmark
EC Ecuador
EE Estonia
EG Egypt
ES Spain
FI Finland
FR France
GB United Kingdom
GR Greece
HK Hong Kong
HR Croatia
HU Hungary
ID Indonesia
IE Ireland
IL Israel
IN India
IT Italy
JP Japan
KR South Korea
KW Kuwait
LT Lithuania
LU Luxembourg
LV Latvia
MA Morocco
MT Malta
MX Mexico
MY Malaysia
NG Nigeria
NL Netherlands
NO Norway
NZ New Zealand
OM Oman
PA Panama
PE Peru
PH Philippines
PK Pakistan
PL Poland
PT Portugal
QA Qatar
RO Romania
SA Saudi Arabia
SE Sweden
SG Singapore
SK Slovakia
TH Thailand
TR Turkey
TW Taiwan
UA Ukraine
US United States
UY Uruguay
VE Venezuela
VN Vietnam
ZA South Africa""".splitlines()
)
# Countries JobSpy names (jobspy.indeed.constant.countries) but cannot search Indeed in.
_NOT_INDEED_COUNTRIES = frozenset({"BD", "BG", "CY", "EE", "HR", "LT", "LV", "MT", "SK"})
_COUNTRY_BY_NAME: dict[str, str] = {
    **{name.lower(): code for code, name in _COUNTRIES.items()},
    **{code.lower(): code for code in _COUNTRIES},
    "usa": "US",
    "united states of america": "US",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "czechia": "CZ",
    "türkiye": "TR",
    "uae": "AE",
}

# Indeed's attribute keys (jobspy.indeed.constant) and LinkedIn's criteria labels.
_INDEED_JOB_TYPES = {
    "fulltime": ("CF3CP", "Full-time"),
    "parttime": ("75GKK", "Part-time"),
    "contract": ("NJXCK", "Contract"),
    "internship": ("VDTG7", "Internship"),
    "temporary": ("4HKF7", "Temporary"),
    "perdiem": ("TQKYQ", "Per diem"),
    "volunteer": ("UXQZ8", "Volunteer"),
}
_INDEED_TYPE_BY_KEY = {
    "CF3CP": "fulltime",
    "75GKK": "parttime",
    "NJXCK": "contract",
    "T9BXE": "contract",
    "T65DZ": "contract",
    "VDTG7": "internship",
    "4HKF7": "temporary",
    "CJWTS": "temporary",
    "TQKYQ": "perdiem",
    "UXQZ8": "volunteer",
}
_INDEED_REMOTE, _INDEED_HYBRID = "DSQF7", "PAXZC"
_PAY_UNITS = {"yearly": "YEAR", "monthly": "MONTH", "weekly": "WEEK", "daily": "DAY"}
_PAY_UNITS["hourly"] = "HOUR"
_LINKEDIN_PAY = {"yearly": "/yr", "monthly": "/mo", "hourly": "/hr"}
_SYMBOLS = {"USD": "$", "CAD": "CA$", "GBP": "£", "EUR": "€", "INR": "₹"}

csv.field_size_limit(64 * 2**20)


# -- answers and faults ------------------------------------------------------------------------


@dataclass
class _Answer:
    status: int
    body: bytes
    content_type: str = _JSON
    headers: dict[str, str] = field(default_factory=dict)


def _json(doc: Any, status: int = 200) -> _Answer:
    return _Answer(status, json.dumps(doc, ensure_ascii=False).encode())


def _error(status: int, message: str) -> _Answer:
    return _json({"status": status, "error": message}, status)


def _page(title: str, body: str, status: int = 200) -> _Answer:
    text = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>\n<body>\n{body}\n</body></html>\n"
    )
    return _Answer(status, text.encode(), _HTML_TYPE)


_BLOCK_PAGE = """<div class="cf-error-details">
<h1>Access denied</h1>
<p>You do not have access to this page. The site owner may have set restrictions that
prevent you from accessing the site.</p>
<p>Error code 1020 &middot; Ray ID: 8c1f2e3d4b5a6978</p>
</div>"""
_CAPTCHA_PAGE = """<div id="challenge-container">
<h1>Please verify you are a human</h1>
<p>Our systems have detected unusual traffic from your computer network. Complete the
check below to continue.</p>
<form id="captcha-form" action="/captcha/verify" method="post">
<div class="g-recaptcha" data-sitekey="6LfD3PIbAAAAAJs_eEHvoOl75_83eXSqpPSRFJ_u"></div>
<button type="submit">Continue</button>
</form>
</div>"""
_HTML_PAGE = """<header><nav><a href="/">Home</a> <a href="/careers">Careers</a></nav></header>
<main><h1>Join our team</h1>
<p>We are hiring! Browse our open positions below.</p>
<div id="root" data-app="careers"></div>
<script src="/static/js/careers.bundle.js"></script></main>"""


@dataclass
class _Fault:
    pattern: str
    spec: str
    remaining: int | None
    action: str  # status, block, captcha, html, garbage, slow, truncate, mislabel, reset
    status: int = 0
    retry_after: int | None = None
    seconds: float = 0.0

    def answer(self) -> _Answer:
        """The answer of a fault that answers in place of the board."""
        if self.action == "block":
            return _page("Access denied", _BLOCK_PAGE, 403)
        if self.action == "captcha":
            return _page("Security check: are you a robot?", _CAPTCHA_PAGE)
        if self.action == "html":
            return _page("Careers", _HTML_PAGE)
        if self.action == "garbage":
            return _Answer(200, b'{"ok": false, "data": null, "note": "maintenance"}', _JSON)
        reasons = {
            429: "Too Many Requests",
            503: "Service Unavailable",
            500: "Internal Server Error",
            404: "Not Found",
        }
        out = _error(self.status, reasons.get(self.status, "error"))
        if self.retry_after is not None:
            out.headers["Retry-After"] = str(self.retry_after)
        return out


def parse_fault(spec: str) -> tuple[str, int, int | None, float]:
    """Return (action, status, retry_after, seconds) of a fault spec; ValueError naming the
    specs known otherwise."""
    name, _, arg = spec.strip().lower().partition(":")
    try:
        if name in ("429", "503"):
            wait = int(arg) if arg else 1
            if wait < 0:
                raise ValueError
            return "status", int(name), wait, 0.0
        if name in ("500", "404") and not arg:
            return "status", int(name), None, 0.0
        if name == "403" and not arg:
            return "block", 403, None, 0.0
        if name in ("captcha", "truncate", "html", "reset", "mislabel", "garbage") and not arg:
            return name, 200, None, 0.0
        if name == "slow":
            seconds = float(arg)
            if not math.isfinite(seconds) or seconds < 0:
                raise ValueError
            return "slow", 200, None, seconds
    except ValueError:
        pass
    known = "; ".join(s.split()[0] for s in FAULT_SPECS)
    raise ValueError(f"unknown fault spec {spec!r}; known: {known}")


class Hit(NamedTuple):
    """One request the server answered: method, path (with its query) and status (0: the
    connection was reset without an answer)."""

    method: str
    path: str
    status: int


class _RequestLog:
    """A thread-safe list of `Hit`s (iterating, indexing and len see a snapshot)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits: list[Hit] = []

    def append(self, hit: Hit) -> None:
        with self._lock:
            self._hits.append(hit)

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()

    def snapshot(self) -> list[Hit]:
        with self._lock:
            return list(self._hits)

    def matching(self, pattern: str, status: int | None = None) -> list[Hit]:
        """The hits whose path (with or without its query) matches the fnmatch `pattern`,
        of that status when one is given."""
        return [
            h
            for h in self.snapshot()
            if _matches(pattern, h.path) and (status is None or h.status == status)
        ]

    def __len__(self) -> int:
        with self._lock:
            return len(self._hits)

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.snapshot())

    @overload
    def __getitem__(self, index: int) -> Hit: ...

    @overload
    def __getitem__(self, index: slice) -> list[Hit]: ...

    def __getitem__(self, index: int | slice) -> Hit | list[Hit]:
        with self._lock:
            return self._hits[index]

    def __repr__(self) -> str:
        return f"RequestLog({self.snapshot()!r})"


def _matches(pattern: str, target: str) -> bool:
    path = target.split("?", 1)[0]
    return fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(target, pattern)


# -- the world's files -------------------------------------------------------------------------


class _Files:
    """The board files under a root, with parsed forms cached per file (by mtime and size)."""

    _MAX_CACHED = 512

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[tuple[int, int], Any]] = {}

    def kinds(self) -> list[str]:
        return sorted(
            p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")
        )

    def files(self, kind: str) -> list[Path]:
        folder = self.root / kind
        if not folder.is_dir():
            return []
        return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))

    def board(self, kind: str, board: str) -> Path | None:
        """The file of one board (`<kind>/<board>.<ext>`, else `<board>.*`), None if absent."""
        if not board or "/" in board or "\\" in board or board.startswith("."):
            return None
        ext = _EXTENSIONS.get(kind, "json")
        path = self.root / kind / f"{board}.{ext}"
        if path.is_file():
            return path
        return next((p for p in self.files(kind) if p.stem == board), None)

    def parsed(self, path: Path, tag: str, make: Callable[[bytes], Any]) -> Any:
        """`make(bytes of path)`, cached until the file changes."""
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        key = (str(path), tag)
        with self._lock:
            hit = self._cache.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        value = make(path.read_bytes())
        with self._lock:
            if len(self._cache) >= self._MAX_CACHED:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = (stamp, value)
        return value

    def doc(self, path: Path) -> Any:
        return self.parsed(path, "json", json.loads)

    def rows(self, path: Path) -> list[dict[str, str]]:
        return cast(list[dict[str, str]], self.parsed(path, "csv", _csv_rows))


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), escapechar="\\")
    return [{str(k): v or "" for k, v in row.items() if k is not None} for row in reader]


def _content_type(kind: str, path: Path) -> str:
    ext = path.suffix.lstrip(".").lower()
    if ext in ("xml", "rss"):
        return (
            "application/xml; charset=utf-8"
            if kind == "personio"
            else ("application/rss+xml; charset=utf-8")
        )
    return _TYPES.get(ext, "application/octet-stream")


# -- the server --------------------------------------------------------------------------------


class BoardServer:
    """Serve a world's board files over loopback HTTP in the boards' real formats.

    Use as a context manager (`with BoardServer(world) as server: ...`) or `start()`/`stop()`.
    """

    linkedin_page_size = 10  # cards per LinkedIn guest search page (LinkedIn's own)
    himalayas_max_limit = 20  # Himalayas serves at most 20 jobs a page
    smartrecruiters_max_limit = 100

    def __init__(
        self, world: Path, host: str = "127.0.0.1", port: int = 0, *, log: bool = False
    ) -> None:
        world = Path(world)
        root = world / "sources" if (world / "sources").is_dir() else world
        if not root.is_dir():
            raise FileNotFoundError(f"{world} is not a world (no sources/ folder) nor a folder")
        self.world = world
        self.files = _Files(root)
        self.host = host
        self.port = port
        self.log = log
        self.requests = _RequestLog()
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._searches: dict[tuple[Any, ...], list[dict[str, str]]] = {}
        self._linkedin_ids: tuple[list[dict[str, str]], dict[str, dict[str, str]]] = ([], {})

    # -- life cycle ---------------------------------------------------------------------

    def start(self) -> BoardServer:
        """Bind and serve in a background thread; returns self."""
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self.host, self.port), self)
        self.port = int(httpd.server_address[1])
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            daemon=True,
            name=f"board-server:{self.port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> BoardServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """http://host:port of the running server."""
        if self._httpd is None:
            raise RuntimeError("BoardServer is not started (use `with` or start())")
        host = self.host if self.host not in ("", "0.0.0.0", "::") else "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    # -- what it serves ------------------------------------------------------------------

    @property
    def netloc(self) -> str:
        """host:port of this server: the one entry of `fetch.allowed_hosts` that keeps a
        run against it off the internet (posting links name the real boards)."""
        return urlsplit(self.url).netloc

    def base_urls(self) -> dict[str, str]:
        """The base URL of each kind on this server (settings `fetch.base_urls`): every kind
        JobLens knows, so that nothing configured from these reaches the internet."""
        out = {kind: self.url + base for kind, base in _BASES.items()}
        for kind in self.files.kinds():
            out.setdefault(kind, f"{self.url}/{kind}")
        return out

    def boards(self) -> dict[str, int]:
        """The number of board files per kind."""
        return {kind: len(self.files.files(kind)) for kind in self.files.kinds()}

    def sources(self) -> list[dict[str, Any]]:
        """One `[[sources]]` spec per board file (the global boards remotive, remoteok and
        himalayas: one per kind; JobSpy: one per indeed_/linkedin_ file whose country is
        known, other JobSpy sites are not emulated and left out)."""
        out: list[dict[str, Any]] = []
        for kind in self.files.kinds():
            files = self.files.files(kind)
            if not files:
                continue
            if kind in _GLOBAL_KINDS:
                out.append({"kind": kind})
            elif kind == "jobspy":
                out += [s for s in map(self._jobspy_source, files) if s is not None]
            elif kind == "weworkremotely":
                out += [{"kind": kind, "url": self._wwr_url(p)} for p in files]
            elif kind in _BASES and kind != "rss":
                out += [{"kind": kind, "board": p.stem} for p in files]
            else:
                out += [
                    {"kind": kind, "url": f"{self.url}/{quote(kind)}/{quote(p.name)}"}
                    for p in files
                ]
        return out

    def _wwr_url(self, path: Path) -> str:
        if path.stem == "remote-jobs":
            return f"{self.url}/weworkremotely/remote-jobs.rss"
        return f"{self.url}/weworkremotely/categories/{quote(path.stem)}.rss"

    def _jobspy_source(self, path: Path) -> dict[str, Any] | None:
        site, _, cc = path.stem.partition("_")
        country = _COUNTRIES.get(cc.upper())
        if site not in _JOBSPY_SITES or country is None or path.suffix != ".csv":
            return None
        indeed_knows = cc.upper() not in _NOT_INDEED_COUNTRIES
        if site == "indeed" and not indeed_knows:
            return None
        spec: dict[str, Any] = {"kind": "jobspy", "name": f"jobspy:{path.stem}", "sites": [site]}
        if site == "linkedin":
            spec["location"] = country
        if indeed_knows:
            spec["country"] = country  # JobSpy's country_indeed (LinkedIn: its pay guess)
        spec["results_wanted"] = max(1, len(self.files.rows(path)))
        return spec

    def config_toml(self) -> str:
        """The settings for pointing `joblens ingest` here: `[fetch.base_urls]` and one
        `[[sources]]` per board."""
        lines = [f"# joblens serve-fixtures: {self.world} at {self.url}", "", "[fetch]"]
        lines += [f"allowed_hosts = [{_toml(self.netloc)}]  # never the boards themselves"]
        lines += ["", "[fetch.base_urls]"]
        lines += [f"{kind} = {_toml(url)}" for kind, url in self.base_urls().items()]
        for spec in self.sources():
            lines += ["", "[[sources]]"]
            lines += [f"{key} = {_toml(value)}" for key, value in spec.items()]
        return "\n".join(lines) + "\n"

    # -- faults -----------------------------------------------------------------------

    def fault(self, pattern: str, spec: str, times: int | None = None) -> None:
        """Make requests whose path (with or without its query) matches the fnmatch
        `pattern` misbehave as `spec` says (see FAULT_SPECS): always (times=None) or for
        the next `times` matching requests. The first fault added that matches applies."""
        if times is not None and times < 1:
            raise ValueError(f"times must be >= 1 or None, got {times}")
        action, status, retry_after, seconds = parse_fault(spec)
        with self._lock:
            self._faults.append(_Fault(pattern, spec, times, action, status, retry_after, seconds))

    def clear_faults(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def _take_fault(self, target: str) -> _Fault | None:
        with self._lock:
            for i, fault in enumerate(self._faults):
                if _matches(fault.pattern, target):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            del self._faults[i]
                    return fault
        return None

    # -- routing ------------------------------------------------------------------------

    def route(self, method: str, target: str, headers: Any, body: bytes) -> _Answer:
        """The board's answer to one request (no faults)."""
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        path = parts.path
        for verb, pattern, name in _ROUTES:
            m = pattern.match(path)
            if m is None:
                continue
            if method not in verb:
                return _error(405, f"{method} not allowed on {path}")
            handler: Callable[..., _Answer] = getattr(self, name)
            args = [unquote(g) for g in m.groups()]
            return handler(*args, query=query, headers=headers, body=body)
        if path in ("", "/"):
            return _json(
                {"world": str(self.world), "boards": self.boards(), "base_urls": self.base_urls()}
            )
        return _error(404, f"no such endpoint: {path}")

    def _file(self, kind: str, board: str) -> Path | _Answer:
        path = self.files.board(kind, board)
        if path is None:
            return _error(404, f"{kind} board {board!r} not found")
        return path

    def _raw(self, kind: str, board: str, **_: Any) -> _Answer:
        path = self._file(kind, board)
        if isinstance(path, _Answer):
            return path
        return _Answer(200, path.read_bytes(), _content_type(kind, path))

    def _generic(self, kind: str, name: str, **_: Any) -> _Answer:
        path = self.files.root / kind / name
        if name.startswith(".") or not path.is_file():
            return _error(404, f"no file {kind}/{name}")
        return _Answer(200, path.read_bytes(), _content_type(kind, path))

    # greenhouse

    def _greenhouse_jobs(self, board: str, *, query: dict[str, str], **_: Any) -> _Answer:
        if query.get("content", "").lower() == "true":
            return self._raw("greenhouse", board)
        path = self._file("greenhouse", board)
        if isinstance(path, _Answer):
            return path
        doc = self.files.doc(path)
        if isinstance(doc, dict) and isinstance(doc.get("jobs"), list):
            jobs = [
                {k: v for k, v in j.items() if k != "content"} if isinstance(j, dict) else j
                for j in doc["jobs"]
            ]
            doc = {**doc, "jobs": jobs}
        return _json(doc)

    def _greenhouse_job(self, board: str, job_id: str, **_: Any) -> _Answer:
        path = self._file("greenhouse", board)
        if isinstance(path, _Answer):
            return path
        index = self.files.parsed(path, "greenhouse-ids", _index_greenhouse)
        job = index.get(job_id)
        return _json(job) if job is not None else _error(404, "Job not found")

    # lever

    def _lever_postings(self, board: str, *, query: dict[str, str], **_: Any) -> _Answer:
        if "skip" not in query and "limit" not in query:
            return self._raw("lever", board)
        path = self._file("lever", board)
        if isinstance(path, _Answer):
            return path
        doc = self.files.doc(path)
        items = doc if isinstance(doc, list) else []
        skip = _int(query.get("skip"), 0)
        limit = _int(query.get("limit"), len(items))
        return _json(items[skip : skip + limit])

    def _lever_posting(self, board: str, posting_id: str, **_: Any) -> _Answer:
        path = self._file("lever", board)
        if isinstance(path, _Answer):
            return path
        doc = self.files.doc(path)
        found = (
            next((p for p in doc if isinstance(p, dict) and str(p.get("id")) == posting_id), None)
            if isinstance(doc, list)
            else None
        )
        if found is None:
            return _json({"ok": False, "error": "Document not found"}, 404)
        return _json(found)

    def _ashby(self, board: str, **_: Any) -> _Answer:
        return self._raw("ashby", board)

    def _recruitee(self, board: str, **_: Any) -> _Answer:
        return self._raw("recruitee", board)

    def _personio(self, board: str, **_: Any) -> _Answer:
        return self._raw("personio", board)

    def _workable(self, board: str, **_: Any) -> _Answer:
        return self._raw("workable", board)

    # smartrecruiters

    def _sr_items(self, board: str) -> list[Any] | _Answer:
        path = self._file("smartrecruiters", board)
        if isinstance(path, _Answer):
            return path
        doc = self.files.doc(path)
        items = doc.get("content") if isinstance(doc, dict) else doc
        return items if isinstance(items, list) else []

    def _sr_list(self, board: str, *, query: dict[str, str], **_: Any) -> _Answer:
        items = self._sr_items(board)
        if isinstance(items, _Answer):
            return items
        limit = min(max(_int(query.get("limit"), 10), 1), self.smartrecruiters_max_limit)
        offset = max(_int(query.get("offset"), 0), 0)
        page = []
        for item in items[offset : offset + limit]:
            if isinstance(item, dict):
                item = {k: v for k, v in item.items() if k != "jobAd"}
                if item.get("id") is not None:
                    item["ref"] = (
                        f"{self.url}/smartrecruiters/v1/companies/{quote(board, safe='')}"
                        f"/postings/{quote(str(item['id']), safe='')}"
                    )
            page.append(item)
        return _json({"offset": offset, "limit": limit, "totalFound": len(items), "content": page})

    def _sr_one(self, board: str, posting_id: str, **_: Any) -> _Answer:
        items = self._sr_items(board)
        if isinstance(items, _Answer):
            return items
        for item in items:
            if isinstance(item, dict) and str(item.get("id")) == posting_id:
                return _json(item)
        return _json({"errors": [{"code": "NOT_FOUND", "message": "Posting not found"}]}, 404)

    # global boards: the kind's files merged

    def _merged(self, kind: str, key: str | None) -> tuple[list[Any], dict[str, Any]] | _Answer:
        files = self.files.files(kind)
        if not files:
            return _error(404, f"no {kind} files in this world")
        items: list[Any] = []
        head: dict[str, Any] = {}
        for path in files:
            doc = self.files.doc(path)
            if key is not None and isinstance(doc, dict):
                head = head or {k: v for k, v in doc.items() if k != key}
                got = doc.get(key)
            else:
                got = doc
            if isinstance(got, list):
                items += got
        return items, head

    def _remotive(self, *, query: dict[str, str], **_: Any) -> _Answer:
        merged = self._merged("remotive", "jobs")
        if isinstance(merged, _Answer):
            return merged
        jobs, head = merged
        total = len(jobs)
        words = (query.get("search") or "").lower().split()
        if words:
            jobs = [j for j in jobs if isinstance(j, dict) and _has_words(_remotive_text(j), words)]
        if query.get("limit"):
            jobs = jobs[: max(_int(query.get("limit"), len(jobs)), 0)]
        return _json({**head, "job-count": len(jobs), "total-job-count": total, "jobs": jobs})

    def _remoteok(self, **_: Any) -> _Answer:
        merged = self._merged("remoteok", None)
        if isinstance(merged, _Answer):
            return merged
        items, _head = merged
        legal = [i for i in items if isinstance(i, dict) and "legal" in i][:1]
        return _json(legal + [i for i in items if not (isinstance(i, dict) and "legal" in i)])

    def _himalayas(self, *, query: dict[str, str], **_: Any) -> _Answer:
        merged = self._merged("himalayas", "jobs")
        if isinstance(merged, _Answer):
            return merged
        jobs, head = merged
        limit = min(max(_int(query.get("limit"), 20), 1), self.himalayas_max_limit)
        offset = max(_int(query.get("offset"), 0), 0)
        return _json(
            {
                "updatedAt": head.get("updatedAt", int(time.time())),
                "offset": offset,
                "limit": limit,
                "totalCount": len(jobs),
                "jobs": jobs[offset : offset + limit],
            }
        )

    # we work remotely: /remote-jobs.rss (every job) and /categories/<name>.rss

    def _wwr_all(self, **_: Any) -> _Answer:
        whole = self.files.board("weworkremotely", "remote-jobs")
        if whole is not None:
            return self._raw("weworkremotely", "remote-jobs")
        files = self.files.files("weworkremotely")
        if not files:
            return _error(404, "no weworkremotely files in this world")
        return _Answer(
            200, _rss_merged([p.read_bytes() for p in files]), "application/rss+xml; charset=utf-8"
        )

    def _wwr_category(self, name: str, **_: Any) -> _Answer:
        return self._raw("weworkremotely", name)

    # hacker news (Algolia)

    def _hackernews(self, *, query: dict[str, str], **_: Any) -> _Answer:
        tags = [t.strip() for t in (query.get("tags") or "").split(",") if t.strip()]
        story = next((t[len("story_") :] for t in tags if t.startswith("story_")), None)
        if story is None:
            return _error(400, "tags must name a story: tags=comment,story_<id>")
        path = self._file("hackernews", story)
        if isinstance(path, _Answer):
            return path
        doc = self.files.doc(path)
        hits = doc.get("hits") if isinstance(doc, dict) else doc
        hits = [h for h in hits if isinstance(h, dict)] if isinstance(hits, list) else []
        if "comment" in tags:
            hits = [h for h in hits if "comment" in (h.get("_tags") or ["comment"])]
        for cond in (query.get("numericFilters") or "").split(","):
            m = re.fullmatch(r"\s*(\w+)\s*(<=|>=|!=|<|>|=)\s*(-?\d+(?:\.\d+)?)\s*", cond)
            if m:
                hits = [h for h in hits if _compare(h.get(m[1]), m[2], float(m[3]))]
        hits.sort(key=lambda h: _number(h.get("created_at_i")) or 0.0, reverse=True)
        per_page = min(max(_int(query.get("hitsPerPage"), 20), 1), 1000)
        page = max(_int(query.get("page"), 0), 0)
        reachable = hits[:1000]  # Algolia's paginationLimitedTo
        return _json(
            {
                "hits": reachable[page * per_page : (page + 1) * per_page],
                "nbHits": len(hits),
                "page": page,
                "nbPages": math.ceil(len(reachable) / per_page),
                "hitsPerPage": per_page,
                "exhaustiveNbHits": True,
                "query": query.get("query", ""),
                "params": _algolia_params(query),
                "processingTimeMS": 1,
            }
        )

    # -- JobSpy: Indeed ------------------------------------------------------------------

    def _jobspy_rows(self, site: str, cc: str | None) -> list[dict[str, str]]:
        """Rows of jobspy/<site>_<cc>.csv (all countries when cc is None), each with "_cc"."""
        out: list[dict[str, str]] = []
        for path in self.files.files("jobspy"):
            name_site, _, name_cc = path.stem.partition("_")
            if path.suffix != ".csv" or name_site != site:
                continue
            if cc is not None and name_cc.upper() != cc.upper():
                continue
            out += [{**row, "_cc": name_cc.upper()} for row in self.files.rows(path)]
        return out

    def _search(
        self,
        site: str,
        cc: str | None,
        what: str | None,
        where: str | None,
        since_s: float | None,
        extra: tuple[Any, ...],
        keep: Callable[[dict[str, str]], bool] | None = None,
    ) -> list[dict[str, str]]:
        """The rows a search finds (cached per search while the files stay the same)."""
        stamps = tuple(
            (p.name, p.stat().st_mtime_ns)
            for p in self.files.files("jobspy")
            if p.stem.startswith(site + "_")
        )
        key = (site, cc, what, where, since_s, extra, stamps)
        with self._lock:
            found = self._searches.get(key)
        if found is not None:
            return found
        rows = self._jobspy_rows(site, cc)
        words = (what or "").lower().split()
        if words:
            rows = [
                r
                for r in rows
                if _has_words(
                    " ".join(
                        (r.get("title", ""), r.get("company", ""), r.get("description", ""))
                    ).lower(),
                    words,
                )
            ]
        if where and _COUNTRY_BY_NAME.get(where.strip().lower()) != cc:
            places = [p.strip().lower() for p in where.split(",") if p.strip()]
            rows = [r for r in rows if all(p in r.get("location", "").lower() for p in places)]
        if since_s is not None:
            oldest = time.time() - since_s
            rows = [r for r in rows if _row_epoch(r) >= oldest]
        if keep is not None:
            rows = [r for r in rows if keep(r)]
        with self._lock:
            if len(self._searches) >= 64:
                self._searches.pop(next(iter(self._searches)))
            self._searches[key] = rows
        return rows

    def _indeed(self, *, headers: Any, body: bytes, **_: Any) -> _Answer:
        try:
            graphql = json.loads(body or b"{}")["query"]
            if not isinstance(graphql, str):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return _json({"errors": [{"message": "Must provide query string."}]}, 400)
        if "jobSearch" not in graphql:
            return _json({"errors": [{"message": "only jobSearch is served here"}]}, 400)
        cc = str(headers.get("indeed-co") or "US").upper()
        what = _graphql_string(graphql, r"what:\s*")
        where = _graphql_string(graphql, r"where:\s*")
        limit = min(
            max(int(m[1]) if (m := re.search(r"\blimit:\s*(\d+)", graphql)) else 10, 1), 100
        )
        m = re.search(r'\bcursor:\s*"([^"]*)"', graphql)
        offset = _decode_cursor(m[1]) if m else 0
        m = re.search(r'field:\s*"dateOnIndeed",\s*start:\s*"(\d+)h"', graphql)
        since = int(m[1]) * 3600.0 if m else None
        keys = set(re.findall(r'field:\s*"attributes",\s*keys:\s*\["(\w+)"\]', graphql))
        remote = _INDEED_REMOTE in keys
        types = frozenset(_INDEED_TYPE_BY_KEY[k] for k in keys if k in _INDEED_TYPE_BY_KEY)

        def keep(row: dict[str, str]) -> bool:
            if remote and row.get("is_remote", "").lower() != "true":
                return False
            return not types or bool(types & set(_split_types(row.get("job_type", ""))))

        rows = self._search("indeed", cc, what, where, since, (remote, types), keep)
        page = rows[offset : offset + limit]
        following = offset + len(page)
        cursor = _encode_cursor(following) if page and following < len(rows) else None
        results = [
            {"trackingKey": f"{offset + i:x}", "job": _indeed_job(r)} for i, r in enumerate(page)
        ]
        return _json(
            {"data": {"jobSearch": {"pageInfo": {"nextCursor": cursor}, "results": results}}}
        )

    # -- JobSpy: LinkedIn ----------------------------------------------------------------

    def _linkedin_search(self, *, query: dict[str, str], **_: Any) -> _Answer:
        where = query.get("location") or None
        cc = _COUNTRY_BY_NAME.get(where.strip().lower()) if where else None
        m = re.fullmatch(r"r(\d+)", query.get("f_TPR", ""))
        since = float(m[1]) if m else None
        rows = self._search("linkedin", cc, query.get("keywords") or None, where, since, ())
        start = max(_int(query.get("start"), 0), 0)
        page = rows[start : start + self.linkedin_page_size]
        if not page:
            return _Answer(200, _LINKEDIN_EMPTY.encode(), _HTML_TYPE)
        cards = "\n".join(_linkedin_card(r, start + i) for i, r in enumerate(page))
        return _Answer(200, f"<!DOCTYPE html>\n\n{cards}\n".encode(), _HTML_TYPE)

    def _linkedin_redirect(self, slug: str, **_: Any) -> _Answer:
        return _Answer(302, b"", _HTML_TYPE, {"Location": f"/jobs/view/{quote(slug)}"})

    def _linkedin_job(self, slug: str, **_: Any) -> _Answer:
        job_id = slug.rsplit("-", 1)[-1]
        rows = self._search("linkedin", None, None, None, None, ())
        with self._lock:
            index = self._linkedin_ids if self._linkedin_ids[0] is rows else None
        if index is None:
            index = (rows, {_linkedin_id(r): r for r in rows})
            with self._lock:
                self._linkedin_ids = index
        row = index[1].get(job_id)
        if row is None:
            return _page(
                "Page not found | LinkedIn", "<h1>This job is no longer available</h1>", 404
            )
        return _Answer(200, _linkedin_page(row, job_id).encode(), _HTML_TYPE)


def _algolia_params(query: dict[str, str]) -> str:
    """The query parameters as Algolia echoes them in "params"."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in query.items())


_ROUTES: list[tuple[tuple[str, ...], re.Pattern[str], str]] = [
    (("GET", "HEAD"), re.compile(p), name)
    for p, name in (
        (r"^/greenhouse/v1/boards/([^/]+)/jobs/?$", "_greenhouse_jobs"),
        (r"^/greenhouse/v1/boards/([^/]+)/jobs/([^/]+)/?$", "_greenhouse_job"),
        (r"^/lever/v0/postings/([^/]+)/?$", "_lever_postings"),
        (r"^/lever/v0/postings/([^/]+)/([^/]+)/?$", "_lever_posting"),
        (r"^/ashby/posting-api/job-board/([^/]+)/?$", "_ashby"),
        (r"^/recruitee/([^/]+)/api/offers/?$", "_recruitee"),
        (r"^/personio/([^/]+)/xml/?$", "_personio"),
        (r"^/workable/api/v1/widget/accounts/([^/]+)/?$", "_workable"),
        (r"^/smartrecruiters/v1/companies/([^/]+)/postings/?$", "_sr_list"),
        (r"^/smartrecruiters/v1/companies/([^/]+)/postings/([^/]+)/?$", "_sr_one"),
        (r"^/remotive/api/remote-jobs/?$", "_remotive"),
        (r"^/remoteok/api/?$", "_remoteok"),
        (r"^/himalayas/jobs/api/?$", "_himalayas"),
        (r"^/hackernews/api/v1/search_by_date/?$", "_hackernews"),
        (r"^/weworkremotely/remote-jobs\.rss$", "_wwr_all"),
        (r"^/weworkremotely/categories/([^/]+)\.rss$", "_wwr_category"),
        (r"^/linkedin/jobs-guest/jobs/api/seeMoreJobPostings/search/?$", "_linkedin_search"),
        (r"^/linkedin/jobs/view/([^/]+)/?$", "_linkedin_redirect"),
        (r"^/jobs/view/([^/]+)/?$", "_linkedin_job"),
        (r"^/([A-Za-z0-9_-]+)/([^/]+\.(?:json|xml|rss|csv|jsonl|parquet|txt))$", "_generic"),
    )
] + [(("POST",), re.compile(r"^/indeed/graphql/?$"), "_indeed")]


# -- helpers -----------------------------------------------------------------------------------


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _compare(value: Any, op: str, bound: float) -> bool:
    number = _number(value)
    if number is None:
        return False
    return {
        "<": number < bound,
        "<=": number <= bound,
        ">": number > bound,
        ">=": number >= bound,
        "=": number == bound,
        "!=": number != bound,
    }[op]


def _has_words(text: str, words: list[str]) -> bool:
    return all(w in text for w in words)


def _remotive_text(job: dict[str, Any]) -> str:
    tags = job.get("tags")
    parts = [job.get(k) for k in ("title", "company_name", "category", "description")]
    parts += tags if isinstance(tags, list) else []
    return " ".join(str(p) for p in parts if p).lower()


_RSS_ITEM = re.compile(rb"<item\b.*?</item>", re.S)


def _rss_merged(feeds: list[bytes]) -> bytes:
    """The first feed with the <item>s of the others added to its channel."""
    first = feeds[0]
    end = first.rfind(b"</channel>")
    if end < 0:
        return first
    items = b"\n".join(m[0] for feed in feeds[1:] for m in _RSS_ITEM.finditer(feed))
    return first[:end] + items + b"\n" + first[end:]


def _index_greenhouse(data: bytes) -> dict[str, Any]:
    doc = json.loads(data)
    jobs = doc.get("jobs") if isinstance(doc, dict) else doc
    if not isinstance(jobs, list):
        return {}
    return {str(j.get("id")): j for j in jobs if isinstance(j, dict)}


def _graphql_string(query: str, prefix: str) -> str | None:
    m = re.search(prefix + r'("(?:[^"\\]|\\.)*")', query)
    if m is None:
        return None
    try:
        value = json.loads(m[1])
    except ValueError:
        return None
    return value if isinstance(value, str) and value.strip() else None


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    with contextlib.suppress(ValueError):
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith("offset:"):
            return max(int(text[len("offset:") :]), 0)
    return 0


def _split_types(text: str) -> list[str]:
    return [t.strip().lower().replace("-", "") for t in text.split(",") if t.strip()]


def _row_epoch(row: dict[str, str]) -> float:
    text = (row.get("date_posted") or "").strip()
    if not text:
        return 0.0
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return 0.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _amount(text: str | None) -> float | None:
    number = _number(text) if text not in (None, "") else None
    return number if number is not None and math.isfinite(number) else None


def _url_param(url: str, name: str) -> str | None:
    return dict(parse_qsl(urlsplit(url).query)).get(name)


def _indeed_key(row: dict[str, str]) -> str:
    key = _url_param(row.get("job_url", ""), "jk")
    if key:
        return key
    ident = row.get("id", "")
    return ident[3:] if ident.startswith("in-") else ident


def _indeed_location(row: dict[str, str]) -> dict[str, Any]:
    text = (row.get("location") or "").strip()
    parts = [p.strip() for p in text.split(",")]
    city: str | None = text or None
    region: str | None = None
    if len(parts) == 3:
        city, region = parts[0], parts[1]
    elif len(parts) == 2:
        city = parts[0]
    return {"countryCode": row.get("_cc") or None, "admin1Code": region, "city": city}


def _indeed_job(row: dict[str, str]) -> dict[str, Any]:
    """One job of Indeed's jobSearch answer (the fields JobSpy's query asks for)."""
    low, high = _amount(row.get("min_amount")), _amount(row.get("max_amount"))
    unit = _PAY_UNITS.get((row.get("interval") or "").lower())
    base = None
    if unit and (low is not None or high is not None):
        base = {"unitOfWork": unit, "range": {"min": low, "max": high}}
    attributes = [
        {"key": _INDEED_JOB_TYPES[t][0], "label": _INDEED_JOB_TYPES[t][1]}
        for t in _split_types(row.get("job_type", ""))
        if t in _INDEED_JOB_TYPES
    ]
    if (row.get("is_remote") or "").lower() == "true":
        attributes.append({"key": _INDEED_REMOTE, "label": "Remote"})
    company_url = row.get("company_url") or ""
    page = urlsplit(company_url).path if "indeed." in urlsplit(company_url).netloc else ""
    industry = (row.get("company_industry") or "").strip()
    rating, reviews = _amount(row.get("company_rating")), _amount(row.get("company_reviews_count"))
    return {
        "key": _indeed_key(row),
        "title": row.get("title", ""),
        "sourceEmployerName": row.get("company") or None,
        "dateOnIndeed": int(_row_epoch(row) * 1000),
        "description": {"html": _markdown_html(row.get("description") or "")},
        "location": _indeed_location(row),
        "compensation": {
            "estimated": None,
            "baseSalary": base,
            "currencyCode": (row.get("currency") or None) if base else None,
        },
        "attributes": attributes,
        "employer": {
            "relativeCompanyPageUrl": page or None,
            "name": row.get("company") or None,
            "ugcStats": {
                "ratings": {
                    "overallRating": {"value": rating, "count": int(reviews)}
                    if rating is not None and reviews
                    else None
                }
            },
            "dossier": {
                "employerDetails": {
                    "addresses": [row["company_addresses"]]
                    if row.get("company_addresses")
                    else None,
                    "industry": industry.upper().replace(" ", "_") or None,
                    "employeesLocalizedLabel": row.get("company_num_employees") or None,
                    "revenueLocalizedLabel": row.get("company_revenue") or None,
                    "briefDescription": row.get("company_description") or None,
                },
                "images": {"squareLogoUrl": row.get("company_logo") or None},
                "links": {"corporateWebsite": row.get("company_url_direct") or None},
            },
        },
        "recruit": {"viewJobUrl": row.get("job_url_direct") or None},
    }


def _linkedin_id(row: dict[str, str]) -> str:
    path = urlsplit(row.get("job_url", "")).path.rstrip("/")
    if "/jobs/view/" in path:
        return path.rsplit("/", 1)[-1].rsplit("-", 1)[-1]
    ident = row.get("id", "")
    return ident[3:] if ident.startswith("li-") else ident


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _linkedin_card(row: dict[str, str], position: int) -> str:
    job_id = _linkedin_id(row)
    title = html.escape(row.get("title", ""))
    company = html.escape(row.get("company", ""))
    company_url = html.escape(
        row.get("company_url")
        or f"https://www.linkedin.com/company/{_slug(row.get('company', ''))}"
    )
    place = html.escape(row.get("location", ""))
    posted = html.escape(row.get("date_posted", ""))
    link = f"https://www.linkedin.com/jobs/view/{_slug(row.get('title', ''))}-{job_id}"
    return f"""<li>
<div class="base-card relative w-full hover:no-underline focus:no-underline base-card--link base-search-card base-search-card--link job-search-card" data-entity-urn="urn:li:jobPosting:{job_id}" data-impression-id="jobs-search-result-{position}" data-reference-id="" data-tracking-id="">
<a class="base-card__full-link absolute top-0 right-0 bottom-0 left-0 p-0 z-[2]" href="{html.escape(link)}?position={position % 10 + 1}&amp;pageNum={position // 10}" data-tracking-control-name="public_jobs_jserp-result_search-card"><span class="sr-only">{title}</span></a>
<div class="base-search-card__info">
<h3 class="base-search-card__title">{title}</h3>
<h4 class="base-search-card__subtitle"><a class="hidden-nested-link" data-tracking-control-name="public_jobs_jserp-result_job-search-card-subtitle" href="{company_url}?trk=public_jobs_jserp-result_job-search-card-subtitle">{company}</a></h4>
<div class="base-search-card__metadata">
<span class="job-search-card__location">{place}</span>
<time class="job-search-card__listdate" datetime="{posted}">{posted}</time>
</div>
</div>
</div>
</li>"""  # noqa: E501


def _linkedin_page(row: dict[str, str], job_id: str) -> str:
    """A LinkedIn guest job page: the description, criteria, pay, and its JSON-LD."""
    title, company, place = (row.get(k, "") for k in ("title", "company", "location"))
    description = _markdown_html(row.get("description") or "")
    criteria = []
    level = (row.get("job_level") or "").strip()
    kinds = _split_types(row.get("job_type", ""))
    for heading, value in (
        ("Seniority level", level[:1].upper() + level[1:]),
        (
            "Employment type",
            _INDEED_JOB_TYPES[kinds[0]][1] if kinds and kinds[0] in _INDEED_JOB_TYPES else "",
        ),
        ("Job function", row.get("job_function") or ""),
        ("Industries", row.get("company_industry") or ""),
    ):
        if value:
            criteria.append(
                '<li class="description__job-criteria-item">\n'
                f'<h3 class="description__job-criteria-subheader">{heading}</h3>\n'
                '<span class="description__job-criteria-text '
                f'description__job-criteria-text--criteria">{html.escape(value)}</span>\n</li>'
            )
    pay = ""
    low, high = _amount(row.get("min_amount")), _amount(row.get("max_amount"))
    per = _LINKEDIN_PAY.get((row.get("interval") or "").lower())
    if low is not None and high is not None and per:
        currency = row.get("currency") or "USD"
        symbol = _SYMBOLS.get(currency, currency)
        pay = (
            '<section class="compensation"><div class="salary compensation__salary">'
            f"{html.escape(symbol)}{low:,.2f}{per} - {html.escape(symbol)}{high:,.2f}{per}"
            "</div></section>"
        )
    ld = {
        "@context": "http://schema.org",
        "@type": "JobPosting",
        "title": title,
        "description": description,
        "datePosted": row.get("date_posted") or None,
        "hiringOrganization": {"@type": "Organization", "name": company},
        "jobLocation": {
            "@type": "Place",
            "address": {"@type": "PostalAddress", "addressLocality": place},
        },
        "identifier": {"@type": "PropertyValue", "value": job_id},
    }
    ld_text = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
    esc = html.escape
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{esc(company)} hiring {esc(title)} in {esc(place)} | LinkedIn</title>
<script type="application/ld+json">{ld_text}</script>
</head>
<body>
<section class="top-card-layout">
<h1 class="top-card-layout__title topcard__title">{esc(title)}</h1>
<h4 class="top-card-layout__second-subline"><a class="topcard__org-name-link" href="{esc(row.get("company_url") or "")}">{esc(company)}</a>
<span class="topcard__flavor topcard__flavor--bullet">{esc(place)}</span></h4>
</section>
{pay}
<section class="description">
<div class="description__text description__text--rich">
<section class="show-more-less-html"><div class="show-more-less-html__markup show-more-less-html__markup--clamp-after-5 relative overflow-hidden">
{description}
</div></section>
</div>
<ul class="description__job-criteria-list">
{chr(10).join(criteria)}
</ul>
</section>
</body></html>
"""  # noqa: E501


_MD_SPECIAL = re.compile(r"[\\*_\[]")
_MD_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!&<>|~=\"'])")
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*")
_MD_ITALIC = re.compile(r"(?<![\w*])[*_](?!\s)(.+?)(?<!\s)[*_](?![\w*])")
_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_MD_ITEM = re.compile(r"^\s*(?:[*+-]|\d+[.)])\s+")
_HTML_TAG = re.compile(r"</?(?:p|br|ul|ol|li|div|h[1-6]|strong|b|em|i|a)\b[^>]*>", re.I)


def _md_inline(text: str) -> str:
    if not _MD_SPECIAL.search(text):
        return html.escape(text, quote=False)
    kept: list[str] = []

    def keep(m: re.Match[str]) -> str:
        kept.append(m[1])
        return f"\x00{len(kept) - 1}\x00"

    out = html.escape(_MD_ESCAPED.sub(keep, text), quote=False)
    out = _MD_LINK.sub(lambda m: f'<a href="{m[2]}">{m[1]}</a>', out)
    out = _MD_BOLD.sub(r"<strong>\1</strong>", out)
    out = _MD_ITALIC.sub(r"<em>\1</em>", out)
    return re.sub("\x00(\\d+)\x00", lambda m: html.escape(kept[int(m[1])], quote=False), out)


def _markdown_html(text: str) -> str:
    """JobSpy's Markdown description as the HTML a board serves (HTML stays as it is)."""
    if not text.strip() or _HTML_TAG.search(text):
        return text
    out: list[str] = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(_MD_ITEM.match(line) for line in lines):
            tag = "ol" if lines[0][:1].isdigit() else "ul"
            items = "".join(f"<li>{_md_inline(_MD_ITEM.sub('', line))}</li>" for line in lines)
            out.append(f"<{tag}>{items}</{tag}>")
        elif len(lines) == 1 and (m := re.match(r"(#{1,6})\s+(.*)", lines[0])):
            out.append(f"<h{len(m[1])}>{_md_inline(m[2])}</h{len(m[1])}>")
        else:
            out.append("<p>" + "<br>".join(_md_inline(line) for line in lines) + "</p>")
    return "".join(out)


# -- HTTP --------------------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # keep-alive connections must not hold up stop()
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], board: BoardServer) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.board = board
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks the host's name up (slow where DNS is): not needed.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return  # a client that went away (a test's timeout, a reset)
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "JobLensBoards/1"
    timeout = 60  # an idle keep-alive connection is closed after this

    def setup(self) -> None:
        super().setup()
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    @property
    def board(self) -> BoardServer:
        return cast(_HTTPServer, self.server).board

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.board.log:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")

    def do_GET(self) -> None:  # noqa: N802
        self._handle("GET")

    def do_HEAD(self) -> None:  # noqa: N802
        self._handle("HEAD")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def _handle(self, method: str) -> None:
        board = self.board
        length = _int(self.headers.get("Content-Length"), 0)
        body = self.rfile.read(length) if length > 0 else b""
        fault = board._take_fault(self.path)
        if fault is not None and fault.action == "reset":
            board.requests.append(Hit(method, self.path, 0))
            self._reset()
            return
        if fault is not None and fault.action == "slow":
            time.sleep(fault.seconds)
        if fault is not None and fault.action in ("status", "block", "captcha", "html", "garbage"):
            answer = fault.answer()
        else:
            try:
                answer = board.route(method, self.path, self.headers, body)
            except Exception as exc:  # a broken file is the board's 500, not a dead thread
                answer = _error(500, f"{type(exc).__name__}: {exc}")
            if fault is not None and fault.action == "truncate":
                answer = _Answer(
                    200, answer.body[: len(answer.body) // 2], answer.content_type, answer.headers
                )
            if fault is not None and fault.action == "mislabel":
                answer = _Answer(
                    answer.status, answer.body, "text/html; charset=utf-8", answer.headers
                )
        # Recorded before the answer goes out: a client that has it sees it in `requests`.
        board.requests.append(Hit(method, self.path, answer.status))
        self._send(answer, head=method == "HEAD")

    def _send(self, answer: _Answer, *, head: bool) -> None:
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if not head:
                self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _reset(self) -> None:
        """Close the connection at once with a TCP reset, no answer."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()


# -- CLI ---------------------------------------------------------------------------------------


def _fault_arg(text: str) -> tuple[str, str, int | None]:
    """`GLOB=SPEC` or `GLOB=SPEC#N` (only the next N matching requests)."""
    pattern, sep, spec = text.rpartition("=")
    if not sep or not pattern:
        raise ValueError(f"--fault wants GLOB=SPEC[#N], got {text!r}")
    spec, _, times = spec.partition("#")
    if times and not times.isdigit():
        raise ValueError(f"--fault {text!r}: #N must be a whole number")
    return pattern, spec, int(times) if times else None


def serve(world: Path, host: str, port: int, faults: list[str]) -> None:
    """Serve `world` until Ctrl-C, printing the base URL, the boards per kind and the config
    TOML that points `joblens ingest` here. `faults` are `GLOB=SPEC[#N]` texts."""
    server = BoardServer(world, host, port, log=True)
    for text in faults:
        server.fault(*_fault_arg(text))
    with server:
        # stdout is a valid joblens.toml (the rest are comments): `> fixtures.toml` works.
        print(f"# Serving {world} at {server.url}")
        for kind, count in server.boards().items():
            print(f"#   {kind:<16} {count:>6} board file(s)")
        for text in faults:
            print(f"#   fault: {text}")
        print(server.config_toml(), flush=True)
        print(f"serving {world} at {server.url}; Ctrl-C stops the server", file=sys.stderr)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopped", file=sys.stderr)
