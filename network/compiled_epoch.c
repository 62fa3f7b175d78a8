/* One epoch of Network.SGD compiled: the same numbers as network/network.py, without NumPy's
 * per-call cost, and without the products by inputs that are zero.
 *
 * network/compiled_epoch.py builds this file and uses it only where it gives the very bits of the
 * NumPy step (it says where, and checks one step on the caller's own network). What it reproduces:
 *
 * - A matrix product as OpenBLAS's Haswell double-precision kernel rounds it on one thread (the kernel
 *   OpenBLAS also picks on AMD Zen): the summed dimension is cut into blocks (`block_ends`: OpenBLAS's
 *   K blocking, GEMM_Q = 256 and GEMM_UNROLL_M = 4); within a block each output is a chain of fused
 *   multiply-adds in index order, started from zero; the output starts at zero and each block's sum is
 *   added to it in turn. Another kernel rounds otherwise, and so does this one where a product's
 *   result has an odd number of rows (another path in the kernel): compiled_epoch.py leaves those
 *   to NumPy.
 * - The elementwise steps in NumPy's order and rounding: z + b; the sigmoid 1 / (1 + exp(-z)) (SciPy's
 *   expit, the same libm exp); delta = ((a - y) * a) * (1 - a); w - (nabla_w * step).
 * - The bias gradient: NumPy's pairwise summation of delta over the mini-batch (`pairwise_sum`).
 *
 * Why skipping zero inputs changes no bit while every weight and bias is finite: a term
 * fma(0, w, acc) leaves acc as it is, since acc starts at +0 and is never -0 (a sum rounds an exact
 * zero to +0); so a weight whose input is zero across the mini-batch gets the gradient +0, and
 * w - 0 * step is w. MNIST's images are about 80% zeros, so most of the first layer's work is
 * skipped. If a weight or bias is not finite at the end of the epoch, the epoch is reported as failed
 * and nothing is written back: the caller trains it again in NumPy.
 *
 * The layout. Each layer keeps its weights transposed, one row per input (`wt`, n_in x width, width
 * the outputs rounded up to a multiple of 4, the padding zero), so that a product runs along
 * contiguous rows for a chunk of outputs kept in registers. Hidden layers also keep the book's layout
 * (`w`, n_out x width of the inputs), for backpropagation. Compiled with -ffp-contract=off, so that
 * nothing that the NumPy step rounds twice is fused: every fused multiply-add is an explicit
 * _mm256_fmadd_pd.
 */

#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { GEMM_Q = 256, GEMM_UNROLL_M = 4, PAIRWISE_BLOCK = 128, MAX_VECTORS = 8 };

#define INLINE static inline __attribute__((always_inline))

/* The ends of the blocks of a summed dimension of length n, as OpenBLAS's driver/level3 cuts it:
 * whole blocks of GEMM_Q, the last two split evenly in multiples of GEMM_UNROLL_M. A last end past n
 * (INT64_MAX) closes the list, so that a scan never runs off the end. */
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

/* NumPy's pairwise summation of n doubles `stride` apart (numpy/_core/src/umath/loops_utils.h.src). */
static double pairwise_sum(const double *a, int64_t n, int64_t stride)
{
    if (n < 8) {
        double sum = 0.0;
        for (int64_t i = 0; i < n; i++)
            sum += a[i * stride];
        return sum;
    }
    if (n <= PAIRWISE_BLOCK) {
        double r[8];
        int64_t i;
        for (int j = 0; j < 8; j++)
            r[j] = a[j * stride];
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++)
                r[j] += a[(i + j) * stride];
        double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++)
            sum += a[i * stride];
        return sum;
    }
    int64_t half = n / 2;
    half -= half % 8;
    return pairwise_sum(a, half, stride) + pairwise_sum(a + half * stride, n - half, stride);
}

static double sigmoid(double z) { return 1.0 / (1.0 + exp(-z)); }

/* A sparse vector: the positions and values of its nonzero entries, positions ascending. */
typedef struct {
    const int32_t *position;
    const double *value;
    int64_t count;
} sparse;

/* out[0:4*vectors] (vectors at most MAX_VECTORS) = sum over the entries (k, v) of x of
 * v * rows[k * stride : + 4*vectors], summed as OpenBLAS sums it (blocks ending at `ends`), the sums
 * kept in registers: 4 doubles to a vector. */
