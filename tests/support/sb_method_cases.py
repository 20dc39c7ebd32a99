"""Method cases shared by the backend specs: every layout method with small settings on one small workload."""

from __future__ import annotations

from kernels.harness import VideoGeometry, method_params
from kernels.method_config import method_config_parse
from kernels.methods import LAYOUT_METHODS
from kernels.workloads import WorkloadSpec, workload_generate

GEOMETRY = VideoGeometry(frames=4, height=8, width=16, text_tokens=128)
# small enough settings that every method keeps a strict subset of the blocks on 640 tokens
SETTINGS = {
    "sparse_vdit": [{"mode": "diagonal"}, {"mode": "multi_diagonal"}, {"mode": "vertical_stripe"}],
    "psa": [{}],
    "blade_asa": [{"tau": 0.8}],
    "vertical_slash": [{"last_queries": 64, "n_vertical": 64, "n_slash": 64}],
    "flexprefill": [{"last_queries": 64, "min_budget": 64, "alpha": 0.5}],
    "block_topk": [{"top_k": 3}],
    "quest": [{"token_budget": 128}],
    "window_3d": [{"tile": [1, 8, 16], "window": [3, 1, 1]}],
}
CASES = [(method, settings) for method in LAYOUT_METHODS for settings in SETTINGS[method]]


def method_case_inputs(method: str, settings: dict):
    """(queries, k, v, layout) of one method on the shared small video workload (decode queries for Quest)."""
    spec = WorkloadSpec(frames=4, height=8, width=16, text_tokens=128, head_dim=32, value_scale=4.0)
    work = workload_generate(spec=spec)
    k, v = work.k[:, :2].contiguous(), work.v[:, :2].contiguous()  # grouped query heads
    queries = work.q[:, :, -16:].contiguous() if method == "quest" else work.q
    if method in ("sparse_vdit", "psa", "blade_asa", "window_3d"):
        k, v = work.k, work.v  # the video methods are self-attention over the token grid
    params = method_params(method_config_parse({"method": method, "params": settings}), geometry=GEOMETRY)
    return queries, k, v, LAYOUT_METHODS[method][1](queries, k, params)
