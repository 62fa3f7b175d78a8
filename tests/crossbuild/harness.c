/* The cross-build harness: network/compiled_epoch.c trained on a fixture file, the final weights
 * written out, so that builds by other compilers, flags and CPUs can be compared bit for bit
 * (tests/test_crossbuild.py writes the fixture, builds this file each way and compares the digests).
 *
 * usage: harness FIXTURE OUTPUT
 * FIXTURE, little-endian: int64 num_layers, sizes[num_layers], n, mini_batch_size, epochs;
 * float64 eta; each layer's weights (sizes[l+1] x sizes[l]) then each layer's biases; X (n x
 * sizes[0]); Y (n x sizes[num_layers-1]); `epochs` orders of n int64.
 * OUTPUT: the weights then the biases after the epochs, float64, in the same layout. */

#include "../../network/compiled_epoch.c"

#include <stdio.h>

static int read_all(FILE *file, void *into, size_t size, size_t count)
{
    return fread(into, size, count, file) == count;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s FIXTURE OUTPUT\n", argv[0]);
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    int64_t num_layers = 0, header[3];
    if (!in || !read_all(in, &num_layers, sizeof num_layers, 1) || num_layers < 2 || num_layers > 64) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    int64_t sizes[64];
    double eta;
    int ok = read_all(in, sizes, sizeof *sizes, num_layers) && read_all(in, header, sizeof *header, 3)
             && read_all(in, &eta, sizeof eta, 1);
    const int64_t n = header[0], mini_batch_size = header[1], epochs = header[2];
    double *weights[64], *biases[64];
    for (int64_t l = 0; ok && l + 1 < num_layers; l++)
        ok = (weights[l] = malloc(sizes[l + 1] * sizes[l] * sizeof(double))) != NULL
             && read_all(in, weights[l], sizeof(double), sizes[l + 1] * sizes[l]);
    for (int64_t l = 0; ok && l + 1 < num_layers; l++)
        ok = (biases[l] = malloc(sizes[l + 1] * sizeof(double))) != NULL
             && read_all(in, biases[l], sizeof(double), sizes[l + 1]);
    double *X = malloc(n * sizes[0] * sizeof *X), *Y = malloc(n * sizes[num_layers - 1] * sizeof *Y);
    int64_t *orders = malloc(epochs * n * sizeof *orders), *x_start = malloc((n + 1) * sizeof *x_start);
    int32_t *x_position = malloc(n * sizes[0] * sizeof *x_position);
    double *x_value = malloc(n * sizes[0] * sizeof *x_value);
    ok = ok && X && Y && orders && x_start && x_position && x_value
         && read_all(in, X, sizeof *X, n * sizes[0]) && read_all(in, Y, sizeof *Y, n * sizes[num_layers - 1])
         && read_all(in, orders, sizeof *orders, epochs * n);
    fclose(in);
    if (!ok) {
        fprintf(stderr, "%s is not a whole fixture\n", argv[1]);
        return 1;
    }
    /* The inputs as sparse rows, as network/compiled_epoch.py hands them over. */
    x_start[0] = 0;
    for (int64_t r = 0; r < n; r++)
        x_start[r + 1] = x_start[r] + nonzeros(X + r * sizes[0], sizes[0], x_position + x_start[r],
                                                x_value + x_start[r]).count;
    /* and, as it does, in the narrowest types that hold them exactly: positions in 16 bits, values as
     * 8-bit numerators of k / 256, else as floats. */
    const int64_t entries = x_start[n];
    uint16_t *position16 = sizes[0] <= 65536 ? malloc((entries + 1) * sizeof *position16) : NULL;
    uint8_t *value8 = malloc((entries + 1) * sizeof *value8);
    float *value32 = malloc((entries + 1) * sizeof *value32);
    for (int64_t k = 0; position16 && k < entries; k++)
        position16[k] = (uint16_t)x_position[k];
    for (int64_t k = 0; value8 && k < entries; k++) {
        const double numerator = x_value[k] * 256;
        if (!(numerator >= 1 && numerator <= 255 && numerator == (double)(uint8_t)numerator)) {
            free(value8), value8 = NULL;
            break;
        }
        value8[k] = (uint8_t)numerator;
    }
    for (int64_t k = 0; !value8 && value32 && k < entries; k++)
        if ((double)(value32[k] = (float)x_value[k]) != x_value[k]) {
            free(value32), value32 = NULL;
            break;
        }
    const int64_t last = n % mini_batch_size ? n % mini_batch_size : mini_batch_size;
    for (int64_t e = 0; e < epochs; e++) {
        const int status = sgd_epoch(num_layers, sizes, weights, biases, x_start, position16, position16 ? NULL : x_position,
                                     value8, value8 ? NULL : value32, value8 || value32 ? NULL : x_value, Y,
                                     orders + e * n, n, mini_batch_size, eta / mini_batch_size, eta / last);
        if (status != 0) {
            fprintf(stderr, "epoch %lld: status %d\n", (long long)e, status);
            return 1;
        }
    }
    FILE *out = fopen(argv[2], "wb");
    for (int64_t l = 0; out && l + 1 < num_layers; l++)
        fwrite(weights[l], sizeof(double), sizes[l + 1] * sizes[l], out);
    for (int64_t l = 0; out && l + 1 < num_layers; l++)
        fwrite(biases[l], sizeof(double), sizes[l + 1], out);
    if (!out || fclose(out) != 0) {
        fprintf(stderr, "cannot write %s\n", argv[2]);
        return 1;
    }
    return 0;
}
