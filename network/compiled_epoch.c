/* One epoch of the network's stochastic gradient descent (`sgd_epoch`), and its feedforward alone for
 * predictions (`feedforward_rows`), in portable C: the definition of the network's arithmetic. Every
 * product, sum, sigmoid and update of an epoch is done in the order and with the roundings written
 * here, so every machine and every conforming compiler gives the same bits.
 *
 * What makes it portable:
 * - IEEE double precision, round to nearest; each +, -, *, / rounded once. Built with
 *   -ffp-contract=off: nothing is fused unless the code calls fma(), and C99's fma() is exactly
 *   rounded by definition, whether the CPU has the instruction or libm emulates it.
 * - No libm function whose result differs between libraries: `exp` is this file's own
 *   (`portable_exp`, below), made of +, *, fma() and exact scalings by powers of two.
 * - No intrinsics. The sums of independent outputs are computed side by side in GCC's and Clang's
 *   portable vector types (`vec`), which any target compiles, to vector instructions where it has
 *   them; each output's sum keeps its order. Nothing may reorder a sum (only -ffast-math and its kin
 *   would).
 *
 * The order of the sums. It is the order in which OpenBLAS's Haswell kernel sums a matrix product
 * on one thread, and NumPy's pairwise sum of the bias gradient, so that on such a machine, with
 * libm's exp in place of portable_exp, this file gives NumPy's bits for the book's shapes
 * (tests/test_compiled_epoch.py holds that where it holds):
 * - A sum over an index of length n (inputs, outputs or examples) is cut into blocks (`block_ends`):
 *   whole blocks of 256, the last two split evenly in multiples of 4.
 * - Within a block each output is a chain of fused multiply-adds in index order, started from zero:
 *   s = fma(x[k], w[k], s).
 * - The output starts at zero and each block's sum is added to it in turn.
 * - The bias gradient is the pairwise sum of `pairwise_sum` (blocks of 8 partial sums, halves of
 *   multiples of 8 above 128 terms).
 *
 * Skipping zero inputs is exact while every weight and bias is finite: fma(0, w, s) is s, since s
 * starts at +0 and is never -0 (a sum that is exactly zero rounds to +0 in round to nearest), so a
 * weight whose input is zero across the mini-batch gets the gradient +0, and w - 0 * step is w.
 * MNIST's images are about 80% zeros, so most of the first layer's work is skipped; the same holds
 * for errors (delta) that are exactly zero. If a weight or bias is not finite at the end of the
 * epoch, the epoch reports it and writes nothing back (the caller then trains the epoch in NumPy,
 * which carries the NaN as IEEE says).
 *
 * The book's notation (Nielsen, chapters 1 and 2): a layer computes a = sigmoid(z), z = w a_in + b;
 * the output error is BP1, the error propagated back BP2, the gradients BP3 (biases) and BP4
 * (weights); the step is chapter 1's eq. 20 and 21, w -> w - (eta/m) sum_x dC_x/dw, and the same for b.
 *
 * The layout. Each layer keeps its weights transposed, one row per input (`wt`, n_in x width, width
 * = n_out rounded up to a multiple of LANE, the padding zero), so that a product runs along contiguous
 * rows for a chunk of outputs the compiler can keep in vector registers. Hidden layers also keep the
 * book's layout (`w`, n_out x width of the inputs) for backpropagation.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { GEMM_Q = 256, GEMM_UNROLL_M = 4, PAIRWISE_BLOCK = 128 };

/* The doubles in one vector: 8 where the target has 512-bit vectors (AVX-512), else 4. The lanes are
 * independent sums, so their number changes no bit, only how many outputs one instruction computes:
 * 8 lanes halve the loads of weight rows, which bind the epoch (`make bench`). GCC is told to use the
 * 512-bit registers for the fma() fallback below (its default tuning prefers 256 bits, and then leaves
 * an 8-lane fma() in scalar code). */
#if defined(__AVX512F__)
#define LANE 8
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC target("prefer-vector-width=512")
#endif
#else
#define LANE 4
#endif
#define MAX_LANES 32 /* the most outputs one pass over the inputs computes: 8 vectors of 4, or 4 of 8 */

#define INLINE static inline __attribute__((always_inline))

/* LANE doubles, added, multiplied and fused lane by lane: GCC's and Clang's vector extension, which
 * any target compiles (to vector instructions where it has them). Each lane is its own sum. */
typedef double vec __attribute__((vector_size(LANE * sizeof(double))));
INLINE vec load(const double *p) { vec v; memcpy(&v, p, sizeof v); return v; }
INLINE void store(double *p, vec v) { memcpy(p, &v, sizeof v); }
#if LANE == 8 /* written out (a loop that fills the lanes compiles to slower code) */
INLINE vec splat(double x) { return (vec){x, x, x, x, x, x, x, x}; }
#else
INLINE vec splat(double x) { return (vec){x, x, x, x}; }
#endif
INLINE vec vfma(vec a, vec b, vec c)
{
#if defined(__has_builtin)
#if __has_builtin(__builtin_elementwise_fma)
    return __builtin_elementwise_fma(a, b, c);
#endif
#endif
    vec r; /* lane by lane, which compilers turn into one vector instruction where the target has it */
    for (int i = 0; i < LANE; i++)
        r[i] = fma(a[i], b[i], c[i]);
    return r;
}

