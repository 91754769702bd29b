/*
 * registry_populate — fill a store with N registered models x M versions for
 * bench/registry.sh, directly through the store API (a REST round trip per version would
 * measure curl, not the registry). Every version gets a tag; every model gets a tag, an
 * alias "champion" on its last version, and versions in Staging and Production.
 *
 *   registry_populate DB_PATH MODELS VERSIONS
 */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>

static int die(const char *what, const struct cairn_error *err)
{
	fprintf(stderr, "registry_populate: %s: %s\n", what, err->msg);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: registry_populate DB_PATH MODELS VERSIONS\n");
		return 2;
	}
	char *end;
	long nm = strtol(argv[2], &end, 10), nv;
	if (*end || nm < 1)
		return 2;
	nv = strtol(argv[3], &end, 10);
	if (*end || nv < 3)
		return 2;
	struct cairn_error err = { 0 };
	struct store *s = store_open(argv[1], NULL, &err);
	if (!s)
		return die("open", &err);
	struct arena a;
	arena_init(&a, 0);
	int64_t t0 = time_now_ms();
	for (long i = 0; i < nm; i++) {
		char name[64], src[128];
		snprintf(name, sizeof name, "model-%04ld", i);
		struct store_tag tag = { "team", i % 2 ? "risk" : "growth" };
		if (store_create_registered_model(s, name, "benchmark model", &tag, 1, &a, NULL, &err) != 0)
			return die("create model", &err);
		for (long v = 1; v <= nv; v++) {
			snprintf(src, sizeof src, "s3://bench/%s/%ld/model", name, v);
			struct store_tag vt = { "validation", v % 3 ? "passed" : "failed" };
			struct store_model_version_create req = { name, src, NULL, NULL, NULL, &vt, 1 };
			if (store_create_model_version(s, &req, &a, NULL, &err) != 0)
				return die("create version", &err);
		}
		char last[16], prod[16], stag[16];
		snprintf(last, sizeof last, "%ld", nv);
		snprintf(prod, sizeof prod, "%ld", nv - 1);
		snprintf(stag, sizeof stag, "%ld", nv - 2);
		if (store_set_registered_model_alias(s, name, "champion", last, NULL, &err) != 0 ||
		    store_transition_model_version_stage(s, name, prod, "Production", 0, NULL, &a, NULL, &err) != 0 ||
		    store_transition_model_version_stage(s, name, stag, "Staging", 0, NULL, &a, NULL, &err) != 0)
			return die("alias/stage", &err);
		arena_release(&a);
	}
	printf("populated %ld models x %ld versions in %lld ms\n", nm, nv, (long long)(time_now_ms() - t0));
	store_close(s);
	return 0;
}
