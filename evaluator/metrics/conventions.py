"""Human-readable conventions of every image metric key, shown on the benchmark page."""

from __future__ import annotations

_SPARE = (
    "Convention: the SpaRe challenge's (AIM 2024, SpaReBenchmark.github.io), as this platform ranks on it. "
)
_REGNERF = (
    "Convention: the DTU evaluation of RegNeRF (google-research regnerf/eval.py) and FreeNeRF (eval.py, "
    "data range 1), which their successors' DTU tables follow; published beside SpaRe's, not ranked. "
    "Those tables are computed on 4x-downsampled DTU images (400 x 300, pixelNeRF's protocol), these at the "
    "dataset's own resolution. "
)
_SSIM = (
    "Wang et al. 2004 SSIM: Gaussian window of 11 taps (sigma 1.5), K1 = 0.01, K2 = 0.03, population "
    "covariance, data range 1, float64, 'reflect' borders; computed per RGB channel then averaged, mean "
    "over the map without its 5-pixel border (= skimage.metrics.structural_similarity with "
    "gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1, channel_axis=-1)."
)
_SSIM_UNIFORM = (
    "SSIM over a uniform 7 x 7 window with sample covariance (skimage's defaults), K1 = 0.01, K2 = 0.03, "
    "data range 1, float64, 'reflect' borders, per RGB channel then averaged, mean over the map without "
    "its 3-pixel border (= skimage.metrics.structural_similarity with data_range=1, channel_axis=-1)."
)
_LPIPS = (
    "LPIPS v0.1 (AlexNet trunk with ImageNet weights, v0.1 linear layers): RGB scaled to [-1, 1], "
    "LPIPS scaling layer, channel-normalised features of the 5 ReLU layers, squared differences "
    "weighted by the linear layers, spatial mean, summed over layers; lower is better, 0 for "
    "identical images."
)
_BOX = (
    " Computed on the crop of the mask's tight bounding box (no padding), grown (centred, clipped to the "
    "image) to at least {side} x {side} only when the mask is smaller than that{why}; n/a when the mask is "
    "empty."
)
_WHITE = (
    " Both images are composited on a white background outside the object mask (rgb * mask + (1 - mask)) "
    "and compared over the whole image, where the white background matches perfectly, so these read far "
    "nearer a perfect score than SpaRe's box-crop SSIM-M and LPIPS-M; n/a when the mask is empty."
)

#: metric key -> the convention it is computed with (images are H x W x 3 floats in [0, 1]).
METRIC_CONVENTIONS: dict[str, str] = {
    "psnr": _SPARE
    + (
        "PSNR in dB = 10 log10(1 / MSE), data range 1, MSE in float64 over all pixels and the 3 RGB "
        "channels (= skimage.metrics.peak_signal_noise_ratio with data_range=1); identical images "
        "give +inf, which leaderboards cap at 100 dB per image before averaging; higher is better."
    ),
    "psnr_m": _SPARE
    + (
        "Masked PSNR in dB: as PSNR with the MSE taken over the pixels of the object mask only "
        "(all 3 channels), capped at 100 dB per image like PSNR; n/a when the mask is empty. This is "
        "also RegNeRF's and FreeNeRF's DTU masked PSNR (MSE over the mask's pixels), so it stands for both."
    ),
    "ssim": _SPARE + _SSIM + " Higher is better, 1 for identical images.",
    "ssim_m": _SPARE + "Masked SSIM: " + _SSIM + _BOX.format(side=11, why=" (the SSIM window)"),
    "lpips": _SPARE + _LPIPS + " n/a for images smaller than 31 x 31 pixels.",
    "lpips_m": _SPARE
    + "Masked LPIPS: "
    + _LPIPS
    + _BOX.format(side=31, why=" (the smallest input of the AlexNet trunk)")
    + " Also n/a when the image is smaller than 31 x 31.",
    "ssim_rn": _REGNERF + _SSIM_UNIFORM + " Higher is better, 1 for identical images.",
    "ssim_m_rn": _REGNERF + "Masked SSIM: " + _SSIM_UNIFORM + _WHITE,
    "lpips_m_rn": _REGNERF
    + "Masked LPIPS: "
    + _LPIPS
    + _WHITE
    + " FreeNeRF's released code uses the VGG trunk: compare the compositing convention, not the value.",
}