/* ------------------------------------------------------------------------------------------------
 * exp and the sigmoid
 *
 * portable_exp(x) = 2^k e^r, with k = round(x / ln 2) and r = x - k ln 2, |r| <= ln2 / 2:
 * - r is computed with ln 2 in two parts (LN2_HI ends in 21 zero bits, so k * LN2_HI is exact for
 *   |k| < 2^21, and x - k LN2_HI is exact as the two are close), then the small part LN2_LO;
 * - e^r is its Taylor polynomial of degree 13, evaluated by Horner's rule with fma(): the first term
 *   left out, r^14 / 14!, is below 5e-18 for |r| <= ln2 / 2, well under half an ulp of e^r;
 * - 2^k is put into the exponent bits directly where 2^k and the result are normal numbers, and by
 *   ldexp (an exact scaling, correctly rounded into the subnormals) at the ends of the range.
 * Measured against 50-digit decimal arithmetic (tests/test_compiled_epoch.py, 7,000 inputs from -745
 * to 709.7): under 1 ulp everywhere (0.79 at most), the nearest double on 94% of the inputs, its
 * neighbour elsewhere; +inf above 709.78, +0 below -745.13, NaN for NaN. It is not libm's exp (which
 * is not one function either: libraries, and even one library's variants for two CPUs, differ in the
 * last bit), and need not be: it is the same function everywhere.
 * ---------------------------------------------------------------------------------------------- */

static const double LN2_HI = 0x1.62e42fee00000p-1, LN2_LO = 0x1.a39ef35793c76p-33, INV_LN2 = 0x1.71547652b82fep0;
static const double ROUND = 0x1.8p52; /* adding and subtracting it rounds a double below 2^51 to an integer */
static const double EXP_MAX = 0x1.62e42fefa39efp9;  /* log(DBL_MAX): above, e^x overflows */
static const double EXP_MIN = -0x1.74910d52d3051p9; /* log of the smallest subnormal / 2: below, 0 */

INLINE double portable_exp(double x)
{
    if (!(x <= EXP_MAX)) /* NaN or too large: NaN + NaN is NaN, and +inf */
        return x != x ? x + x : INFINITY;
    if (x < EXP_MIN)
        return 0.0;
    const double k = (x * INV_LN2 + ROUND) - ROUND;
    const double r = fma(-k, LN2_LO, x - k * LN2_HI);
    /* 1/n! for n = 13 down to 2, rounded to double. */
    double p = 1.0 / 6227020800.0;
    p = fma(p, r, 1.0 / 479001600.0);
    p = fma(p, r, 1.0 / 39916800.0);
    p = fma(p, r, 1.0 / 3628800.0);
    p = fma(p, r, 1.0 / 362880.0);
    p = fma(p, r, 1.0 / 40320.0);
    p = fma(p, r, 1.0 / 5040.0);
    p = fma(p, r, 1.0 / 720.0);
    p = fma(p, r, 1.0 / 120.0);
    p = fma(p, r, 1.0 / 24.0);
    p = fma(p, r, 1.0 / 6.0);
    p = fma(p, r, 0.5);
    p = fma(p, r, 1.0);
    p = fma(p, r, 1.0);
    const int64_t n = (int64_t)k;
    if (n < -1021 || n > 1022)
        return ldexp(p, (int)n);
    union { uint64_t bits; double value; } scale = {.bits = (uint64_t)(n + 1023) << 52};
    return p * scale.value; /* exact: p is in [0.7, 1.5) and the result stays normal */
}

/* The sigmoid 1 / (1 + e^-z): 0 for z below -745 (e^-z is +inf), 1 above 37.5, NaN for NaN. */
INLINE double sigmoid(double z) { return 1.0 / (1.0 + portable_exp(-z)); }

/* The sigmoid of LANE values side by side: in each lane, sigmoid() above, operation for operation, so
 * the same bits (tests/test_compiled_epoch.py holds the two equal over millions of inputs). The lanes
 * take portable_exp's common path, where 2^k goes straight into the exponent bits: -1021 <= k <= 1022,
 * which implies EXP_MIN < -z < EXP_MAX. If any lane is outside it (NaN included), all take the
 * scalar sigmoid. Its integer n is read from the bits of k + ROUND, where it sits as an integer (the
 * scalar code converts k instead: the same n), so that no target needs a vector conversion. */
typedef int64_t ivec __attribute__((vector_size(LANE * sizeof(int64_t))));
INLINE vec vector_sigmoid(vec z)
{
    const vec x = -z, shifted = x * splat(INV_LN2) + splat(ROUND), k = shifted - splat(ROUND);
    const ivec inside = (k >= splat(-1021.0)) & (k <= splat(1022.0)); /* each lane: -1 (true) or 0 */
    int64_t all_inside = -1;
    for (int i = 0; i < LANE; i++)
        all_inside &= inside[i];
    if (!all_inside) {
        vec out;
        for (int i = 0; i < LANE; i++)
            out[i] = sigmoid(z[i]);
        return out;
    }
    const vec r = vfma(-k, splat(LN2_LO), x - k * splat(LN2_HI));
    vec p = splat(1.0 / 6227020800.0);
    p = vfma(p, r, splat(1.0 / 479001600.0));
    p = vfma(p, r, splat(1.0 / 39916800.0));
    p = vfma(p, r, splat(1.0 / 3628800.0));
    p = vfma(p, r, splat(1.0 / 362880.0));
    p = vfma(p, r, splat(1.0 / 40320.0));
    p = vfma(p, r, splat(1.0 / 5040.0));
    p = vfma(p, r, splat(1.0 / 720.0));
    p = vfma(p, r, splat(1.0 / 120.0));
    p = vfma(p, r, splat(1.0 / 24.0));
    p = vfma(p, r, splat(1.0 / 6.0));
    p = vfma(p, r, splat(0.5));
    p = vfma(p, r, splat(1.0));
    p = vfma(p, r, splat(1.0));
    ivec n, rounded;
    const double round = ROUND;
    int64_t round_bits;
    memcpy(&rounded, &shifted, sizeof rounded);
    memcpy(&round_bits, &round, sizeof round_bits);
    n = rounded - round_bits;
    const ivec scale_bits = (n + 1023) << 52;
    vec scale;
    memcpy(&scale, &scale_bits, sizeof scale);
    return splat(1.0) / (splat(1.0) + p * scale);
}

