// Compiles include/vmcompat.h alone as C++ (extern "C" guards, no C-only syntax).
#include "vmcompat.h"

int vmc_header_cxx_check();
int vmc_header_cxx_check()
{
	vmc_ctx_options o = VMC_CTX_OPTIONS_INIT;
	return static_cast<int>(o.version) + (vmc_strerror(VMC_OK) != nullptr);
}
