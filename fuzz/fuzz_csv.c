/* fuzz_csv.c — libFuzzer harness for the csv reader (see fuzz_targets.h and run.sh). */
#include "fuzz_targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_csv(data, size);
    return 0;
}