/* a = sigmoid(a + b) for a row of `width` values, a multiple of LANE, LANE at a time by vector_sigmoid.
 * A layer's padding lanes (b's are zero) get sigmoid(0) = 1/2, which nothing reads: the next layer
 * and the errors read n_out values, and its padding weights are zero. */
INLINE void sigmoid_row(double *a, const double *b, int64_t width)
{
    for (int64_t o = 0; o < width; o += LANE)
        store(a + o, vector_sigmoid(load(a + o) + load(b + o)));
}

/* e^x for each of x[0:n] into out: portable_exp, exported for its test. */
void exp_array(const double *x, double *out, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = portable_exp(x[i]);
}

/* The sigmoid of each of z[0:n] into out, LANE at a time (`vectorised`) or one by one: exported for
 * the test that the two agree bit for bit. */
void sigmoid_array(const double *z, double *out, int64_t n, int vectorised)
{
    int64_t i = 0;
    for (; vectorised && i + LANE <= n; i += LANE)
        store(out + i, vector_sigmoid(load(z + i)));
    for (; i < n; i++)
        out[i] = sigmoid(z[i]);
}

/* ------------------------------------------------------------------------------------------------
 * Sums in the defined order
 * ---------------------------------------------------------------------------------------------- */

/* The ends of the blocks of a summed index of length n: whole blocks of GEMM_Q, the last two split
 * evenly in multiples of GEMM_UNROLL_M. A last end past n (INT64_MAX) closes the list, so that a scan
 * never runs off the end. ends: n + 1 entries at most. */
static void block_ends(int64_t n, int64_t *ends)
{
    int64_t count = 0, start = 0;
    while (start < n) {
        int64_t length = n - start;
        if (length >= 2 * GEMM_Q)
            length = GEMM_Q;
        else if (length > GEMM_Q)
            length = ((length / 2 + GEMM_UNROLL_M - 1) / GEMM_UNROLL_M) * GEMM_UNROLL_M;
        start += length;
        ends[count++] = start;
    }
    ends[count] = INT64_MAX;
}

/* The pairwise sums of n rows of LANE doubles, `stride` doubles apart: in each lane, the sum of that
 * lane's n values, made as NumPy's pairwise sum makes it: 8 running sums in blocks of at most 128
 * terms, added as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), longer runs split in halves of
 * multiples of 8. The order depends on n alone, so the lanes (side by side, independent outputs) each
 * get the scalar sum's bits. */
static vec pairwise_sum(const double *a, int64_t n, int64_t stride)
{
    if (n < 8) {
        vec sum = {0};
        for (int64_t i = 0; i < n; i++)
            sum += load(a + i * stride);
        return sum;
    }
    if (n <= PAIRWISE_BLOCK) {
        vec r[8];
        int64_t i;
        for (int j = 0; j < 8; j++)
            r[j] = load(a + j * stride);
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++)
                r[j] += load(a + (i + j) * stride);
        vec sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            sum += load(a + i * stride);
        return sum;
    }
    int64_t half = n / 2;
    half -= half % 8;
    return pairwise_sum(a, half, stride) + pairwise_sum(a + half * stride, n - half, stride);
}

/* A sparse vector: the positions and values of its nonzero entries, positions ascending. Where it is
 * made here, the entries are followed by a SENTINEL position, past every block's end, so that the
 * feedforward's loop over a block's entries tests one condition, not two. */
typedef struct {
    const int32_t *position;
    const double *value;
    int64_t count;
} sparse;

enum { SENTINEL = INT32_MAX };

/* The nonzero entries of values[0:n] into position/value (n + 1 slots: the SENTINEL after them);
 * returns the sparse vector. */
static sparse nonzeros(const double *values, int64_t n, int32_t *position, double *value)
{
    int64_t count = 0;
    for (int64_t i = 0; i < n; i++) {
        position[count] = (int32_t)i, value[count] = values[i];
        count += values[i] != 0.0;
    }
    position[count] = SENTINEL;
    return (sparse){position, value, count};
}

/* out[0:lanes] = sum over the entries (k, v) of x of v * rows[k * stride + 0:lanes], block by block
 * (blocks ending at `ends`). `lanes` is a constant where this is inlined (see FOR_EACH_CHUNK), so the
 * block's sums stay in registers and the loop over them vectorises: each lane is its own chain. */