INLINE void chunk_product(int vectors, sparse x, const int64_t *ends, const double *rows, int64_t stride,
                          double *out)
{
    for (int q = 0; q < vectors; q++)
        _mm256_storeu_pd(out + 4 * q, _mm256_setzero_pd());
    /* Block by block (ends[] closes with a sentinel): the block's sum in registers, then added to out.
     * An empty block adds +0, which changes nothing. */
    for (int64_t j = 0; j < x.count; ends++) {
        const int64_t end = *ends;
        __m256d acc[MAX_VECTORS];
        for (int q = 0; q < vectors; q++)
            acc[q] = _mm256_setzero_pd();
        for (; j < x.count && x.position[j] < end; j++) {
            const __m256d v = _mm256_set1_pd(x.value[j]);
            const double *row = rows + x.position[j] * stride;
            for (int q = 0; q < vectors; q++)
                acc[q] = _mm256_fmadd_pd(v, _mm256_loadu_pd(row + 4 * q), acc[q]);
        }
        for (int q = 0; q < vectors; q++)
            _mm256_storeu_pd(out + 4 * q, _mm256_add_pd(_mm256_loadu_pd(out + 4 * q), acc[q]));
    }
}

/* The vectors of a row of `width` doubles (a multiple of 4), shared out as evenly as they go into
 * the fewest passes of at most MAX_VECTORS, so that each pass keeps enough independent sums. */
#define FOR_EACH_PASS(width, call)                                                                  \
    do {                                                                                            \
        const int64_t vectors_ = (width) / 4, passes_ = (vectors_ + MAX_VECTORS - 1) / MAX_VECTORS; \
        for (int64_t p_ = 0, o = 0; p_ < passes_; p_++) {                                           \
            const int64_t n_ = vectors_ / passes_ + (p_ < vectors_ % passes_);                       \
            switch (n_) {                                                                           \
            case 1: call(1); break;                                                                 \
            case 2: call(2); break;                                                                 \
            case 3: call(3); break;                                                                 \
            case 4: call(4); break;                                                                 \
            case 5: call(5); break;                                                                 \
            case 6: call(6); break;                                                                 \
            case 7: call(7); break;                                                                 \
            default: call(8); break;                                                                \
            }                                                                                       \
            o += 4 * n_;                                                                            \
        }                                                                                           \
    } while (0)

/* out[0:width] = x @ rows (rows: one row of `width` per position of x, `stride` apart; width a
 * multiple of 4), a pass of outputs at a time, its sums in registers. */
static void product(sparse x, const int64_t *ends, const double *rows, int64_t stride, int64_t width, double *out)
{
#define PRODUCT_PASS(vectors) chunk_product(vectors, x, ends, rows + o, stride, out + o)
    FOR_EACH_PASS(width, PRODUCT_PASS);
#undef PRODUCT_PASS
}

/* row[0:4*vectors] -= (sum over the entries (e, v) of the column of v * delta[e * stride : ...]) * step,
 * for a summed dimension of one block (a mini-batch of at most GEMM_Q): the gradient, 0 + its one
 * block's sum, is that sum itself (never -0), so it goes straight from registers into the step. */
INLINE void chunk_step(int vectors, sparse column, const double *delta, int64_t stride, double *row, __m256d step)
{
    __m256d acc[MAX_VECTORS];
    for (int q = 0; q < vectors; q++)
        acc[q] = _mm256_setzero_pd();
    for (int64_t j = 0; j < column.count; j++) {
        const __m256d v = _mm256_set1_pd(column.value[j]);
        const double *d = delta + column.position[j] * stride;
        for (int q = 0; q < vectors; q++)
            acc[q] = _mm256_fmadd_pd(v, _mm256_loadu_pd(d + 4 * q), acc[q]);
    }
    for (int q = 0; q < vectors; q++)
        _mm256_storeu_pd(row + 4 * q, _mm256_sub_pd(_mm256_loadu_pd(row + 4 * q), _mm256_mul_pd(acc[q], step)));
}

/* The nonzero entries of values[0:n] into position/value; returns the sparse vector. */
static sparse nonzeros(const double *values, int64_t n, int32_t *position, double *value)
{
    int64_t count = 0;
    for (int64_t i = 0; i < n; i++) {
        position[count] = (int32_t)i, value[count] = values[i];
        count += values[i] != 0.0;
    }
    return (sparse){position, value, count};
}

