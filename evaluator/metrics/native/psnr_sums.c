/* Squared-error sums for PSNR and PSNR-M in one pass over two float64 H x W x 3 images: the sum over
 * all pixels and channels, and the sum over the pixels of a boolean mask (bytes, 1 = inside). */
#include <stdint.h>

void squared_error_sums(const double *a, const double *b, const uint8_t *mask, int64_t pixels, double *total,
                        double *masked, int threads) {
    double all = 0.0, inside = 0.0;
#pragma omp parallel for num_threads(threads > 0 ? threads : 1) schedule(static) reduction(+ : all, inside)
    for (int64_t p = 0; p < pixels; p++) {
        const double d0 = a[3 * p] - b[3 * p], d1 = a[3 * p + 1] - b[3 * p + 1], d2 = a[3 * p + 2] - b[3 * p + 2];
        const double s = d0 * d0 + d1 * d1 + d2 * d2;
        all += s;
        inside += mask[p] ? s : 0.0;
    }
    *total = all;
    *masked = inside;
}