INLINE void chunk_product(int lanes, sparse x, const int64_t *ends, const double *rows, int64_t stride,
                          double *out)
{
    const int n = lanes / LANE;
    for (int q = 0; q < n; q++)
        store(out + LANE * q, (vec){0});
    for (int64_t j = 0; j < x.count; ends++) {
        const int64_t end = *ends;
        vec sum[MAX_LANES / LANE];
        for (int q = 0; q < n; q++)
            sum[q] = (vec){0};
        for (; j < x.count && x.position[j] < end; j++) {
            const vec v = splat(x.value[j]);
            const double *row = rows + x.position[j] * stride;
            for (int q = 0; q < n; q++)
                sum[q] = vfma(v, load(row + LANE * q), sum[q]);
        }
        for (int q = 0; q < n; q++)
            store(out + LANE * q, load(out + LANE * q) + sum[q]);
    }
}

/* The sparse columns of a layer's input, one per input: the examples where it is nonzero, ascending,
 * with its values; what the weight gradient sums over. Input i's column has count[i] entries, in the
 * m_max slots from i * m_max. They are filled as the feedforward reads the input (chunk_batch_product),
 * then the inputs with entries are listed in `touched`, grouped by their number of entries
 * (group_by_count), and the columns are emptied as the update uses them. */
typedef struct {
    int64_t m_max, touched_count;
    int32_t *count, *example, *touched, *with_entries;
    double *value;
    int64_t *count_start;
} columns;

/* The sums of one block of one example's entries, from x.position[j] up to the block's `end`, into
 * sum (n vectors); returns the entry after the block's last (x's SENTINEL ends the last block). With
 * `c`, each entry is also put into its input's column (as example e): this pass reads the entries
 * anyway. */
INLINE int64_t block_sums(int n, sparse x, int64_t j, int64_t end, const double *rows, int64_t stride, vec *sum,
                          columns *c, int32_t e)
{
    const columns in = c ? *c : (columns){0}; /* a copy the compiler can keep in registers */
    for (; x.position[j] < end; j++) {
        const vec v = splat(x.value[j]);
        const double *row = rows + x.position[j] * stride;
        for (int q = 0; q < n; q++)
            sum[q] = vfma(v, load(row + LANE * q), sum[q]);
        if (c) {
            const int32_t i = x.position[j];
            const int64_t at = i * in.m_max + in.count[i]++;
            in.example[at] = e, in.value[at] = x.value[j];
        }
    }
    return j;
}

/* chunk_product for the m sparse rows x[0:m], into out + e * out_stride: block after block, and within
 * a block example after example, so that the rows of a block, read by every example in turn, stay in
 * the fastest cache. Each example's sums are chunk_product's, in the same order. The entries go into
 * the columns `c` too, unless it is NULL; as each input is in one block, its column is filled in the
 * examples' order. next: scratch of m. */
INLINE void chunk_batch_product(int lanes, const sparse *x, int64_t m, const int64_t *ends, const double *rows,
                                int64_t stride, double *out, int64_t out_stride, int64_t *next, columns *c)
{
    const int n = lanes / LANE;
    for (int64_t e = 0; e < m; e++) {
        next[e] = 0;
        for (int q = 0; q < n; q++)
            store(out + e * out_stride + LANE * q, (vec){0});
    }
    for (int unfinished = 1; unfinished; ends++) {
        unfinished = 0;
        for (int64_t e = 0; e < m; e++) {
            if (next[e] >= x[e].count)
                continue;
            vec sum[MAX_LANES / LANE];
            for (int q = 0; q < n; q++)
                sum[q] = (vec){0};
            next[e] = c ? block_sums(n, x[e], next[e], *ends, rows, stride, sum, c, (int32_t)e)
                        : block_sums(n, x[e], next[e], *ends, rows, stride, sum, NULL, 0);
            double *o = out + e * out_stride;
            for (int q = 0; q < n; q++)
                store(o + LANE * q, load(o + LANE * q) + sum[q]);
            unfinished |= next[e] < x[e].count;
        }
    }
}

#if MAX_LANES / LANE == 8 /* a chunk of 1 to 8 vectors */
#define MORE_CHUNK_CASES(call)                                                                      \
    case 4: call(4 * LANE); break;                                                                  \
    case 5: call(5 * LANE); break;                                                                  \
    case 6: call(6 * LANE); break;                                                                  \
    case 7: call(7 * LANE); break;
#else /* of 1 to 4 */
#define MORE_CHUNK_CASES(call)
#endif

/* A row of `width` outputs (a multiple of LANE) in the fewest chunks of at most MAX_LANES, shared out
 * evenly, so that each chunk keeps enough independent sums; `call(lanes)` with `o` the chunk's start. */
#define FOR_EACH_CHUNK(width, call)                                                                 \
    do {                                                                                            \
        const int64_t groups_ = (width) / LANE, per_ = MAX_LANES / LANE;                            \
        const int64_t chunks_ = (groups_ + per_ - 1) / per_;                                        \
        for (int64_t c_ = 0, o = 0; c_ < chunks_; c_++) {                                           \
            const int64_t n_ = groups_ / chunks_ + (c_ < groups_ % chunks_);                         \
            switch (n_) {                                                                           \
            case 1: call(1 * LANE); break;                                                          \
            case 2: call(2 * LANE); break;                                                          \
            case 3: call(3 * LANE); break;                                                          \
            MORE_CHUNK_CASES(call)                                                                  \
            default: call(MAX_LANES); break;                                                        \
            }                                                                                       \
            o += LANE * n_;                                                                         \
        }                                                                                           \
    } while (0)

/* out[0:width] = x @ rows, rows[k] being `stride` apart: a chunk of outputs at a time. */
static void product(sparse x, const int64_t *ends, const double *rows, int64_t stride, int64_t width, double *out)
{
#define PRODUCT_CHUNK(lanes) chunk_product(lanes, x, ends, rows + o, stride, out + o)
    FOR_EACH_CHUNK(width, PRODUCT_CHUNK);
#undef PRODUCT_CHUNK
}

