"""What this CPU can compute at best: the ceiling a benchmark's GFLOP/s is read against.

The peak is cores x clock x SIMD lanes x FMA units x 2 (a fused multiply-add is two
operations), from /proc/cpuinfo and cpufreq. The lanes are those of the widest vector unit
the flags name (16 fp32 lanes with AVX-512, 8 with AVX2/FMA, 4 otherwise); bf16 dot-product
instructions (AVX512_BF16) do two products per fp32 lane; AMX tiles do 1,024 bf16
operations a cycle per core. Two FMA units per core is an assumption (true of recent Intel
server cores and AMD Zen 5); AMD Zen 4 (family 25) runs AVX-512 on its two 256-bit units, one
512-bit FMA a cycle, and is reckoned so. The clock is the highest the kernel reports (a
virtual machine without cpufreq shows its nominal clock: boost would raise the ceiling). The
figure is a ceiling, not a promise, and the report says what it assumed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CpuFacts", "cpu_facts", "peak_gflops"]

_FMA_UNITS = 2
_AMX_BF16_OPS_PER_CYCLE = 1024


@dataclass(frozen=True)
class CpuFacts:
    model: str
    cores: int  # logical CPUs this process may run on
    ghz: float
    flags: frozenset[str]
    vendor: str = ""
    family: int = 0

    @property
    def fma_units(self) -> int:
        """512-bit (or, without AVX-512, full-width) FMAs issued a cycle."""
        zen4 = self.vendor == "AuthenticAMD" and self.family == 25
        return 1 if zen4 and "avx512f" in self.flags else _FMA_UNITS

    @property
    def fp32_lanes(self) -> int:
        if "avx512f" in self.flags:
            return 16
        if "avx2" in self.flags or "fma" in self.flags:
            return 8
        return 4


def cpu_facts(cpuinfo: str | None = None) -> CpuFacts:
    """This machine's CPU model, usable cores, clock and flags (`cpuinfo`: /proc/cpuinfo text,
    read when not given; empty where there is none)."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text()
        except OSError:
            cpuinfo = ""
    model = _field(cpuinfo, "model name") or "unknown"
    flags = frozenset((_field(cpuinfo, "flags") or _field(cpuinfo, "Features") or "").split())
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    family = _field(cpuinfo, "cpu family") or "0"
    return CpuFacts(
        model=model,
        cores=cores,
        ghz=_ghz(cpuinfo),
        flags=flags,
        vendor=_field(cpuinfo, "vendor_id") or "",
        family=int(family) if family.isdigit() else 0,
    )


def peak_gflops(facts: CpuFacts, precision: str) -> tuple[float, str]:
    """The ceiling in GFLOP/s for `precision` ("fp32", "bf16", ...), and how it was reckoned."""
    if precision == "bf16" and "amx_bf16" in facts.flags:
        per_cycle, how = _AMX_BF16_OPS_PER_CYCLE, "AMX bf16 tiles: 1024 ops/cycle"
    else:
        pairs = precision == "bf16" and "avx512_bf16" in facts.flags
        lanes = facts.fp32_lanes * (2 if pairs else 1)
        per_cycle = lanes * facts.fma_units * 2
        how = f"{lanes} lanes x {facts.fma_units} FMA units x 2 ops"
    peak = facts.cores * facts.ghz * per_cycle
    return round(peak, 1), f"{facts.cores} cores x {facts.ghz:.2f} GHz x {how}"


def _field(cpuinfo: str, name: str) -> str | None:
    found = re.search(rf"^{re.escape(name)}\s*:\s*(.*)$", cpuinfo, re.MULTILINE)
    return found.group(1).strip() if found else None


def _ghz(cpuinfo: str) -> float:
    """The highest clock the kernel reports: cpufreq's maximum, else /proc/cpuinfo's MHz."""
    try:
        khz = int(Path("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq").read_text())
        return khz / 1e6
    except (OSError, ValueError):
        pass
    mhz = [float(m) for m in re.findall(r"^cpu MHz\s*:\s*([\d.]+)", cpuinfo, re.MULTILINE)]
    return max(mhz) / 1000 if mhz else 0.0
