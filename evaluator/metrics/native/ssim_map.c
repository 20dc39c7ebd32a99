/* Channel-averaged SSIM map in float64 of two H x W x 3 images (row-major, channels interleaved):
 * separable 11-tap Gaussian filtering with scipy's 'reflect' borders of x, y, x^2 + y^2 and xy (the
 * formula needs only vx + vy), then Wang et al.'s formula per pixel and channel. Rows are shared out
 * over the threads of an OpenMP team; each thread keeps four padded filtered rows. */
#include <stdint.h>
#include <stdlib.h>

#define RADIUS 5
#define TAPS (2 * RADIUS + 1)
#define CH 3

/* scipy.ndimage's 'reflect' (d c b a | a b c d | d c b a) for n > RADIUS */
static inline int64_t reflect(int64_t i, int64_t n) {
    if (i < 0) return -i - 1;
    if (i >= n) return 2 * n - i - 1;
    return i;
}

/* The four vertically filtered rows of image row r, written at offset RADIUS * CH of each padded row. */
static void vertical_pass(const double *x, const double *y, int64_t h, int64_t row, int64_t r,
                          const double *weights, double *vx, double *vy, double *vss, double *vxy) {
    for (int64_t i = 0; i < row; i++) vx[i] = vy[i] = vss[i] = vxy[i] = 0.0;
    for (int k = 0; k < TAPS; k++) {
        const int64_t src = reflect(r + k - RADIUS, h) * row;
        const double *xr = x + src, *yr = y + src, wk = weights[k];
#pragma omp simd
        for (int64_t i = 0; i < row; i++) {
            const double a = xr[i], b = yr[i];
            vx[i] += wk * a;
            vy[i] += wk * b;
            vss[i] += wk * (a * a + b * b);
            vxy[i] += wk * (a * b);
        }
    }
}

/* Mirror RADIUS pixels (all channels) on both sides of a padded row of w pixels. */
static void pad_row(double *padded, int64_t w) {
    double *body = padded + RADIUS * CH;
    for (int p = 1; p <= RADIUS; p++)
        for (int c = 0; c < CH; c++) {
            body[-p * CH + c] = body[reflect(-p, w) * CH + c];
            body[(w - 1 + p) * CH + c] = body[reflect(w - 1 + p, w) * CH + c];
        }
}

/* Horizontal pass and the SSIM formula for one row; out[px] = mean over the channels. */
static void row_ssim(double *const pads[4], double *s, double *out, int64_t w, const double *weights, double c1,
                     double c2) {
    const int64_t row = w * CH;
    const double *px = pads[0], *py = pads[1], *pss = pads[2], *pxy = pads[3];
#pragma omp simd
    for (int64_t i = 0; i < row; i++) {
        double ux = 0.0, uy = 0.0, uss = 0.0, uxy = 0.0;
        for (int k = 0; k < TAPS; k++) {
            const int64_t j = i + (int64_t)k * CH;
            ux += weights[k] * px[j];
            uy += weights[k] * py[j];
            uss += weights[k] * pss[j];
            uxy += weights[k] * pxy[j];
        }
        const double uxuy = ux * uy, sq = ux * ux + uy * uy;
        s[i] = ((2.0 * uxuy + c1) * (2.0 * (uxy - uxuy) + c2)) / ((sq + c1) * (uss - sq + c2));
    }
    for (int64_t p = 0; p < w; p++) out[p] = (s[p * CH] + s[p * CH + 1] + s[p * CH + 2]) / 3.0;
}

/* Returns 0, or 1 when a thread's row buffers could not be allocated. Needs h, w >= TAPS. */
int ssim_map(const double *x, const double *y, double *out, int64_t h, int64_t w, const double *weights,
             double c1, double c2, int threads) {
    const int64_t row = w * CH, padded = row + 2 * RADIUS * CH;
    int failed = 0;
#pragma omp parallel num_threads(threads > 0 ? threads : 1)
    {
        double *buf = malloc(sizeof(double) * (size_t)(4 * padded + row));
        if (!buf) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(static)
        for (int64_t r = 0; r < h; r++) {
            if (!buf) continue;
            double *pads[4] = {buf, buf + padded, buf + 2 * padded, buf + 3 * padded};
            double *body[4];
            for (int m = 0; m < 4; m++) body[m] = pads[m] + RADIUS * CH;
            vertical_pass(x, y, h, row, r, weights, body[0], body[1], body[2], body[3]);
            for (int m = 0; m < 4; m++) pad_row(pads[m], w);
            row_ssim(pads, buf + 4 * padded, out + r * w, w, weights, c1, c2);
        }
        free(buf);
    }
    return failed;
}