/* ------------------------------------------------------------------------------------------------
 * The network's layers and the steps of the algorithm
 * ---------------------------------------------------------------------------------------------- */

typedef struct {
    int64_t n_in, n_out, width_in, width_out; /* widths: n rounded up to a multiple of LANE */
    double *wt;    /* n_in x width_out: the weights transposed, one row per input */
    double *w;     /* n_out x width_in: the book's layout, hidden layers only (else NULL) */
    double *b;     /* width_out, the padding zero */
    double *a;     /* m x width_out: this layer's activations, one example per row */
    double *delta; /* m x width_out: this layer's errors */
    int64_t *ends_in, *ends_out, *ends_batch;
    /* This layer's input: one sparse row per example, its entries in `position` and `value`, and the
     * same entries as sparse columns. */
    sparse *rows;
    int32_t *position;
    double *value;
    columns columns;
    int64_t *next;             /* scratch for feedforward */
    const double **delta_rows; /* scratch for update */
} layer;

/* Feedforward through one layer (chapter 1, eq. 22): a = sigmoid(w a_in + b), for each of m examples.
 * in: L->rows[e], the sparse input of example e (n_in); out: L->a, m x width_out. With `index`, the
 * input's entries are put into L->columns on the way, for the update. */
static void feedforward(layer *L, int64_t m, int index)
{
#define FEEDFORWARD_CHUNK(lanes)                                                                   \
    chunk_batch_product(lanes, L->rows, m, L->ends_in, L->wt + o, L->width_out, L->a + o, L->width_out, L->next, \
                        index && o == 0 ? &L->columns : NULL)
    FOR_EACH_CHUNK(L->width_out, FEEDFORWARD_CHUNK);
#undef FEEDFORWARD_CHUNK
    for (int64_t e = 0; e < m; e++)
        sigmoid_row(L->a + e * L->width_out, L->b, L->width_out);
}

/* BP1, the output error of the quadratic cost: delta = (a - y) * sigma'(z), with sigma'(z) = a (1 - a)
 * from the stored activation. a: m x width_out; y: one row of n_out per example (rows `order`). */
static void output_error(layer *L, int64_t m, const double *Y, const int64_t *order)
{
    for (int64_t e = 0; e < m; e++) {
        const double *y = Y + order[e] * L->n_out, *a = L->a + e * L->width_out;
        double *d = L->delta + e * L->width_out;
        for (int64_t o = 0; o < L->n_out; o++) {
            d[o] = a[o] - y[o];
            d[o] *= a[o];
            d[o] *= 1.0 - a[o];
        }
    }
}

/* BP2, the error of the layer below: below->delta = (w^T delta) * a (1 - a), a the activations of
 * the layer below. delta: m x width_out of L; below->delta: m x width_out of below (= L's width_in).
 * position/value: scratch for one sparse row of n_out. */
static void backpropagate(const layer *L, layer *below, int64_t m, int32_t *position, double *value)
{
    for (int64_t e = 0; e < m; e++) {
        double *d = below->delta + e * below->width_out;
        sparse delta = nonzeros(L->delta + e * L->width_out, L->n_out, position, value);
        product(delta, L->ends_out, L->w, L->width_in, L->width_in, d);
        const double *a = below->a + e * below->width_out;
        for (int64_t i = 0; i < L->n_in; i++) {
            d[i] *= a[i];
            d[i] *= 1.0 - a[i];
        }
    }
}

/* The inputs whose columns have entries, listed in c->touched grouped by their number of entries, so
 * that the update's loop over a column runs as many times for input after input (a loop count the CPU
 * predicts); the order in which inputs are updated changes no bit, as each weight's sum is its own. */
static void group_by_count(columns *c, int64_t n_in, int64_t m)
{
    int64_t seen = 0;
    for (int64_t i = 0; i < n_in; i++) { /* the inputs with entries, in order */
        c->with_entries[seen] = (int32_t)i; /* kept (seen moves past it) only if it has entries */
        seen += c->count[i] != 0;
    }
    int64_t *start = c->count_start; /* start[k]: where the inputs of k entries begin */
    memset(start, 0, (m + 2) * sizeof *start);
    for (int64_t t = 0; t < seen; t++)
        start[c->count[c->with_entries[t]] + 1]++;
    for (int64_t k = 0; k <= m; k++)
        start[k + 1] += start[k];
    for (int64_t t = 0; t < seen; t++) {
        const int32_t i = c->with_entries[t];
        c->touched[start[c->count[i]]++] = i;
    }
    c->touched_count = seen;
}

/* BP4 summed over a mini-batch of at most GEMM_Q examples, and the step (chapter 1, eq. 20), for a
 * chunk of `lanes` outputs of one input's row: row -= (sum over the examples e of the column of
 * a_in[e] * delta[e]) * step, delta[e] pointing to the chunk in example e's errors. One block: the
 * gradient, 0 + the block's sum, is that sum itself (never -0), so it goes from registers straight
 * into the step. */
INLINE void chunk_step(int lanes, sparse column, const double *const *delta, double *row, double step)
{
    const int n = lanes / LANE;
    vec sum[MAX_LANES / LANE];
    for (int q = 0; q < n; q++)
        sum[q] = (vec){0};
    for (int64_t j = 0; j < column.count; j++) {
        const vec v = splat(column.value[j]);
        const double *d = delta[column.position[j]];
        for (int q = 0; q < n; q++)
            sum[q] = vfma(v, load(d + LANE * q), sum[q]);
    }
    for (int q = 0; q < n; q++)
        store(row + LANE * q, load(row + LANE * q) - sum[q] * splat(step));
}

