"""Fetching paper metadata from the arXiv API politely, with the ``arxiv`` package.

arXiv's terms ask for one request at a time, at least three seconds apart. :class:`Policy` holds
that spacing, the timeout of every request and the retry schedule; tests pass a zero delay and a
recording ``sleep`` so that nothing waits for real. Ids are asked for in batches (one request per
batch of up to ``page_size`` ids); a failed page is retried from where it stopped, with a growing
back-off on HTTP 429, 5xx, time-outs and connection errors, and never on other 4xx answers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar
from xml.etree import ElementTree

import arxiv
import requests

from .ids import ArxivId, ArxivIdError, parse_arxiv_id
from ..pages.tex_accents import decode_accents, decode_name
from ..content.validate import CATEGORY

ATOM = "{http://www.w3.org/2005/Atom}"
ABS_URL = "https://arxiv.org/abs/{}"
PDF_URL = "https://arxiv.org/pdf/{}"
MAX_RETRY_AFTER = 120.0  # seconds; a longer Retry-After is cut to this
T = TypeVar("T")

# The package logs entries it skips; this module reports what matters (missing ids) itself.
logging.getLogger("arxiv").addHandler(logging.NullHandler())


@dataclass(frozen=True)
class Policy:
    """How the client treats the server: spacing, time-out and retries."""

    delay: float = 3.0          # seconds from the end of one request to the start of the next
    timeout: float = 30.0       # seconds to connect, and again to wait for data
    retries: int = 3            # further tries after the first one fails
    backoff: float = 5.0        # the first wait before a retry; each next wait doubles
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)

    def backoff_before(self, retry: int) -> float:
        """The wait before retry number ``retry`` (1, 2, ...): 5 s, 10 s, 20 s by default."""
        return self.backoff * 2 ** (retry - 1)


class FetchError(Exception):
    """A request that failed for good; the message says what happened, for the user."""


class PoliteSession(requests.Session):
    """A session that spaces its requests ``policy.delay`` apart and sets a time-out on each."""

    def __init__(self, policy: Policy):
        super().__init__()
        self.policy = policy
        self.last_response: requests.Response | None = None
        self._last_finished: float | None = None

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", self.policy.timeout)
        if self._last_finished is not None:
            wait = self._last_finished + self.policy.delay - self.policy.clock()
            if wait > 0:
                self.policy.sleep(wait)
        self.last_response = None
        try:
            self.last_response = super().request(method, url, *args, **kwargs)
            return self.last_response
        finally:
            self._last_finished = self.policy.clock()


def retrying(policy: Policy, attempt: Callable[[], T], what: str,
             session: PoliteSession | None = None) -> T:
    """``attempt()``, tried again after a growing wait while it fails in a retryable way."""
    tries = 0
    while True:
        tries += 1
        try:
            return attempt()
        except (arxiv.HTTPError, arxiv.UnexpectedEmptyPageError,
                requests.RequestException) as exc:
            reason = explain_failure(exc, policy, session)
            if not _retryable(exc):
                raise FetchError(f"{what}: {reason}") from None
            if tries > policy.retries:
                raise FetchError(f"{what}: {reason}; gave up after {tries} tries") from None
            policy.sleep(_wait_before_retry(policy, tries, session))


def _wait_before_retry(policy: Policy, retry: int, session: PoliteSession | None) -> float:
    """The back-off, or longer when the server asked for it (``Retry-After: SECONDS``)."""
    wait = policy.backoff_before(retry)
    response = session.last_response if session else None
    asked = response.headers.get("Retry-After", "").strip() if response is not None else ""
    if asked.isdigit():
        wait = max(wait, min(float(asked), MAX_RETRY_AFTER))
    return wait


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, arxiv.HTTPError):
        return exc.status == 429 or exc.status >= 500
    return isinstance(exc, (arxiv.UnexpectedEmptyPageError, requests.ConnectionError,
                            requests.Timeout))


def explain_failure(exc: Exception, policy: Policy, session: PoliteSession | None = None) -> str:
    """A short account of a failed request, with arXiv's own message when it sent one."""
    if isinstance(exc, arxiv.HTTPError):
        response = session.last_response if session else None
        message = error_message(response.content) if response is not None else None
        return f"HTTP {exc.status} ({message})" if message else f"HTTP {exc.status}"
    if isinstance(exc, requests.Timeout):
        return f"no answer within {policy.timeout:g} s"
    if isinstance(exc, requests.ConnectionError):
        return "could not connect"
    if isinstance(exc, arxiv.UnexpectedEmptyPageError):
        return "a page of results came back empty"
    return str(exc)