typedef struct {
    int64_t n_in, n_out, width_in, width_out; /* widths: n rounded up to a multiple of 4 */
    double *wt;      /* n_in x width_out: the weights transposed */
    double *w;       /* n_out x width_in: the book's layout, hidden layers only (else NULL) */
    double *b;       /* n_out */
    double *a;       /* m x width_out: this layer's activations, one example per row */
    double *delta;   /* m x width_out */
    int64_t *ends_in, *ends_out, *ends_batch;
    /* This layer's input: one sparse row per example (`position` and `value` hold the entries of a
     * hidden layer's rows), and the same entries as sparse columns, one per input, examples ascending. */
    sparse *rows;
    int32_t *position, *column_example;
    double *value, *column_value;
    int64_t *column_start;
} layer;

static int64_t round_up4(int64_t n) { return (n + 3) / 4 * 4; }

/* n zeroed doubles, 64-byte aligned: rows of a multiple of 4 doubles then never straddle two cache
 * lines in a vector load. NULL if memory ran out. */
static double *zeroed(int64_t n)
{
    const size_t bytes = ((size_t)n * sizeof(double) + 63) / 64 * 64;
    double *p = aligned_alloc(64, bytes ? bytes : 64);
    if (p)
        memset(p, 0, bytes);
    return p;
}

/* The sparse columns of the layer's input, from its sparse rows. */
static void index_columns(layer *L, int64_t m)
{
    int64_t *start = L->column_start;
    memset(start, 0, (L->n_in + 1) * sizeof *start);
    for (int64_t e = 0; e < m; e++)
        for (int64_t j = 0; j < L->rows[e].count; j++)
            start[L->rows[e].position[j] + 1]++;
    for (int64_t i = 0; i < L->n_in; i++)
        start[i + 1] += start[i];
    for (int64_t e = 0; e < m; e++) /* start[i] advances past column i's entries as they are filled */
        for (int64_t j = 0; j < L->rows[e].count; j++) {
            const int64_t at = start[L->rows[e].position[j]]++;
            L->column_example[at] = (int32_t)e, L->column_value[at] = L->rows[e].value[j];
        }
    memmove(start + 1, start, L->n_in * sizeof *start);
    start[0] = 0;
}

/* a = sigmoid(w @ input + b) for every example. */
static void forward(layer *L, int64_t m)
{
    for (int64_t e = 0; e < m; e++) {
        double *a = L->a + e * L->width_out;
        product(L->rows[e], L->ends_in, L->wt, L->width_out, L->width_out, a);
        for (int64_t o = 0; o < L->n_out; o++)
            a[o] = sigmoid(a[o] + L->b[o]);
    }
}

/* BP2: below->delta = (w^T delta) * a (1 - a), with a the activations of the layer below. */
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

/* BP3 and BP4 summed over the mini-batch, and the step: w -> w - nabla_w * step, b -> b - nabla_b * step.
 * An input that is zero for every example has no entries and its weights are left as they are. */
static void step(layer *L, int64_t m, double step, double *gradient)
{
    const __m256d step_vector = _mm256_set1_pd(step);
    for (int64_t i = 0; i < L->n_in; i++) {
        const int64_t s = L->column_start[i];
        const sparse column = {L->column_example + s, L->column_value + s, L->column_start[i + 1] - s};
        if (column.count == 0)
            continue;
        double *row = L->wt + i * L->width_out;
        if (m <= GEMM_Q) {
#define STEP_PASS(vectors) chunk_step(vectors, column, L->delta + o, L->width_out, row + o, step_vector)
            FOR_EACH_PASS(L->width_out, STEP_PASS);
#undef STEP_PASS
        } else {
            product(column, L->ends_batch, L->delta, L->width_out, L->width_out, gradient);
            for (int64_t o = 0; o < L->width_out; o++)
                row[o] = row[o] - gradient[o] * step;
        }
        if (L->w)
            for (int64_t o = 0; o < L->n_out; o++)
                L->w[o * L->width_in + i] = row[o];
    }
    for (int64_t o = 0; o < L->n_out; o++)
        L->b[o] = L->b[o] - pairwise_sum(L->delta + o, m, L->width_out) * step;
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
        free(L->ends_batch), free(L->rows), free(L->position), free(L->value), free(L->column_start);
        free(L->column_example), free(L->column_value);
    }
    free(layers);
}

/* Train one epoch: mini-batches of `mini_batch_size` examples in the given order, each step of
 * `step_full` = eta / mini_batch_size, the last (shorter) one of `step_last` = eta / its size.
 * The inputs are sparse rows: example r's nonzero pixels are x_position and x_value from x_start[r]
 * to x_start[r + 1], positions ascending; Y holds the targets, one row of sizes[num_layers-1] per
 * example. weights[l] (sizes[l+1] x sizes[l]) and biases[l] (sizes[l+1]) are the network's own
 * arrays, written only if the epoch succeeds.
 * Returns 0 on success, 1 if a weight or bias left the finite numbers, 2 if memory ran out. */
