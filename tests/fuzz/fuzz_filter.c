/*
 * libFuzzer target: MLflow's search grammar (src/store/filter.c), the parser every search
 * request's `filter` and `order_by` reach. Input: the first byte picks the entity, the rest is
 * a filter; the same text split at newlines is also parsed as order_by clauses. Properties:
 * no crash, no sanitizer report, no leak, and an error always comes with a message.
 */
#include "base/base.h"
#include "store/filter.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	static const enum filter_entity entities[] = { FILTER_RUNS, FILTER_EXPERIMENTS,
		FILTER_REGISTERED_MODELS, FILTER_MODEL_VERSIONS };
	enum filter_entity e = entities[data[0] % 4];
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';

	struct arena a;
	arena_init(&a, 1 << 20);
	struct cairn_error err = {0};
	struct filter f;
	if (filter_parse(e, text, &a, &f, &err) != 0 && err.msg[0] == '\0')
		abort();

	/* The same bytes as order_by clauses, one per line. */
	const char *items[16];
	size_t n = 0;
	char *p = text;
	while (n < 16 && p) {
		items[n++] = p;
		p = strchr(p, '\n');
		if (p)
			*p++ = '\0';
	}
	struct filter_order *ord = NULL;
	size_t nord = 0;
	cairn_error_clear(&err);
	if (filter_parse_order(e, items, n, &a, &ord, &nord, &err) != 0 && err.msg[0] == '\0')
		abort();

	int64_t off;
	(void)filter_page_token_decode(text, &off, NULL);
	(void)filter_like_match(text, items[n - 1], data[0] & 1);
	arena_release(&a);
	free(text);
	return 0;
}