def error_message(body: bytes) -> str | None:
    """The message of an arXiv API error feed (``incorrect id format for abc``), if it is one."""
    try:
        root = ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None
    for entry in root.iter(f"{ATOM}entry"):
        if "/api/errors" in (entry.findtext(f"{ATOM}id") or ""):
            return " ".join((entry.findtext(f"{ATOM}summary") or "").split()) or None
    return None


class ArxivClient:
    """Looks up ids at one arXiv API endpoint (``arxiv_api`` in the site configuration)."""

    def __init__(self, api_url: str, policy: Policy = Policy(), batch_size: int = 100,
                 page_size: int = 100, session: PoliteSession | None = None):
        self.batch_size = batch_size
        self.api_url = api_url
        self.policy = policy
        # Sharing one session with other arXiv requests (a feed) keeps them all spaced.
        self.session = session or PoliteSession(policy)
        # The session spaces requests, so the package's own delay and retries are turned off.
        self._client = arxiv.Client(page_size=page_size, delay_seconds=0, num_retries=0)
        # The package formats this with its query string; braces in the endpoint are escaped.
        endpoint = api_url.replace("{", "{{").replace("}", "}}")
        self._client.query_url_format = endpoint + ("&" if "?" in api_url else "?") + "{}"
        # arxiv 4.x has no public way to pass a session; this attribute is pinned by arxiv<5.
        self._client._session = self.session

    def fetch(self, ids: Sequence[ArxivId]) -> Iterator[arxiv.Result]:
        """Every result arXiv returns for ``ids``, asked for ``batch_size`` ids at a time.

        A batch larger than ``page_size`` is fetched in pages of that size."""
        for start in range(0, len(ids), self.batch_size):
            yield from self._fetch_batch(ids[start:start + self.batch_size])

    def _fetch_batch(self, batch: Sequence[ArxivId]) -> list[arxiv.Result]:
        search = arxiv.Search(id_list=[str(i) for i in batch], max_results=len(batch))
        got: list[arxiv.Result] = []

        def attempt() -> None:
            # Resume after the results already received, so a retry asks only for the rest.
            for result in self._client.results(search, offset=len(got)):
                got.append(result)

        retrying(self.policy, attempt, f"arXiv API at {self.api_url}", self.session)
        return got


@dataclass
class Lookup:
    """What arXiv answered for a list of requested ids."""

    found: dict[ArxivId, arxiv.Result]
    missing: list[ArxivId]


def match_results(requested: Sequence[ArxivId], results: Sequence[arxiv.Result]) -> Lookup:
    """Pair each requested id with its result; ids arXiv did not return are ``missing``."""
    by_id: dict[str, list[tuple[ArxivId, arxiv.Result]]] = {}
    for result in results:
        try:
            returned = parse_arxiv_id(result.entry_id)
        except ArxivIdError:
            continue  # an error entry, not a paper
        by_id.setdefault(returned.id, []).append((returned, result))
    found, missing = {}, []
    for wanted in requested:
        candidates = [result for returned, result in by_id.get(wanted.id, [])
                      if wanted.version in (None, returned.version)]
        if candidates:
            found[wanted] = candidates[0]
        else:
            missing.append(wanted)
    return Lookup(found, missing)


def english_text(value: str, source_language: str) -> str | dict[str, str]:
    """An English text as a record holds it: plain when English is the source language."""
    return value if source_language == "en" else {"en": value}


def clean(text: str) -> str:
    """One line of text: arXiv wraps and indents titles and abstracts."""
    return " ".join(decode_accents(text).split())


def result_record(result: arxiv.Result, source_language: str = "en") -> dict:
    """The arXiv-owned fields of a paper record, in SPEC key order, from one API result."""
    returned = parse_arxiv_id(result.entry_id)
    meta = {
        "version": returned.version,
        "primary_category": result.primary_category or None,
        # arXiv lists MSC and ACM classes (53C, F.2.2) among some papers' categories; a
        # record keeps arXiv's own categories only, as the build accepts them.
        "categories": [c for c in dict.fromkeys(result.categories) if CATEGORY.match(c)] or None,
        "published": result.published.date() if result.published else None,
        "updated": result.updated.date() if result.updated else None,
        "comment": clean(result.comment) if result.comment else None,
        "journal_ref": clean(result.journal_ref) if result.journal_ref else None,
        "doi": result.doi.strip() if result.doi else None,
    }
    pdf = result.pdf_url or PDF_URL.format(returned)
    return {
        "id": returned.id,
        "title": english_text(clean(result.title), source_language),
        "authors": [decode_name(author.name) for author in result.authors],
        "url": ABS_URL.format(returned.id),
        "pdf": pdf.replace("http://", "https://", 1),
        "arxiv": {key: value for key, value in meta.items() if value is not None},
        "abstract": english_text(clean(result.summary), source_language),
    }
