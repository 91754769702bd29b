/* Random identifiers from the OS entropy source. */
#include "base/base.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

int id_random_bytes(void *buf, size_t n, struct cairn_error *err)
{
	unsigned char *p = buf;
	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return cairn_error_set(err, CAIRN_EIO, "getrandom: %s", strerror(errno));
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int id_new_hex32(char out[33], struct cairn_error *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[16];
	int rc = id_random_bytes(raw, sizeof raw, err);
	if (rc) {
		out[0] = '\0';
		return rc;
	}
	for (size_t i = 0; i < sizeof raw; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[32] = '\0';
	return 0;
}
