/* LPIPS passes around the AlexNet convolutions, in float32 like the torch path they replace:
 * lpips_prep turns two float64 H x W x 3 images in [0, 1] into the network's scaled input batch
 * (channels-last), and lpips_layer_sums folds one layer's channel normalisation, difference and
 * square into per-channel spatial sums. Pixels are shared out over the threads of an OpenMP team. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* out[n, y, x, c] = ((float(img_n[y, x, c]) * 2 - 1) - shift[c]) / scale[c] for img_0 = a, img_1 = b,
 * operation by operation as torch does it in float32. Rows of the inputs are `row_stride` doubles
 * apart (crops of a larger image); pixels within a row are contiguous. */
void lpips_prep(const double *a, const double *b, int64_t row_stride, float *out, int64_t h, int64_t w,
                const float *shift, const float *scale, int threads) {
    const int64_t row = w * 3;
#pragma omp parallel for num_threads(threads > 0 ? threads : 1) schedule(static)
    for (int64_t r = 0; r < 2 * h; r++) {
        const double *src = (r < h ? a : b) + (r % h) * row_stride;
        float *dst = out + r * row;
        for (int64_t i = 0; i < row; i += 3)
            for (int c = 0; c < 3; c++) {
                float t = (float)src[i + c];
                t = t * 2.0f;
                t = t - 1.0f;
                t = t - shift[c];
                dst[i + c] = t / scale[c];
            }
    }
}

/* sums[c] = sum over the p pixels of (a_c / (|a| + eps) - b_c / (|b| + eps))^2, where feats holds the
 * channels-last features of image a (first p pixels) then image b, `channels` floats per pixel. */
int lpips_layer_sums(const float *feats, int64_t p, int channels, float eps, double *sums, int threads) {
    int failed = 0;
    memset(sums, 0, sizeof(double) * (size_t)channels);
#pragma omp parallel num_threads(threads > 0 ? threads : 1)
    {
        double *acc = calloc((size_t)channels, sizeof(double));
        float *diff = malloc(sizeof(float) * (size_t)channels);
        if (!acc || !diff) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int64_t i = 0; i < p; i++) {
            if (!acc || !diff) continue;
            const float *fa = feats + i * channels, *fb = feats + (p + i) * channels;
            float sa = 0.0f, sb = 0.0f;
#pragma omp simd reduction(+ : sa, sb)
            for (int c = 0; c < channels; c++) {
                sa += fa[c] * fa[c];
                sb += fb[c] * fb[c];
            }
            const float na = sqrtf(sa) + eps, nb = sqrtf(sb) + eps;
#pragma omp simd
            for (int c = 0; c < channels; c++) {
                const float d = fa[c] / na - fb[c] / nb;
                diff[c] = d * d;
            }
            for (int c = 0; c < channels; c++) acc[c] += diff[c];
        }
        if (acc && diff) {
#pragma omp critical
            for (int c = 0; c < channels; c++) sums[c] += acc[c];
        }
        free(acc);
        free(diff);
    }
    return failed;
}
