/* What the native kernels share: MKL's entry points (passed in as addresses) and a vectorisable exp. */
#ifndef SPARSEBENCH_NATIVE_COMMON_H
#define SPARSEBENCH_NATIVE_COMMON_H

#include <math.h>
#include <stdint.h>

typedef void (*sgemm_fn)(const char *, const char *, const int *, const int *, const int *, const float *,
                         const float *, const int *, const float *, const int *, const float *, float *,
                         const int *);
typedef int (*mkl_local_fn)(int);

/* exp(x) for x <= 0 (and -inf -> 0) to about 1 ulp: x = n ln2 + r, |r| <= ln2/2, degree-7 Taylor
 * polynomial in r times 2^n built from the exponent bits; written so that the compiler vectorizes it. */
static inline float exp_fast(float x) {
    const float lo = -87.33654f;
    float xc = x < lo ? lo : x;
    float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f; /* round to nearest */
    float r = __builtin_fmaf(n, -0.693145751953125f, xc);
    r = __builtin_fmaf(n, -1.42860682030941723212e-6f, r);
    float p = 1.0f / 5040.0f;
    p = __builtin_fmaf(p, r, 1.0f / 720.0f);
    p = __builtin_fmaf(p, r, 1.0f / 120.0f);
    p = __builtin_fmaf(p, r, 1.0f / 24.0f);
    p = __builtin_fmaf(p, r, 1.0f / 6.0f);
    p = __builtin_fmaf(p, r, 0.5f);
    p = __builtin_fmaf(p, r, 1.0f);
    p = __builtin_fmaf(p, r, 1.0f);
    union { int32_t i; float f; } two_n;
    two_n.i = ((int32_t)n + 127) << 23;
    return x < lo ? 0.0f : p * two_n.f;
}

/* The largest of row[0..n) (-inf for an empty or all -inf row). */
static inline float row_max(const float *row, int n) {
    float mx = -INFINITY;
#pragma omp simd reduction(max : mx)
    for (int c = 0; c < n; c++) mx = row[c] > mx ? row[c] : mx;
    return mx;
}

/* row[c] = exp(row[c] - shift) in place for c < n (shift >= every entry); returns their sum. */
static inline float exp_shifted_sum(float *row, int n, float shift) {
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int c = 0; c < n; c++) {
        const float p = exp_fast(row[c] - shift);
        row[c] = p;
        sum += p;
    }
    return sum;
}

#endif
