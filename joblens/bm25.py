"""Okapi BM25 over token lists, for the few places that rank texts by their words: ESCO
labels for a title (`joblens.occupations`) and the evaluation's BM25 baseline.

`Bm25(docs)` weighs each (document, word) once; `scores(queries)` gives the (queries x
documents) BM25 of each query's distinct words, divided by the query's best score, so one
query's scores compare on [0, 1].
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse

__all__ = ["Bm25"]


class Bm25:
    """A BM25 index of tokenized documents (k1 1.2, b 0.75 unless told)."""

    def __init__(self, docs: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.vocab: dict[str, int] = {}
        rows, cols, tfs = [], [], []
        for r, doc in enumerate(docs):
            for word, count in Counter(doc).items():
                rows.append(r)
                cols.append(self.vocab.setdefault(word, len(self.vocab)))
                tfs.append(count)
        n = max(len(docs), 1)
        length = np.array([max(len(d), 1) for d in docs], dtype=np.float32)
        tf = np.array(tfs, dtype=np.float32)
        df = np.bincount(np.array(cols, dtype=np.int64), minlength=len(self.vocab))
        idf = np.log(1.0 + (n - df.astype(np.float32) + 0.5) / (df + 0.5))
        norm = k1 * (1 - b + b * length[rows] / (length.mean() if len(docs) else 1.0))
        weight = idf[cols] * tf * (k1 + 1) / (tf + norm)
        self.matrix = sparse.csr_matrix((weight, (rows, cols)), shape=(len(docs), len(self.vocab)))

    def scores(self, queries: Sequence[Iterable[str]]) -> np.ndarray:
        """(queries x documents) scores in [0, 1]: each row over its own best document."""
        rows, cols = [], []
        for r, words in enumerate(queries):
            for word in set(words):
                if word in self.vocab:
                    rows.append(r)
                    cols.append(self.vocab[word])
        query = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(len(queries), len(self.vocab)),
        )
        raw = np.asarray((query @ self.matrix.T).todense(), dtype=np.float32)
        top = raw.max(axis=1, keepdims=True) if raw.size else raw
        return np.divide(raw, top, out=np.zeros_like(raw), where=top > 0)
