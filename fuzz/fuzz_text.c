/* fuzz_text.c — libFuzzer harness for the text reader (see fuzz_targets.h and run.sh). */
#include "fuzz_targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_text(data, size);
    return 0;
}
