/* 3x3 convolution (stride 1, padding 1) + bias + ReLU by Winograd's F(2x2, 3x3) (Lavin and Gray 2016),
 * float32, on channels-last (NHWC) tensors. Each 2x2 output tile comes from a 4x4 input tile d:
 * V = B^T d B per channel, M = V U summed over channels (16 matrix products, one per position of the
 * 4x4 transformed tile, by MKL's sgemm), Y = A^T M A. U = G g G^T is the transformed filter, given as
 * [16][C][K]. A task is a band of tile rows of one image; threads come from an OpenMP team. Fewer
 * multiplications than the direct convolution, and no less accurate against float64 (measured). */
#include <stdint.h>
#include <stdlib.h>

#include "common.h"

typedef struct {
    const float *in;   /* [N, H, W, C] */
    const float *u;    /* [16, C, K] */
    const float *bias; /* [K] */
    float *out;        /* [N, H, W, K] */
    int64_t h, w, c, k, th, tw, band;
} Conv;

/* B^T d B of the 4x4 input tile at tile (ti, tj) of image b, into v[xi * ldv + row * C + c]. */
static void input_transform(const Conv *p, int64_t b, int64_t ti, int64_t tj, float *restrict v, int64_t ldv,
                            int64_t row, const float *zero) {
    const float *d[4][4];
    for (int r = 0; r < 4; r++)
        for (int s = 0; s < 4; s++) {
            const int64_t y = 2 * ti - 1 + r, x = 2 * tj - 1 + s;
            const int outside = y < 0 || y >= p->h || x < 0 || x >= p->w;
            d[r][s] = outside ? zero : p->in + ((b * p->h + y) * p->w + x) * p->c;
        }
    const int64_t cn = p->c;
    float *restrict o = v + row * cn;
#pragma omp simd
    for (int64_t c = 0; c < cn; c++) {
        float t[4][4];
        for (int s = 0; s < 4; s++) {
            t[0][s] = d[0][s][c] - d[2][s][c];
            t[1][s] = d[1][s][c] + d[2][s][c];
            t[2][s] = d[2][s][c] - d[1][s][c];
            t[3][s] = d[1][s][c] - d[3][s][c];
        }
        for (int r = 0; r < 4; r++) {
            o[(4 * r + 0) * ldv + c] = t[r][0] - t[r][2];
            o[(4 * r + 1) * ldv + c] = t[r][1] + t[r][2];
            o[(4 * r + 2) * ldv + c] = t[r][2] - t[r][1];
            o[(4 * r + 3) * ldv + c] = t[r][1] - t[r][3];
        }
    }
}

/* ReLU(A^T m A + bias) for tile (ti, tj) of image b from m[xi * ldm + row * K + k]. */
static void output_transform(const Conv *p, int64_t b, int64_t ti, int64_t tj, const float *restrict m,
                             int64_t ldm, int64_t row) {
    const int64_t kn = p->k;
    const float *q = m + row * kn;
    for (int r = 0; r < 2; r++) {
        const int64_t y = 2 * ti + r;
        if (y >= p->h) continue;
        float *restrict o0 = p->out + ((b * p->h + y) * p->w + 2 * tj) * kn;
        const int second = 2 * tj + 1 < p->w;
#pragma omp simd
        for (int64_t k = 0; k < kn; k++) {
            float s[4];
            for (int c = 0; c < 4; c++) {
                const float a = q[(0 + c) * ldm + k], bb = q[(4 + c) * ldm + k];
                const float cc = q[(8 + c) * ldm + k], dd = q[(12 + c) * ldm + k];
                s[c] = r == 0 ? a + bb + cc : bb - cc - dd;
            }
            const float y0 = s[0] + s[1] + s[2] + p->bias[k];
            const float y1 = s[1] - s[2] - s[3] + p->bias[k];
            o0[k] = y0 > 0.0f ? y0 : 0.0f;
            if (second) o0[kn + k] = y1 > 0.0f ? y1 : 0.0f;
        }
    }
}

/* Returns 0, or 1 when a thread's buffers could not be allocated. */
int winograd_conv3x3_relu(const float *in, const float *u, const float *bias, float *out, int64_t n, int64_t h,
                          int64_t w, int64_t c, int64_t k, int64_t band, int threads, void *sgemm,
                          void *mkl_local) {
    const Conv p = {in, u, bias, out, h, w, c, k, (h + 1) / 2, (w + 1) / 2, band < 1 ? 1 : band};
    const sgemm_fn gemm = (sgemm_fn)sgemm;
    const int64_t bands = (p.th + p.band - 1) / p.band, tasks = n * bands, rows_max = p.band * p.tw;
    int failed = 0;
#pragma omp parallel num_threads(threads > 0 ? threads : 1)
    {
        const int previous = ((mkl_local_fn)mkl_local)(1);
        float *v = malloc(sizeof(float) * (size_t)(16 * rows_max * c));
        float *m = malloc(sizeof(float) * (size_t)(16 * rows_max * k));
        float *zero = calloc((size_t)c, sizeof(float));
        const int ready = v && m && zero;
        if (!ready) {
#pragma omp atomic write
            failed = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (int64_t t = 0; t < tasks; t++) {
            if (!ready) continue;
            const int64_t b = t / bands, ti0 = (t % bands) * p.band;
            const int64_t ti1 = ti0 + p.band < p.th ? ti0 + p.band : p.th, rows = (ti1 - ti0) * p.tw;
            for (int64_t ti = ti0; ti < ti1; ti++)
                for (int64_t tj = 0; tj < p.tw; tj++)
                    input_transform(&p, b, ti, tj, v, rows * c, (ti - ti0) * p.tw + tj, zero);
            const int mi = (int)rows, ki = (int)c, ni = (int)k;
            const float one = 1.0f, nil = 0.0f;
            /* column-major view of the row-major product M[xi] (rows x K) = V[xi] (rows x C) U[xi] (C x K) */
            for (int xi = 0; xi < 16; xi++)
                gemm("N", "N", &ni, &mi, &ki, &one, u + (int64_t)xi * c * k, &ni, v + (int64_t)xi * rows * c, &ki,
                     &nil, m + (int64_t)xi * rows * k, &ni);
            for (int64_t ti = ti0; ti < ti1; ti++)
                for (int64_t tj = 0; tj < p.tw; tj++)
                    output_transform(&p, b, ti, tj, m, rows * k, (ti - ti0) * p.tw + tj);
        }
        free(v);
        free(m);
        free(zero);
        ((mkl_local_fn)mkl_local)(previous);
    }
    return failed;
}
