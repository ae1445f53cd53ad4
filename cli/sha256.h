/* sha256.h - SHA-256 for the profile cache key (cli/sha256.c). */
#ifndef VMC_CLI_SHA256_H
#define VMC_CLI_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct cli_sha256 {
	uint32_t h[8];
	uint64_t len;  /* bytes hashed */
	uint8_t buf[64];
	size_t fill;   /* bytes in buf */
} cli_sha256;

void cli_sha256_init(cli_sha256 *s);
void cli_sha256_update(cli_sha256 *s, const void *data, size_t n);
/* Finish and write the digest as 64 lower-case hex digits. */
void cli_sha256_hex(cli_sha256 *s, char out[65]);

#endif