/* BP3 and BP4 summed over the mini-batch, and the step (chapter 1, eq. 20 and 21):
 * w -> w - nabla_w * step and b -> b - nabla_b * step, step = eta / m. nabla_w[o][i] = sum over the
 * examples of delta[o] a_in[i]: an input that is zero for every example has no entries, and its
 * weights are left as they are. gradient: scratch of width_out. */
static void update(layer *L, int64_t m, double step, double *gradient)
{
    const columns *c = &L->columns;
    if (m <= GEMM_Q) {
        /* Chunk after chunk of outputs, each over every input: a chunk's size is then a constant in the
         * loop over inputs, which is most of the work. The fields are read into locals, which the
         * compiler keeps in registers (as far as it knows, a store to a weight might change the
         * structures), and the chunk's errors found through a pointer per example (its address is then
         * the pointer plus a constant). */
        const int32_t *const touched = c->touched, *const count = c->count, *const example = c->example;
        const double *const value = c->value;
        double *const wt = L->wt;
        const double **const delta = L->delta_rows;
        const int64_t touched_count = c->touched_count, m_max = c->m_max, width = L->width_out;
#define STEP_CHUNK(lanes)                                                                           \
    for (int64_t e = 0; e < m; e++)                                                                 \
        delta[e] = L->delta + e * width + o;                                                        \
    for (int64_t t = 0; t < touched_count; t++) {                                                   \
        const int64_t i = touched[t], s = i * m_max;                                                \
        const sparse column = {example + s, value + s, count[i]};                                   \
        chunk_step(lanes, column, delta, wt + i * width + o, step);                                 \
    }
        FOR_EACH_CHUNK(L->width_out, STEP_CHUNK);
#undef STEP_CHUNK
    } else {
        for (int64_t t = 0; t < c->touched_count; t++) {
            const int64_t i = c->touched[t], s = i * c->m_max;
            const sparse column = {c->example + s, c->value + s, c->count[i]};
            double *row = L->wt + i * L->width_out;
            product(column, L->ends_batch, L->delta, L->width_out, L->width_out, gradient);
            for (int64_t o = 0; o < L->width_out; o++)
                row[o] = row[o] - gradient[o] * step;
        }
    }
    for (int64_t t = 0; t < c->touched_count; t++) {
        const int64_t i = c->touched[t];
        c->count[i] = 0; /* the column emptied for the next mini-batch */
        if (L->w)
            for (int64_t o = 0; o < L->n_out; o++)
                L->w[o * L->width_in + i] = L->wt[i * L->width_out + o];
    }
    for (int64_t o = 0; o < L->n_out; o += LANE) { /* BP3: nabla_b = delta summed over the examples */
        const vec gradient_b = pairwise_sum(L->delta + o, m, L->width_out);
        for (int64_t k = 0; k < LANE && o + k < L->n_out; k++) /* the padding biases stay zero */
            L->b[o + k] = L->b[o + k] - gradient_b[k] * step;
    }
}

/* ------------------------------------------------------------------------------------------------
 * The epoch
 * ---------------------------------------------------------------------------------------------- */

static int64_t round_up(int64_t n) { return (n + LANE - 1) / LANE * LANE; }

/* n zeroed doubles, 64-byte aligned (rows of a multiple of LANE doubles then never straddle two
 * cache lines in a vector load); NULL if memory ran out. */
static double *zeroed(int64_t n)
{
    const size_t bytes = ((size_t)n * sizeof(double) + 63) / 64 * 64;
    double *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p)
        memset(p, 0, bytes ? bytes : 64);
    return p;
}

static int all_finite(const double *values, int64_t n)
{
    int finite = 1;
    for (int64_t i = 0; i < n; i++)
        finite &= isfinite(values[i]) != 0;
    return finite;
}

static void free_layers(layer *layers, int64_t count)
{
    for (int64_t l = 0; layers && l < count; l++) {
        layer *L = &layers[l];
        free(L->wt), free(L->w), free(L->b), free(L->a), free(L->delta), free(L->ends_in), free(L->ends_out);
        free(L->ends_batch), free(L->rows), free(L->position), free(L->value), free(L->next), free(L->delta_rows);
        columns *c = &L->columns;
        free(c->count), free(c->example), free(c->value), free(c->touched), free(c->with_entries), free(c->count_start);
    }
    free(layers);
}

/* The layers of a network of `num_layers` sizes, for mini-batches of up to m_max, with the network's
 * weights and biases copied in; NULL if memory ran out. An example's input to the first layer has at
 * most `most_entries` entries (sizes[0] at most; MNIST's images have at most 351 nonzero pixels of
 * 784, so its buffers are sized for those). */
