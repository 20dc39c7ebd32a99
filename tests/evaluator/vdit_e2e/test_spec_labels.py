"""The vdit-e2e page names both SSIM conventions: each SSIM column's label says whose convention it is."""

from __future__ import annotations

from evaluator.benchmarks.vdit_e2e.spec import e2e_metrics


def test_both_ssim_columns_name_their_convention() -> None:
    labels = {m.name: m.label for m in e2e_metrics()}
    assert labels["ssim"] == "SSIM (Wang 2004)" and labels["ssim_svg"] == "SSIM (Sparse-VideoGen)"
    assert labels["ssim_lo"] == "SSIM (Wang 2004) 95% low"
    assert labels["ssim_hi"] == "SSIM (Wang 2004) 95% high"
    ssim_labels = [label for label in labels.values() if label.startswith("SSIM")]
    assert len(ssim_labels) == 6 and all(label.startswith("SSIM (") for label in ssim_labels)
