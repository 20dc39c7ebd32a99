/* Block-sparse flash-attention forward for float32 on the CPU: one online-softmax pass per query
 * block over its listed key blocks (any pyramid level) and key-token columns (gathered into a
 * per-thread tile), with MKL's sgemm as found in
 * PyTorch's own library (their addresses are passed in; nothing is linked). Rows are pulled from an
 * atomic counter by the threads of an OpenMP team; each keeps MKL single-threaded. */
#include <math.h>
#include <omp.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

/* One call's work: query rows (blocks of b_q tokens) and, per row, a CSR list of key entries. */
typedef struct {
    const float *q;              /* [rows, b_q, d] flat query blocks */
    const float *const *keys;    /* per level (index level - 1): [*, d] key tokens */
    const float *const *values;  /* per level: [*, dv] value tokens */
    float *out;                  /* [rows, b_q, dv] */
    const int64_t *order;        /* [n_tasks] the row of each task, costliest first */
    const int64_t *row_ptr;      /* [rows + 1] CSR offsets into the entry arrays */
    const int64_t *ent_token;    /* first key token of the entry in its level's array */
    const int32_t *ent_len;      /* tokens in the entry */
    const int32_t *ent_level;    /* 1..4; logit bias (level - 1) ln 2 */
    const int64_t *ent_delta;    /* causal: key s visible to query t iff s - t <= delta; INT64_MAX = no mask */
    const int64_t *col_ptr;      /* [rows + 1] CSR offsets into the column arrays, or NULL: no columns */
    const int64_t *col_token;    /* key token of the column in the level-1 array */
    const int32_t *col_first;    /* the first query t of the block that sees the column (0: all) */
    int64_t n_tasks;
    int b_q, d, dv, chunk;
    float scale;
    sgemm_fn sgemm;
    mkl_local_fn mkl_local;
    atomic_llong next;
    int failed;
    float *lse;                  /* [rows, b_q] natural log-sum-exp of each query's logits, or NULL */
} Work;

/* Online softmax over a chunk of `cols` score columns (row-major b_q x cols): P = exp(S - new row
 * max) in place, the row sums into l and the rescaling of acc by the change of row max. */
static void online_softmax(float *s, int cols, int bq, int dv, float *m, float *l, float *acc) {
    for (int t = 0; t < bq; t++) {
        float *row = s + (int64_t)t * cols;
        const float mx = row_max(row, cols);
        const float m_new = mx > m[t] ? mx : m[t];
        const float shift = m_new == -INFINITY ? 0.0f : m_new;
        const float sum = exp_shifted_sum(row, cols, shift);
        float alpha = m[t] == -INFINITY ? 0.0f : expf(m[t] - shift);
        if (alpha != 1.0f) {
            float *a = acc + (int64_t)t * dv;
            for (int c = 0; c < dv; c++) a[c] *= alpha;
        }
        l[t] = l[t] * alpha + sum;
        m[t] = m_new;
    }
}

/* The key-token columns of query block r, `chunk` at a time: keys and values gathered into the
 * tiles kt, vt, then one score product, the causal cut per column, the softmax and one P V. */
static void row_columns(Work *w, const float *q, int64_t r, float *s, float *m, float *l, float *acc,
                        float *kt, float *vt) {
    const int bq = w->b_q, d = w->d, dv = w->dv;
    const float one = 1.0f, zero = 0.0f;
    const float *keys = w->keys[0], *values = w->values[0];
    for (int64_t c0 = w->col_ptr[r], end = w->col_ptr[r + 1]; c0 < end; c0 += w->chunk) {
        int n = (int)(end - c0 < w->chunk ? end - c0 : w->chunk);
        for (int c = 0; c < n; c++) {
            memcpy(kt + (int64_t)c * d, keys + w->col_token[c0 + c] * d, sizeof(float) * d);
            memcpy(vt + (int64_t)c * dv, values + w->col_token[c0 + c] * dv, sizeof(float) * dv);
        }
        w->sgemm("T", "N", &n, &bq, &d, &w->scale, kt, &d, q, &d, &zero, s, &n);
        for (int c = 0; c < n; c++) {
            int first = w->col_first[c0 + c];
            for (int t = 0; t < first && t < bq; t++) s[(int64_t)t * n + c] = -INFINITY;
        }
        online_softmax(s, n, bq, dv, m, l, acc);
        w->sgemm("N", "N", &dv, &bq, &n, &one, vt, &dv, s, &n, &one, acc, &dv);
    }
}

