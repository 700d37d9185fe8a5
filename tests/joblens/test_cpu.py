"""The CPU ceiling a benchmark's GFLOP/s is read against."""

from __future__ import annotations

import pytest

from joblens.cpu import CpuFacts, cpu_facts, peak_gflops

_XEON = """processor\t: 0
model name\t: Intel(R) Xeon(R) Processor
cpu MHz\t\t: 2100.000
flags\t\t: fpu sse2 avx avx2 fma avx512f avx512_bf16 amx_bf16
"""


def test_zen4_issues_one_512_bit_fma_a_cycle() -> None:
    zen4 = cpu_facts(
        "vendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel name\t: AMD EPYC\n"
        "cpu MHz\t\t: 2600.000\nflags\t\t: avx2 fma avx512f avx512_bf16\n"
    )
    assert (zen4.vendor, zen4.family, zen4.fma_units) == ("AuthenticAMD", 25, 1)
    amd = {"model": "x", "cores": 2, "ghz": 2.6, "flags": zen4.flags, "vendor": "AuthenticAMD"}
    assert peak_gflops(CpuFacts(**amd, family=25), "fp32")[0] == pytest.approx(2 * 2.6 * 16 * 2)
    assert CpuFacts(**amd, family=26).fma_units == 2  # Zen 5: full-width 512-bit units


def test_the_flags_and_model_are_read_off_cpuinfo() -> None:
    facts = cpu_facts(_XEON)
    assert facts.model == "Intel(R) Xeon(R) Processor"
    assert {"avx512f", "amx_bf16"} <= facts.flags and facts.fp32_lanes == 16
    assert facts.cores >= 1 and facts.ghz > 0


@pytest.mark.parametrize(
    ("flags", "precision", "per_core_cycle"),
    [
        ({"avx2", "fma"}, "fp32", 8 * 2 * 2),  # 8 lanes, 2 FMA units, 2 ops each
        ({"avx2", "fma"}, "bf16", 8 * 2 * 2),  # no native bf16: no gain counted
        ({"avx512f"}, "fp32", 16 * 2 * 2),
        ({"avx512f", "avx512_bf16"}, "bf16", 32 * 2 * 2),  # two bf16 products a lane
        ({"avx512f", "avx512_bf16", "amx_bf16"}, "bf16", 1024),
        (set(), "fp32", 4 * 2 * 2),
    ],
)
def test_the_ceiling_is_cores_clock_lanes_units_and_ops(
    flags: set[str], precision: str, per_core_cycle: int
) -> None:
    facts = CpuFacts(model="x", cores=2, ghz=2.5, flags=frozenset(flags))
    peak, how = peak_gflops(facts, precision)
    assert peak == pytest.approx(2 * 2.5 * per_core_cycle)
    assert how.startswith("2 cores x 2.50 GHz")
