"""Similarity by an OpenAI-compatible embeddings endpoint (``POST <api>/embeddings``), for
editors who have one; the default ranking needs none (:func:`digestgen.rank.tfidf_vectors`).

Texts are sent in batches, one request at a time, each with a time-out; a failed request stops
the ranking with a message naming the endpoint, before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

BATCH = 128  # texts per request: well under the input limits of the common endpoints


class EmbeddingError(Exception):
    """The endpoint failed or answered something else than embeddings."""


@dataclass(frozen=True)
class Embeddings:
    """Text vectors for :func:`digestgen.rank.rank`, from ``<api>/embeddings``."""

    api: str
    model: str
    key: str | None = None
    timeout: float = 60.0

    @property
    def url(self) -> str:
        return self.api.rstrip("/") + "/embeddings"

    def __call__(self, candidates: list[str], corpus: list[str]):
        vectors = self.embed(candidates + corpus)
        return vectors[:len(candidates)], vectors[len(candidates):]

    def embed(self, texts: list[str]):
        """One unit vector per text, as the rows of a numpy array."""
        import numpy as np

        rows = []
        with requests.Session() as session:
            for start in range(0, len(texts), BATCH):
                rows.extend(self._request(session, texts[start:start + BATCH]))
        vectors = np.asarray(rows, dtype=float)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)

    def _request(self, session: requests.Session, batch: list[str]) -> list[list[float]]:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        try:
            response = session.post(self.url, json={"model": self.model, "input": batch},
                                    headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise EmbeddingError(f"{self.url}: {exc.__class__.__name__}: {exc}") from None
        if response.status_code != 200:
            raise EmbeddingError(f"{self.url}: HTTP {response.status_code}: "
                                 f"{response.text[:200].strip()}")
        try:
            data = sorted(response.json()["data"], key=lambda row: row["index"])
            vectors = [[float(x) for x in row["embedding"]] for row in data]
        except (ValueError, KeyError, TypeError):
            raise EmbeddingError(f"{self.url}: the answer is not a list of embeddings") \
                from None
        if len(vectors) != len(batch) or len({len(v) for v in vectors}) > 1:
            raise EmbeddingError(f"{self.url}: {len(vectors)} embeddings of unequal or wrong "
                                 f"number for {len(batch)} texts")
        return vectors