/* Output of query block r: its entries in chunks of at most `chunk` key columns, then its columns. */
static void row_attend(Work *w, int64_t r, float *s, float *m, float *l, float *acc, float *kt, float *vt) {
    const int bq = w->b_q, d = w->d, dv = w->dv, chunk = w->chunk;
    const float *q = w->q + r * (int64_t)bq * d;
    const float one = 1.0f, zero = 0.0f;
    for (int t = 0; t < bq; t++) { m[t] = -INFINITY; l[t] = 0.0f; }
    memset(acc, 0, sizeof(float) * (size_t)bq * dv);
    int64_t e = w->row_ptr[r], e_end = w->row_ptr[r + 1];
    while (e < e_end) {
        /* a chunk: whole entries while they fit in `chunk` columns (at least one entry) */
        int64_t e0 = e;
        int cols = 0;
        while (e < e_end && (cols == 0 || cols + w->ent_len[e] <= chunk)) cols += w->ent_len[e++];
        int c0 = 0;
        for (int64_t j = e0; j < e; j++) {
            int n = w->ent_len[j];
            const float *kp = w->keys[w->ent_level[j] - 1] + w->ent_token[j] * (int64_t)d;
            /* S[:, c0:c0+n] = scale Q K^T, i.e. column-major S^T (n x b_q) = scale K (n x d) Q^T */
            w->sgemm("T", "N", &n, &bq, &d, &w->scale, kp, &d, q, &d, &zero, s + c0, &cols);
            float bias = (float)(w->ent_level[j] - 1) * 0.69314718055994530942f;
            int64_t delta = w->ent_delta[j];
            if (bias != 0.0f || delta != INT64_MAX) {
                for (int t = 0; t < bq; t++) {
                    float *row = s + (int64_t)t * cols + c0;
                    if (bias != 0.0f)
                        for (int c = 0; c < n; c++) row[c] += bias;
                    if (delta != INT64_MAX) {
                        int64_t first_hidden = delta + t + 1; /* keys s >= this are in the future */
                        for (int64_t c = first_hidden < 0 ? 0 : first_hidden; c < n; c++) row[c] = -INFINITY;
                    }
                }
            }
            c0 += n;
        }
        online_softmax(s, cols, bq, dv, m, l, acc);
        /* acc += P V, entry by entry (column-major: acc^T += V^T P^T) */
        c0 = 0;
        for (int64_t j = e0; j < e; j++) {
            int n = w->ent_len[j];
            const float *vp = w->values[w->ent_level[j] - 1] + w->ent_token[j] * (int64_t)dv;
            w->sgemm("N", "N", &dv, &bq, &n, &one, vp, &dv, s + c0, &cols, &one, acc, &dv);
            c0 += n;
        }
    }
    if (w->col_ptr) row_columns(w, q, r, s, m, l, acc, kt, vt);
    float *o = w->out + r * (int64_t)bq * dv;
    if (w->lse)
        for (int t = 0; t < bq; t++) w->lse[r * (int64_t)bq + t] = l[t] > 0.0f ? m[t] + logf(l[t]) : -INFINITY;
    for (int t = 0; t < bq; t++) {
        if (l[t] > 0.0f) {
            float inv = 1.0f / l[t];
            for (int c = 0; c < dv; c++) o[(int64_t)t * dv + c] = acc[(int64_t)t * dv + c] * inv;
        } else {
            memset(o + (int64_t)t * dv, 0, sizeof(float) * dv);
        }
    }
}

/* Pull tasks until none is left, with MKL single-threaded on this thread. */
static void worker(Work *w) {
    int previous = w->mkl_local(1);
    size_t bq = (size_t)w->b_q;
    int64_t max_cols = w->chunk;
    float *s = malloc(sizeof(float) * bq * (size_t)max_cols);
    float *m = malloc(sizeof(float) * bq);
    float *l = malloc(sizeof(float) * bq);
    float *acc = malloc(sizeof(float) * bq * (size_t)w->dv);
    float *kt = w->col_ptr ? malloc(sizeof(float) * (size_t)max_cols * (size_t)w->d) : NULL;
    float *vt = w->col_ptr ? malloc(sizeof(float) * (size_t)max_cols * (size_t)w->dv) : NULL;
    if (!s || !m || !l || !acc || (w->col_ptr && (!kt || !vt))) {
#pragma omp atomic write
        w->failed = 1;
    } else {
        for (;;) {
            int64_t i = atomic_fetch_add(&w->next, 1);
            if (i >= w->n_tasks) break;
            row_attend(w, w->order[i], s, m, l, acc, kt, vt);
        }
    }
    free(s); free(m); free(l); free(acc); free(kt); free(vt);
    w->mkl_local(previous);
}

/* Attention of every task's query block over its entries and columns, on `threads` threads (the
 * caller's included), and, when `lse` is not NULL, each query's log-sum-exp. Returns 0, or 1 when a
 * scratch allocation failed. `chunk` must be at least the longest entry. col_ptr NULL: no columns
 * (col_token and col_first are then not read). */
int block_sparse_forward(const float *q, const float *const *keys, const float *const *values, float *out,
                         const int64_t *order, int64_t n_tasks, const int64_t *row_ptr,
                         const int64_t *ent_token, const int32_t *ent_len, const int32_t *ent_level,
                         const int64_t *ent_delta, const int64_t *col_ptr, const int64_t *col_token,
                         const int32_t *col_first, int b_q, int d, int dv, int chunk, float scale,
                         int threads, void *sgemm, void *mkl_local, float *lse) {
    Work w = {q, keys, values, out, order, row_ptr, ent_token, ent_len, ent_level, ent_delta, col_ptr,
              col_token, col_first, n_tasks, b_q, d, dv, chunk, scale, (sgemm_fn)sgemm,
              (mkl_local_fn)mkl_local, 0, 0, lse};
    atomic_init(&w.next, 0);
    if (threads < 1) threads = 1;
    if (threads > n_tasks) threads = n_tasks > 0 ? (int)n_tasks : 1;
    /* torch's own OpenMP team: its threads, still spinning after torch's last parallel region, do
     * the work instead of competing with threads of ours for the cores */
#pragma omp parallel num_threads(threads)
    worker(&w);
    return w.failed ? 1 : 0;
}
