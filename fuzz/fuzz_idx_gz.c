/* fuzz_idx_gz.c — libFuzzer harness for the gzip path of the idx reader (see
 * fuzz_targets.h and run.sh). */
#include "fuzz_targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_idx_gz(data, size);
    return 0;
}
