/* version.c — which tapegrad this is: tg_version() and the symbol that stops a
 * program compiled for the other scalar type from linking (tg_config.h). */
#include <tapegrad/tg_core.h>

const char *tg_version(void) { return TG_VERSION_STRING; }

#if TG_REAL_IS_DOUBLE
const int tg_real_is_double = 1;
#else
const int tg_real_is_float = 1;
#endif
