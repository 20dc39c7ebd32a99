/* Sampled block importance (PSA, BLADE): for every query block i and key block j of a head, the
 * largest softmax probability among the tile's sampled query x sampled key scores, the softmax
 * taken over each sampled query's whole row. One task = a few query blocks of one head: their
 * sampled scores in one sgemm, then per row a max pass, an exp-and-sum pass, and a pass folding
 * p / sum into running column maxima; the block max of those columns is the importance. */
#include <math.h>
#include <omp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "common.h"

typedef struct {
    const float *qs;  /* [heads, n_b * samples, d] sampled queries, already scaled by 1/sqrt(d) */
    const float *ks;  /* [heads, n_b * samples, d] sampled keys */
    float *out;       /* [heads, n_b, n_b] */
    int64_t heads;
    int n_b, samples, d, blocks_per_task;
    sgemm_fn sgemm;
    mkl_local_fn mkl_local;
    atomic_llong next;
    int failed;
} ImportanceWork;

/* Importance rows i0..i1 of head h; s holds the scores, colmax one row of column maxima. */
static void importance_task(ImportanceWork *w, int64_t h, int i0, int i1, float *s, float *colmax) {
    const int d = w->d, samples = w->samples, cols = w->n_b * samples, rows = (i1 - i0) * samples;
    const float one = 1.0f, zero = 0.0f;
    const float *q = w->qs + (h * (int64_t)cols + (int64_t)i0 * samples) * d;
    const float *k = w->ks + h * (int64_t)cols * d;
    w->sgemm("T", "N", &cols, &rows, &d, &one, k, &d, q, &d, &zero, s, &cols);
    for (int i = i0; i < i1; i++) {
        for (int c = 0; c < cols; c++) colmax[c] = 0.0f;
        for (int r = 0; r < samples; r++) {
            float *row = s + ((int64_t)(i - i0) * samples + r) * cols;
            const float inv = 1.0f / exp_shifted_sum(row, cols, row_max(row, cols));
#pragma omp simd
            for (int c = 0; c < cols; c++) {
                float p = row[c] * inv;
                colmax[c] = p > colmax[c] ? p : colmax[c];
            }
        }
        float *o = w->out + (h * w->n_b + i) * (int64_t)w->n_b;
        for (int j = 0; j < w->n_b; j++) {
            float best = 0.0f;
            for (int c = j * samples; c < (j + 1) * samples; c++) best = colmax[c] > best ? colmax[c] : best;
            o[j] = best;
        }
    }
}

/* Pull tasks (head, first query block) until none is left, with MKL single-threaded. */
static void importance_worker(ImportanceWork *w) {
    int previous = w->mkl_local(1);
    const int64_t cols = (int64_t)w->n_b * w->samples;
    const int per_head = (w->n_b + w->blocks_per_task - 1) / w->blocks_per_task;
    float *s = malloc(sizeof(float) * (size_t)w->blocks_per_task * w->samples * cols);
    float *colmax = malloc(sizeof(float) * (size_t)cols);
    if (!s || !colmax) {
#pragma omp atomic write
        w->failed = 1;
    } else {
        for (;;) {
            int64_t t = atomic_fetch_add(&w->next, 1);
            if (t >= w->heads * per_head) break;
            int i0 = (int)(t % per_head) * w->blocks_per_task;
            int i1 = i0 + w->blocks_per_task < w->n_b ? i0 + w->blocks_per_task : w->n_b;
            importance_task(w, t / per_head, i0, i1, s, colmax);
        }
    }
    free(s);
    free(colmax);
    w->mkl_local(previous);
}

/* Importance of every head's blocks on `threads` threads of torch's OpenMP team. Returns 0, or 1
 * when a scratch allocation failed. */
int block_importance(const float *qs, const float *ks, float *out, int64_t heads, int n_b, int samples, int d,
                     int blocks_per_task, int threads, void *sgemm, void *mkl_local) {
    ImportanceWork w = {qs, ks, out, heads, n_b, samples, d, blocks_per_task < 1 ? 1 : blocks_per_task,
                        (sgemm_fn)sgemm, (mkl_local_fn)mkl_local, 0, 0};
    atomic_init(&w.next, 0);
    if (threads < 1) threads = 1;
#pragma omp parallel num_threads(threads)
    importance_worker(&w);
    return w.failed ? 1 : 0;
}
