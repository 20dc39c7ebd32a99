/* Sampled block importance (PSA, BLADE) as their released pooling kernels estimate it: for query
 * block i and key block j of a head, the largest over block i's sampled queries of
 * exp(max over block j's sampled keys of the logit - that query's row maximum), with no division by
 * the row's exp-sum; each row of blocks is then normalised to sum 1. One task = a few query blocks
 * of one head: their sampled scores in one sgemm, then per sampled query the key-block maxima (in
 * place), their row maximum, and a pass folding exp(block max - row max) into running maxima. */
#include <math.h>
#include <omp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "common.h"

typedef struct {
    const float *qs;  /* [heads, n_qb * samples_q, d] sampled queries, already scaled by 1/sqrt(d) */
    const float *ks;  /* [heads, n_kb * samples_k, d] sampled keys */
    float *out;       /* [heads, n_qb, n_kb] */
    int64_t heads;
    int n_qb, n_kb, samples_q, samples_k, d, blocks_per_task;
    sgemm_fn sgemm;
    mkl_local_fn mkl_local;
    atomic_llong next;
    int failed;
} ImportanceWork;

/* Importance rows i0..i1 of head h; s holds the scores. */
static void importance_task(ImportanceWork *w, int64_t h, int i0, int i1, float *s) {
    const int d = w->d, sq = w->samples_q, sk = w->samples_k, n_kb = w->n_kb;
    const int cols = n_kb * sk, rows = (i1 - i0) * sq;
    const float one = 1.0f, zero = 0.0f;
    const float *q = w->qs + (h * (int64_t)w->n_qb * sq + (int64_t)i0 * sq) * d;
    const float *k = w->ks + h * (int64_t)cols * d;
    w->sgemm("T", "N", &cols, &rows, &d, &one, k, &d, q, &d, &zero, s, &cols);
    for (int i = i0; i < i1; i++) {
        float *o = w->out + (h * w->n_qb + i) * (int64_t)n_kb;
        for (int j = 0; j < n_kb; j++) o[j] = 0.0f;
        for (int r = 0; r < sq; r++) {
            float *row = s + ((int64_t)(i - i0) * sq + r) * cols;
            for (int j = 0; j < n_kb; j++) row[j] = row_max(row + (int64_t)j * sk, sk); /* j <= j*sk */
            const float mx = row_max(row, n_kb);
#pragma omp simd
            for (int j = 0; j < n_kb; j++) {
                const float p = exp_fast(row[j] - mx);
                o[j] = p > o[j] ? p : o[j];
            }
        }
        float sum = 0.0f;
        for (int j = 0; j < n_kb; j++) sum += o[j];
        const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;
        for (int j = 0; j < n_kb; j++) o[j] *= inv;
    }
}

/* Pull tasks (head, first query block) until none is left, with MKL single-threaded. */
static void importance_worker(ImportanceWork *w) {
    int previous = w->mkl_local(1);
    const int64_t cols = (int64_t)w->n_kb * w->samples_k;
    const int per_head = (w->n_qb + w->blocks_per_task - 1) / w->blocks_per_task;
    float *s = malloc(sizeof(float) * (size_t)w->blocks_per_task * w->samples_q * cols);
    if (!s) {
#pragma omp atomic write
        w->failed = 1;
    } else {
        for (;;) {
            int64_t t = atomic_fetch_add(&w->next, 1);
            if (t >= w->heads * per_head) break;
            int i0 = (int)(t % per_head) * w->blocks_per_task;
            int i1 = i0 + w->blocks_per_task < w->n_qb ? i0 + w->blocks_per_task : w->n_qb;
            importance_task(w, t / per_head, i0, i1, s);
        }
    }
    free(s);
    w->mkl_local(previous);
}

/* Importance of every head's blocks on `threads` threads of torch's OpenMP team. Returns 0, or 1
 * when a scratch allocation failed. */
int block_importance(const float *qs, const float *ks, float *out, int64_t heads, int n_qb, int n_kb,
                     int samples_q, int samples_k, int d, int blocks_per_task, int threads, void *sgemm,
                     void *mkl_local) {
    ImportanceWork w = {qs, ks, out, heads, n_qb, n_kb, samples_q, samples_k, d,
                        blocks_per_task < 1 ? 1 : blocks_per_task, (sgemm_fn)sgemm, (mkl_local_fn)mkl_local, 0, 0};
    atomic_init(&w.next, 0);
    if (threads < 1) threads = 1;
#pragma omp parallel num_threads(threads)
    importance_worker(&w);
    return w.failed ? 1 : 0;
}
