"""embed: device/precision choice, the hashing fake, the LanceDB cache, cache-aware embedding."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from joblens import embed
from joblens.embed import EmbeddingCache, HashingEmbedder, SentenceTransformerEmbedder
from joblens.errors import EmbedError
from joblens.settings import EmbedSettings


class CountingEmbedder:
    """Wraps HashingEmbedder and records every text it is asked to embed."""

    def __init__(self, model_id: str = "counting@fp32") -> None:
        self._inner = HashingEmbedder(dim=32)
        self._model_id = model_id
        self.seen: list[str] = []

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dim(self) -> int:
        return self._inner.dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        return self._inner.encode(texts)


# -- devices ---------------------------------------------------------------------------------
def test_device_detection_passes_explicit_choices_through() -> None:
    assert embed.detect_device("none") == "none"
    assert embed.detect_device("cpu") == "cpu"
    assert embed.detect_device("auto") in {"cuda", "mps", "cpu"}


def test_precision_follows_the_device(monkeypatch: pytest.MonkeyPatch) -> None:
    assert embed.pick_precision("cuda") == "fp16"
    assert embed.pick_precision("mps") == "fp32"
    assert embed.pick_precision("cpu", "fp32") == "fp32"
    monkeypatch.setattr(embed, "cpu_has_bf16", lambda: True)
    assert embed.pick_precision("cpu") == "bf16"
    monkeypatch.setattr(embed, "cpu_has_bf16", lambda: False)
    assert embed.pick_precision("cpu") == "fp32"


@pytest.mark.parametrize(
    ("cpuinfo", "native"),
    [
        ("flags\t\t: fpu sse2 avx2 avx512f avx512_bf16 amx_tile\n", True),  # Cooper Lake+
        ("flags\t\t: fpu sse2 avx2 amx_bf16 amx_tile\n", True),  # Sapphire Rapids AMX
        ("Features\t: fp asimd sve2 i8mm bf16 dgh\n", True),  # ARM (Graviton 3, Neoverse)
        ("flags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n", False),
        ("Features\t: fp asimd evtstrm aes crc32\n", False),
        ("flags\t\t: fpu avx512_bf16x\n", False),  # a whole flag, not a prefix
    ],
)
def test_native_bf16_is_read_off_the_cpu_flags(cpuinfo: str, native: bool) -> None:
    assert embed._bf16_in_cpuinfo(cpuinfo) is native


def test_engine_and_embedder_share_one_bf16_check() -> None:
    from joblens.scoring import engine

    assert engine.cpu_has_bf16 is embed.cpu_has_bf16
    assert isinstance(embed.cpu_has_bf16(), bool)


def test_batch_size_is_positive() -> None:
    assert 1 <= embed.pick_batch_size("cpu") <= 32


def test_device_none_gives_the_hashing_embedder() -> None:
    assert isinstance(embed.make_embedder(EmbedSettings(device="none")), HashingEmbedder)
    with pytest.raises(EmbedError, match="none"):
        SentenceTransformerEmbedder(EmbedSettings(device="none"))


# -- the hashing fake --------------------------------------------------------------------------
def test_hashing_embedder_is_deterministic_unit_bag_of_words() -> None:
    e = HashingEmbedder(dim=64)
    vecs = e.encode(["python backend api", "backend python api", "nurse hospital", ""])
    assert vecs.shape == (4, 64) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs[:3], axis=1), 1.0)
    assert np.allclose(vecs[0], vecs[1])  # word order does not matter
    assert not vecs[3].any()  # an empty text has no direction
    assert np.array_equal(e.encode(["python backend api"])[0], vecs[0])
    assert isinstance(e, embed.Embedder)


def test_hashing_vectors_stay_those_the_cache_already_holds() -> None:
    # Vectors cached under "hashing-bow-<dim>@fp32" must not change meaning: each token adds
    # the sign of bit 63 of its 8-byte little-endian blake2b to bucket value % dim.
    import hashlib

    def reference(text: str, dim: int) -> np.ndarray:
        row = np.zeros(dim)
        for token in text.lower().replace(",", " ").split():
            value = int.from_bytes(
                hashlib.blake2b(token.encode(), digest_size=8).digest(), "little"
            )
            row[value % dim] += 1.0 if value >> 63 else -1.0
        return row / np.linalg.norm(row)

    texts = ["Senior Nurse, night shifts nurse", "C++ and C# developer c++"]
    got = HashingEmbedder(dim=32).encode(texts)
    for text, row in zip(texts, got, strict=True):
        assert np.allclose(row, reference(text, 32), atol=1e-6)


# -- the real model (construction is cheap; loading is offline) ------------------------------
def test_model_embedder_loads_lazily_and_keys_precision() -> None:
    e = SentenceTransformerEmbedder(EmbedSettings(device="cpu", precision="bf16"))
    assert e._model is None
    assert e.model_id == "all-MiniLM-L6-v2@bf16"
    assert e.dim == 384
    assert e._model is None


def test_unloadable_model_is_an_embed_error(tmp_path: Path) -> None:
    e = SentenceTransformerEmbedder(EmbedSettings(model=str(tmp_path / "nope"), device="cpu"))
    with pytest.raises(EmbedError, match="does not exist"):
        e.encode(["text"])


def test_out_of_memory_falls_back_to_one_text_at_a_time(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    e = SentenceTransformerEmbedder(EmbedSettings(device="cpu", precision="fp32", batch_size=8))
    e._model = object()  # type: ignore[assignment]
    fake = HashingEmbedder(dim=8)
    batches: list[int] = []

    def run(model: object, texts: list[str], batch_size: int) -> np.ndarray:
        batches.append(batch_size)
        if batch_size > 1:
            raise RuntimeError("DefaultCPUAllocator: can't allocate memory: out of memory")
        return fake.encode(texts)

    monkeypatch.setattr(e, "_run", run)
    with caplog.at_level(logging.WARNING, logger="joblens.embed"):
        vecs = e.encode(["a b", "c d"])
    assert batches == [8, 1]
    assert np.allclose(vecs, fake.encode(["a b", "c d"]))
    assert "one text at a time" in caplog.text


def test_other_model_failures_are_embed_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    e = SentenceTransformerEmbedder(EmbedSettings(device="cpu", precision="fp32"))
    e._model = object()  # type: ignore[assignment]

    def run(model: object, texts: list[str], batch_size: int) -> np.ndarray:
        raise ValueError("tokenizer exploded")

    monkeypatch.setattr(e, "_run", run)
    with pytest.raises(EmbedError, match="tokenizer exploded"):
        e.encode(["x"])


def test_real_model_puts_related_texts_closer() -> None:
    e = SentenceTransformerEmbedder(EmbedSettings(device="cpu"))
    query, near, far = e.encode(
        [
            "python backend developer",
            "software engineer building APIs in Python",
            "registered nurse in a hospital",
        ]
    )
    assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-3
    assert float(query @ near) > float(query @ far) + 0.2


# -- cache -----------------------------------------------------------------------------------
def test_cache_round_trip_and_persistence(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    assert cache.get_many(["k0"]) == {}
    keys = [f"k{i}" for i in range(2_000)]
    vecs = np.random.default_rng(0).normal(size=(2_000, 16)).astype(np.float32)
    cache.put_many(keys, vecs)
    got = EmbeddingCache(tmp_path).get_many(["k5", "k1999", "missing", "k5"])
    assert set(got) == {"k5", "k1999"}
    assert np.array_equal(got["k1999"], vecs[1999])
    # Keys already cached keep their vector; nothing is stored twice.
    cache.put_many(["k5"], np.zeros((1, 16), dtype=np.float32))
    assert len(cache) == 2_000
    assert np.array_equal(cache.get_many(["k5"])["k5"], vecs[5])


def test_cache_rejects_mismatched_lengths(tmp_path: Path) -> None:
    with pytest.raises(EmbedError, match="one vector per key"):
        EmbeddingCache(tmp_path).put_many(["a", "b"], np.zeros((1, 4), dtype=np.float32))


# -- embed_texts -----------------------------------------------------------------------------
def test_embed_texts_embeds_each_new_text_once(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    emb = CountingEmbedder()
    texts = ["alpha job", "beta job", "alpha job", "gamma job"]
    hashes = ["ha", "hb", "ha", "hc"]
    calls: list[tuple[int, int]] = []
    vecs, hits = embed.embed_texts(
        texts,
        hashes,
        embedder=emb,
        cache=cache,
        progress=lambda d, t: calls.append((d, t)),
        chunk_size=2,
    )
    assert hits == 0
    assert emb.seen == ["alpha job", "beta job", "gamma job"]
    assert calls == [(0, 3), (2, 3), (3, 3)]
    assert np.allclose(vecs, HashingEmbedder(dim=32).encode(texts))

    # A second run embeds only what is new.
    emb2 = CountingEmbedder()
    vecs2, hits2 = embed.embed_texts(
        ["gamma job", "delta job", "alpha job"], ["hc", "hd", "ha"], embedder=emb2, cache=cache
    )
    assert hits2 == 2 and emb2.seen == ["delta job"]
    assert np.allclose(vecs2[0], vecs[3]) and np.allclose(vecs2[2], vecs[0])


def test_a_cache_written_in_many_chunks_is_compacted_and_keeps_every_vector(
    tmp_path: Path,
) -> None:
    # Every chunk an embed stage writes is a file; an hourly flow would pile them up and
    # every lookup would scan them all. Past MAX_FRAGMENTS they are merged; nothing is lost.
    cache = EmbeddingCache(tmp_path)
    texts = [f"job number {i}" for i in range(2 * (EmbeddingCache.MAX_FRAGMENTS + 3))]
    hashes = [f"h{i}" for i in range(len(texts))]
    emb = CountingEmbedder()
    vecs, _ = embed.embed_texts(texts, hashes, embedder=emb, cache=cache, chunk_size=2)
    assert cache._table.stats()["fragment_stats"]["num_fragments"] <= 2
    again = CountingEmbedder()
    vecs2, hits = embed.embed_texts(texts, hashes, embedder=again, cache=EmbeddingCache(tmp_path))
    assert hits == len(texts) and again.seen == [] and np.allclose(vecs2, vecs)


def test_cache_is_per_model(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    embed.embed_texts(["a"], ["h"], embedder=CountingEmbedder("m1@fp32"), cache=cache)
    other = CountingEmbedder("m1@bf16")
    _, hits = embed.embed_texts(["a"], ["h"], embedder=other, cache=cache)
    assert hits == 0 and other.seen == ["a"]


def test_embed_texts_without_cache_and_bad_input() -> None:
    vecs, hits = embed.embed_texts([], [], embedder=HashingEmbedder(dim=8), cache=None)
    assert vecs.shape == (0, 8) and hits == 0
    with pytest.raises(EmbedError, match="one hash per text"):
        embed.embed_texts(["a"], [], embedder=HashingEmbedder(), cache=None)