static layer *make_layers(int64_t num_layers, const int64_t *sizes, double *const *weights,
                          double *const *biases, int64_t m_max, int64_t most_entries)
{
    const int64_t count = num_layers - 1;
    layer *layers = calloc(count, sizeof *layers);
    for (int64_t l = 0; layers && l < count; l++) {
        layer *L = &layers[l];
        L->n_in = sizes[l], L->n_out = sizes[l + 1];
        L->width_in = round_up(L->n_in), L->width_out = round_up(L->n_out);
        const int64_t entries = m_max * L->n_in, with_sentinels = m_max * ((l == 0 ? most_entries : L->n_in) + 1);
        L->wt = zeroed(L->n_in * L->width_out);
        L->w = l > 0 ? zeroed(L->n_out * L->width_in) : NULL;
        L->b = zeroed(L->width_out);
        L->a = zeroed(m_max * L->width_out);
        L->delta = zeroed(m_max * L->width_out);
        L->ends_in = malloc((L->n_in + 1) * sizeof *L->ends_in);
        L->ends_out = malloc((L->n_out + 1) * sizeof *L->ends_out);
        L->ends_batch = malloc((m_max + 1) * sizeof *L->ends_batch);
        L->rows = malloc(m_max * sizeof *L->rows);
        L->position = malloc(with_sentinels * sizeof *L->position);
        L->value = malloc(with_sentinels * sizeof *L->value);
        L->next = malloc(m_max * sizeof *L->next);
        L->delta_rows = malloc(m_max * sizeof *L->delta_rows);
        columns *c = &L->columns;
        c->m_max = m_max;
        c->count = calloc(L->n_in, sizeof *c->count);
        c->example = malloc(entries * sizeof *c->example);
        c->value = malloc(entries * sizeof *c->value);
        c->touched = malloc(L->n_in * sizeof *c->touched);
        c->with_entries = malloc(L->n_in * sizeof *c->with_entries);
        c->count_start = malloc((m_max + 2) * sizeof *c->count_start);
        if (!L->wt || (l > 0 && !L->w) || !L->position || !L->value || !L->b || !L->a || !L->delta
            || !L->ends_in || !L->ends_out || !L->ends_batch || !L->rows || !L->next || !L->delta_rows || !c->count || !c->example
            || !c->value || !c->touched || !c->with_entries || !c->count_start) {
            free_layers(layers, count);
            return NULL;
        }
        for (int64_t o = 0; o < L->n_out; o++)
            for (int64_t i = 0; i < L->n_in; i++) {
                L->wt[i * L->width_out + o] = weights[l][o * L->n_in + i];
                if (L->w)
                    L->w[o * L->width_in + i] = weights[l][o * L->n_in + i];
            }
        memcpy(L->b, biases[l], L->n_out * sizeof *L->b);
        block_ends(L->n_in, L->ends_in);
        block_ends(L->n_out, L->ends_out);
    }
    return layers;
}

/* Feedforward alone: the output layer's activations for the n rows of X (n x sizes[0], row-major) into
 * out (n x sizes[num_layers-1]), each example as an epoch's step computes it, so that a network's
 * predictions are the same on every machine too. Returns 0, or 2 if memory ran out. */
int feedforward_rows(int64_t num_layers, const int64_t *sizes, double *const *weights, double *const *biases,
                     const double *X, int64_t n, double *out)
{
    const int64_t count = num_layers - 1;
    layer *layers = make_layers(num_layers, sizes, weights, biases, 1, sizes[0]);
    if (!layers)
        return 2;
    for (int64_t r = 0; r < n; r++) {
        for (int64_t l = 0; l < count; l++) {
            layer *L = &layers[l];
            L->rows[0] = nonzeros(l == 0 ? X + r * sizes[0] : layers[l - 1].a, L->n_in, L->position, L->value);
            feedforward(L, 1, 0);
        }
        memcpy(out + r * sizes[count], layers[count - 1].a, sizes[count] * sizeof *out);
    }
    free_layers(layers, count);
    return 0;
}

/* The training inputs as sgd_epoch takes them: example r's nonzero entries are those from start[r] to
 * start[r + 1], positions ascending. Positions come as 16-bit or 32-bit integers; values as 8-bit
 * numerators k of k / 256, as floats or as doubles (one pointer of each kind given, the others NULL):
 * the narrowest type that holds the inputs exactly (MNIST's pixels are multiples of 1/256 below 1, its
 * positions below 784), which cuts the stream read from memory in random order, the epoch's largest,
 * to a quarter. The arithmetic is in double either way (k / 256 is exact), so the bits are the same. */
typedef struct {
    const int64_t *start;
    const uint16_t *position16;
    const int32_t *position32;
    const uint8_t *value8;
    const float *value32;
    const double *value64;
} inputs;

#if defined(__GNUC__) /* GCC and Clang; a hint only, which changes no result */
#define PREFETCH(address) __builtin_prefetch(address)
#else
#define PREFETCH(address) ((void)(address))
#endif

/* Ask for example r's entries to be brought into the cache while the current mini-batch computes (with
 * its target row, by the caller): the examples are read in a random order, which the hardware cannot
 * guess. Inlined: as a function of its own, GCC finds it has no effect (it returns nothing and changes
 * no memory) and drops the call. */
INLINE void prefetch_example(const inputs *x, int64_t r)
{
    const int64_t from = x->start[r], to = x->start[r + 1];
    const char *position = x->position16 ? (const char *)(x->position16 + from) : (const char *)(x->position32 + from);
    const char *value = x->value8    ? (const char *)(x->value8 + from)
                        : x->value32 ? (const char *)(x->value32 + from)
                                     : (const char *)(x->value64 + from);
    const int64_t position_bytes = (to - from) * (x->position16 ? 2 : 4),
                  value_bytes = (to - from) * (x->value8 ? 1 : x->value32 ? 4 : 8);
    for (int64_t byte = 0; byte < position_bytes; byte += 64)
        PREFETCH(position + byte);
    for (int64_t byte = 0; byte < value_bytes; byte += 64)
        PREFETCH(value + byte);
}