int sgd_epoch(int64_t num_layers, const int64_t *sizes, double *const *weights, double *const *biases,
              const int64_t *x_start, const int32_t *x_position, const double *x_value, const double *Y,
              const int64_t *order, int64_t n, int64_t mini_batch_size, double step_full, double step_last)
{
    const int64_t count = num_layers - 1, m_max = mini_batch_size < n ? mini_batch_size : n;
    int64_t widest = 0;
    for (int64_t l = 0; l < num_layers; l++)
        widest = round_up4(sizes[l]) > widest ? round_up4(sizes[l]) : widest;
    layer *layers = calloc(count, sizeof *layers);
    int32_t *position = malloc(widest * sizeof *position);
    double *value = malloc(widest * sizeof *value);
    int status = 2;
    if (!layers || !position || !value)
        goto done;
    for (int64_t l = 0; l < count; l++) {
        layer *L = &layers[l];
        L->n_in = sizes[l], L->n_out = sizes[l + 1];
        L->width_in = round_up4(L->n_in), L->width_out = round_up4(L->n_out);
        const int64_t entries = m_max * L->n_in;
        L->wt = zeroed(L->n_in * L->width_out);
        L->w = l > 0 ? zeroed(L->n_out * L->width_in) : NULL;
        L->b = malloc(L->n_out * sizeof *L->b);
        L->a = zeroed(m_max * L->width_out);
        L->delta = zeroed(m_max * L->width_out);
        L->ends_in = malloc((L->n_in + 1) * sizeof *L->ends_in);
        L->ends_out = malloc((L->n_out + 1) * sizeof *L->ends_out);
        L->ends_batch = malloc((m_max + 1) * sizeof *L->ends_batch);
        L->rows = malloc(m_max * sizeof *L->rows);
        L->position = l > 0 ? malloc(entries * sizeof *L->position) : NULL;
        L->value = l > 0 ? malloc(entries * sizeof *L->value) : NULL;
        L->column_start = malloc((L->n_in + 1) * sizeof *L->column_start);
        L->column_example = malloc(entries * sizeof *L->column_example);
        L->column_value = malloc(entries * sizeof *L->column_value);
        if (!L->wt || (l > 0 && (!L->w || !L->position || !L->value)) || !L->b || !L->a || !L->delta
            || !L->ends_in || !L->ends_out || !L->ends_batch || !L->rows || !L->column_start
            || !L->column_example || !L->column_value)
            goto done;
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
    layer *last = &layers[count - 1];

    for (int64_t start = 0; start < n; start += mini_batch_size) {
        const int64_t m = n - start < mini_batch_size ? n - start : mini_batch_size;
        const double step_size = m == mini_batch_size ? step_full : step_last;
        /* Forward (the activations of every layer kept), one example per row. */
        for (int64_t l = 0; l < count; l++) {
            layer *L = &layers[l];
            for (int64_t e = 0, used = 0; e < m; e++) {
                if (l == 0) {
                    const int64_t r = order[start + e];
                    L->rows[e] = (sparse){x_position + x_start[r], x_value + x_start[r], x_start[r + 1] - x_start[r]};
                } else {
                    L->rows[e] = nonzeros(layers[l - 1].a + e * L->width_in, L->n_in, L->position + used,
                                          L->value + used);
                    used += L->rows[e].count;
                }
            }
            forward(L, m);
        }
        /* BP1: delta = (a - y) * sigma'(z), sigma'(z) = a (1 - a); then BP2, all with the weights
         * before the step. */
        for (int64_t e = 0; e < m; e++) {
            const double *y = Y + order[start + e] * last->n_out, *a = last->a + e * last->width_out;
            double *d = last->delta + e * last->width_out;
            for (int64_t o = 0; o < last->n_out; o++) {
                d[o] = a[o] - y[o];
                d[o] *= a[o];
                d[o] *= 1.0 - a[o];
            }
        }
        for (int64_t l = count - 1; l > 0; l--)
            backpropagate(&layers[l], &layers[l - 1], m, position, value);
        for (int64_t l = 0; l < count; l++) {
            block_ends(m, layers[l].ends_batch);
            index_columns(&layers[l], m);
            step(&layers[l], m, step_size, value);
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
