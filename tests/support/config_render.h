/* Test support: render a parsed configuration (parsers/config.h) as text. */
#ifndef VMC_TEST_CONFIG_RENDER_H
#define VMC_TEST_CONFIG_RENDER_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "parsers/config.h"

/* One fact per line: machine, props, globals, backends, devices, ignored,
 * unmapped.  malloc'd. */
char *vmc_test_render_config(const vmc__config *cfg);

#endif