/* Example r's entries as a sparse row in double, written to position/value, its SENTINEL after them. */
static sparse unpack_example(const inputs *x, int64_t r, int32_t *position, double *value)
{
    const int64_t from = x->start[r], count = x->start[r + 1] - from;
    if (x->position16)
        for (int64_t k = 0; k < count; k++)
            position[k] = x->position16[from + k];
    else
        memcpy(position, x->position32 + from, count * sizeof *position);
    if (x->value8)
        for (int64_t k = 0; k < count; k++)
            value[k] = x->value8[from + k] * 0x1p-8; /* k / 256, exactly */
    else if (x->value32)
        for (int64_t k = 0; k < count; k++)
            value[k] = x->value32[from + k];
    else
        memcpy(value, x->value64 + from, count * sizeof *value);
    position[count] = SENTINEL;
    return (sparse){position, value, count};
}

/* Train one epoch: mini-batches of `mini_batch_size` examples in the given order, each step of
 * `step_full` = eta / mini_batch_size, the last (shorter) one of `step_last` = eta / its size.
 * The inputs are sparse rows (see `inputs`): example r's nonzero pixels are those from x_start[r] to
 * x_start[r + 1] of x_position16 or x_position32, and of x_value8, x_value32 or x_value64 (one
 * position and one value pointer given, the others NULL); Y holds the targets, one row of
 * sizes[num_layers-1] per example. weights[l] (sizes[l+1] x sizes[l], row-major) and biases[l]
 * (sizes[l+1]) are the network's own arrays, written only if the epoch succeeds.
 * Returns 0 on success, 1 if a weight or bias left the finite numbers, 2 if memory ran out. */
int sgd_epoch(int64_t num_layers, const int64_t *sizes, double *const *weights, double *const *biases,
              const int64_t *x_start, const uint16_t *x_position16, const int32_t *x_position32,
              const uint8_t *x_value8, const float *x_value32, const double *x_value64, const double *Y,
              const int64_t *order, int64_t n, int64_t mini_batch_size, double step_full, double step_last)
{
    const inputs x = {x_start, x_position16, x_position32, x_value8, x_value32, x_value64};
    const int64_t count = num_layers - 1, m_max = mini_batch_size < n ? mini_batch_size : n;
    int64_t widest = 0;
    for (int64_t l = 0; l < num_layers; l++)
        widest = round_up(sizes[l]) > widest ? round_up(sizes[l]) : widest;
    int64_t most_entries = 0;
    for (int64_t r = 0; r < n; r++)
        most_entries = x_start[r + 1] - x_start[r] > most_entries ? x_start[r + 1] - x_start[r] : most_entries;
    layer *layers = make_layers(num_layers, sizes, weights, biases, m_max, most_entries);
    int32_t *position = malloc((widest + 1) * sizeof *position);
    double *value = malloc((widest + 1) * sizeof *value);
    int status = 2;
    if (!layers || !position || !value)
        goto done;

    for (int64_t start = 0; start < n; start += mini_batch_size) {
        const int64_t m = n - start < mini_batch_size ? n - start : mini_batch_size;
        const double step = m == mini_batch_size ? step_full : step_last;
        for (int64_t e = start + m; e < start + m + mini_batch_size && e < n; e++) {
            prefetch_example(&x, order[e]);
            PREFETCH(Y + order[e] * sizes[num_layers - 1]);
        }
        /* Feedforward, every layer's activations kept: the first layer's input is the examples'
         * nonzero pixels (the next mini-batch's asked for meanwhile), a hidden layer's the nonzero
         * activations of the layer below. */
        for (int64_t l = 0; l < count; l++) {
            layer *L = &layers[l];
            for (int64_t e = 0, used = 0; e < m; e++) {
                L->rows[e] = l == 0 ? unpack_example(&x, order[start + e], L->position + used, L->value + used)
                                    : nonzeros(layers[l - 1].a + e * L->width_in, L->n_in, L->position + used,
                                               L->value + used);
                used += L->rows[e].count + 1; /* and its SENTINEL */
            }
            feedforward(L, m, 1);
        }
        /* BP1 at the output, then BP2 down through the layers, all with the weights before the step. */
        output_error(&layers[count - 1], m, Y, order + start);
        for (int64_t l = count - 1; l > 0; l--)
            backpropagate(&layers[l], &layers[l - 1], m, position, value);
        for (int64_t l = 0; l < count; l++) {
            block_ends(m, layers[l].ends_batch);
            group_by_count(&layers[l].columns, layers[l].n_in, m);
            update(&layers[l], m, step, value);
        }
    }

    status = 0;
    for (int64_t l = 0; l < count && status == 0; l++) {
        const layer *L = &layers[l];
        for (int64_t i = 0; i < L->n_in && status == 0; i++)
            status = !all_finite(L->wt + i * L->width_out, L->n_out);
        status = status || !all_finite(L->b, L->n_out);
    }
    for (int64_t l = 0; l < count && status == 0; l++) {
        const layer *L = &layers[l];
        for (int64_t o = 0; o < L->n_out; o++)
            for (int64_t i = 0; i < L->n_in; i++)
                weights[l][o * L->n_in + i] = L->wt[i * L->width_out + o];
        memcpy(biases[l], L->b, L->n_out * sizeof *L->b);
    }
done:
    free_layers(layers, count);
    free(position), free(value);
    return status;
}
