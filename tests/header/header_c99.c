/* Compiles include/vmcompat.h alone under C99 with -pedantic-errors. */
#include "vmcompat.h"

int vmc_header_c99_check(void);
int vmc_header_c99_check(void)
{
	vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
	vmc_read_options r = VMC_READ_OPTIONS_INIT;
	return (int)o.version + (int)r.version;
}
