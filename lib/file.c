/*
 * file.c - bounded whole-file reads (see file.h).
 */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int vmc__read_file(vmc_ctx *ctx, const char *path, uint64_t max, const char *limit_name,
		   uint8_t **out, size_t *len)
{
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	int fd, rc = VMC_OK;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return VMC_FAIL_AT(ctx, VMC_EOPEN, VMC_NO_OFFSET, path, "cannot open '%s': %s", path,
				   strerror(errno));
	for (;;) {
		ssize_t r;

		if (cap - n < 2) { /* room for one more byte and the NUL */
			uint8_t *nb;
			size_t ncap = cap ? cap * 2 : 65536;
			nb = vmc__reallocarray(ctx, buf, ncap, 1);
			if (!nb) {
				rc = VMC_ENOMEM;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = VMC_FAIL_AT(ctx, VMC_EIO, (int64_t)n, path, "cannot read '%s': %s", path,
					 strerror(errno));
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			rc = VMC_FAIL_AT(ctx, VMC_ELIMIT, (int64_t)max, path,
					 "limit %s exceeded: '%s' is larger than %llu bytes", limit_name,
					 path, (unsigned long long)max);
			break;
		}
	}
	close(fd);
	if (rc < 0) {
		vmc__free(ctx, buf);
		return rc;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return VMC_OK;
}
