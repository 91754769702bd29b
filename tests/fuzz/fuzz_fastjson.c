/*
 * libFuzzer target: the one-pass log-batch / log-metric body parser (src/api/api_fastjson.c),
 * which reads untrusted request bodies without jansson. Properties: no crash or sanitizer
 * report, and whatever it accepts jansson accepts too (it may only take a subset).
 */
#include "api/api_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (1 << 16))
		return 0;
	enum api_fast_kind kind = (data[0] & 1) ? API_FAST_LOG_METRIC : API_FAST_LOG_BATCH;
	size_t len = size - 1;
	/* An exact-length copy, so that ASan sees any read past the end. */
	char *body = malloc(len + 1);
	if (!body)
		return 0;
	memcpy(body, data + 1, len);
	body[len] = '\0';

	struct arena a;
	arena_init(&a, 8 << 20);
	struct api_fast_msg msg;
	int fast = api_fast_parse(kind, body, len, &a, &msg);
	if (fast == 0) {
		json_t *m = NULL;
		struct cairn_error err = {0};
		if (api_message_from_body(body, len, &m, &err) != 0)
			abort();  /* the fast path took a body the general path rejects */
		json_decref(m);
	}
	arena_release(&a);
	free(body);
	return 0;
}
