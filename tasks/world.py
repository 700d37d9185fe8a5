"""Task: the demo world, so the pipeline runs with no parameters at all."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from joblens import synth
from joblens.lake import Lake

DEMO = {"jobs": 2000, "candidates": 50, "seed": 7}


# Not cached by Prefect: the folder itself is the cache (generated once, reused after).
@task(name="demo-world", cache_policy=NO_CACHE, persist_result=False)
def demo_world(lake_root: str) -> str:
    """Return the demo world's folder under the lake's _landing/, generating it if missing."""
    name = "demo-{jobs}x{candidates}-seed{seed}".format(**DEMO)
    folder = Lake(lake_root).landing_dir / name
    if not (folder / "truth").is_dir():
        get_run_logger().info("generating the demo world in %s", folder)
        synth.generate(folder, jobs=DEMO["jobs"], candidates=DEMO["candidates"], seed=DEMO["seed"])
    return str(folder)
