/*
 * Shared fixture of the registry store tests (private to tests/unit/store/test_registry*.c):
 * a fresh store per test, and short helpers that fail the test on error.
 */
#ifndef CAIRN_TEST_REGISTRY_FIXTURE_H
#define CAIRN_TEST_REGISTRY_FIXTURE_H

#include "../../harness.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

static struct arena arena_;

static inline const char *fx_db_path(void)
{
	return arena_printf(&arena_, "%s/reg.db", test_tmpdir());
}

static inline struct store *fx_open(void)
{
	struct cairn_error err = { 0 };
	struct store_options o = { 0 };
	o.default_artifact_root = arena_printf(&arena_, "%s/artifacts", test_tmpdir());
	struct store *s = store_open(fx_db_path(), &o, &err);
	CHECK_MSG(s != NULL, "store_open: %s", err.msg);
	return s;
}

static inline void fx_model(struct store *s, const char *name)
{
	struct cairn_error err = { 0 };
	struct store_registered_model m;
	CHECK_MSG(store_create_registered_model(s, name, NULL, NULL, 0, &arena_, &m, &err) == 0,
		  "create %s: %s", name, err.msg);
}

/* A version whose source run logs metric `metric` = value (metric NULL: no run). */
static inline const char *fx_version(struct store *s, const char *name, const char *metric, double value)
{
	struct cairn_error err = { 0 };
	struct store_model_version_create req = { 0 };
	req.name = name;
	req.source = "mlflow-artifacts:/0/abc/artifacts/model";
	if (metric) {
		struct store_run_create rc = { 0 };
		struct store_run run;
		rc.experiment_id = "0";
		rc.user_id = "tester";
		CHECK_MSG(store_create_run(s, &rc, &arena_, &run, &err) == 0, "run: %s", err.msg);
		struct store_metric m = { metric, value, 1000, 0, NULL };
		CHECK_MSG(store_log_metric(s, run.info.run_id, &m, &err) == 0, "metric: %s", err.msg);
		req.run_id = run.info.run_id;
		req.source = arena_printf(&arena_, "%s/model", run.info.artifact_uri);
	}
	struct store_model_version v;
	CHECK_MSG(store_create_model_version(s, &req, &arena_, &v, &err) == 0, "version of %s: %s", name,
		  err.msg);
	return v.version;
}

#define CHECK_ERR(call, code) do { struct cairn_error e_ = { 0 }; struct cairn_error *err_ = &e_; \
	(void)err_; int r_ = (call); \
	CHECK_MSG(r_ == (code), "%s: got %d (%s), want %d", #call, r_, e_.msg, (int)(code)); \
	CHECK_MSG(r_ == 0 || e_.msg[0], "%s: no message", #call); } while (0)
#define OK(call) do { struct cairn_error e_ = { 0 }; struct cairn_error *err_ = &e_; (void)err_; \
	int r_ = (call); CHECK_MSG(r_ == 0, "%s: %d %s", #call, r_, e_.msg); } while (0)
/* Inside CHECK_ERR / OK, `err_` is the error of the call. */

#endif
