"""Sparse attention methods: frozen params dataclasses and builders ``(q, k, params) -> BlockLayout``.

``LAYOUT_METHODS`` maps a method name to its (params class, builder). SnapKV and Ada-SnapKV evict
keys and values instead: ``snapkv_select(q, k, SnapKvParams(...)) -> KvSelection``, then
``kv_selection_attention``. Sparse-vDiT also has per-head plans: ``vdit_search_heads``,
``vdit_plan_layouts`` and ``vdit_attention``, and plans over (step, layer, head) with the search
and inference passes in ``vdit_plan``. ``GROUPED_METHODS`` choose per head among token orders and
return fused head groups (``VditGroup``) instead of one layout: Sparse-VideoGen (``svg``).
"""

from kernels.methods.blade import BladeParams, blade_build_layout
from kernels.methods.block_topk import BlockTopkParams, block_topk_build_layout
from kernels.methods.flexprefill import FlexPrefillParams, flexprefill_build_layout
from kernels.methods.psa import PsaParams, psa_build_layout
from kernels.methods.quest import QuestParams, quest_build_layout
from kernels.methods.svg import SvgParams, svg_select
from kernels.methods.vdit import VditParams, vdit_build_layout
from kernels.methods.vertical_slash import VerticalSlashParams, vertical_slash_build_layout
from kernels.methods.window3d import Window3dParams, window3d_build_layout

LAYOUT_METHODS = {
    "sparse_vdit": (VditParams, vdit_build_layout),
    "psa": (PsaParams, psa_build_layout),
    "blade_asa": (BladeParams, blade_build_layout),
    "vertical_slash": (VerticalSlashParams, vertical_slash_build_layout),
    "flexprefill": (FlexPrefillParams, flexprefill_build_layout),
    "block_topk": (BlockTopkParams, block_topk_build_layout),
    "quest": (QuestParams, quest_build_layout),
    "window_3d": (Window3dParams, window3d_build_layout),
}
#: (params class, select(q, k, v, params) -> fused head groups)
GROUPED_METHODS = {"svg": (SvgParams, svg_select)}

__all__ = ["GROUPED_METHODS", "LAYOUT_METHODS"]
