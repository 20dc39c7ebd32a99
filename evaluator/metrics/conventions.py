"""Human-readable conventions of every image metric key, shown on the benchmark page."""

from __future__ import annotations

_SSIM = (
    "Wang et al. 2004 SSIM: Gaussian window of 11 taps (sigma 1.5), K1 = 0.01, K2 = 0.03, population "
    "covariance, data range 1, float64, 'reflect' borders; computed per RGB channel then averaged, mean "
    "over the map without its 5-pixel border (= skimage.metrics.structural_similarity with "
    "gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1, channel_axis=-1)."
)
_LPIPS = (
    "LPIPS v0.1 (AlexNet trunk with ImageNet weights, v0.1 linear layers): RGB scaled to [-1, 1], "
    "LPIPS scaling layer, channel-normalised features of the 5 ReLU layers, squared differences "
    "weighted by the linear layers, spatial mean, summed over layers; lower is better, 0 for "
    "identical images."
)
_BOX = (
    " Computed on the crop of the mask's bounding box, padded by 5 pixels, grown to at least "
    "11 x 11 and clipped to the image; n/a when the mask is empty."
)

#: metric key -> the convention it is computed with (images are H x W x 3 floats in [0, 1]).
METRIC_CONVENTIONS: dict[str, str] = {
    "psnr": (
        "PSNR in dB = 10 log10(1 / MSE), data range 1, MSE in float64 over all pixels and the 3 RGB "
        "channels (= skimage.metrics.peak_signal_noise_ratio with data_range=1); identical images "
        "give +inf, which leaderboards cap at 100 dB per image before averaging; higher is better."
    ),
    "psnr_m": (
        "Masked PSNR in dB: as PSNR with the MSE taken over the pixels of the object mask only "
        "(all 3 channels), capped at 100 dB per image like PSNR; n/a when the mask is empty."
    ),
    "ssim": _SSIM + " Higher is better, 1 for identical images.",
    "ssim_m": "Masked SSIM: " + _SSIM + _BOX,
    "lpips": _LPIPS + " n/a for images smaller than 31 x 31 pixels.",
    "lpips_m": "Masked LPIPS: " + _LPIPS + _BOX + " Also n/a when the crop is smaller than 31 x 31.",
}
