/* app_spec: PM2's keys, aliases and value forms. */
#include "unit.h"
#include "../../src/common/app_spec.h"
#include "../../src/common/util.h"

#include <string.h>

static cJSON *norm(const char *json, char *msg, size_t n)
{
	cJSON *in = cJSON_Parse(json);
	struct spec_error err;
	cJSON *out = app_spec_normalize(in, &err, NULL, NULL);
	snprintf(msg, n, "%s", err.msg);
	cJSON_Delete(in);
	return out;
}

static void value_is(const char *json, const char *key, const char *want)
{
	char msg[256];
	cJSON *o = norm(json, msg, sizeof(msg));
	char *got = o ? cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(o, key)) : NULL;
	CHECK(got && strcmp(got, want) == 0, "%s: %s is %s (got %s) %s", json, key, want,
	      got ? got : "NULL", msg);
	cJSON_free(got);
	cJSON_Delete(o);
}

static void refused(const char *json, const char *why)
{
	char msg[256];
	cJSON *o = norm(json, msg, sizeof(msg));
	CHECK(!o && strstr(msg, why), "%s is refused: %s", json, msg);
	cJSON_Delete(o);
}

/* What JavaScript's String() gives, checked against node by hand. */
static void js_number_is(double v, const char *want)
{
	char got[64];
	js_number(v, got, sizeof(got));
	check_str("js_number", want, got, want);
}

void test_app_spec(void)
{
	js_number_is(0.1, "0.1");
	js_number_is(1.0 / 3, "0.3333333333333333");
	js_number_is(0.1 + 0.2, "0.30000000000000004");
	js_number_is(42, "42");
	js_number_is(-0.0, "0");
	js_number_is(1e15, "1000000000000000");
	js_number_is(1e21, "1e+21");
	js_number_is(-2.5e-7, "-2.5e-7");
	js_number_is(1.5e300, "1.5e+300");
	value_is("{\"script\":\"a\",\"env\":{\"R\":0.1,\"N\":3}}", "env", "{\"R\":\"0.1\",\"N\":\"3\"}");
	value_is("{\"script\":\"a\",\"instances\":\"max\"}", "instances", "0");
	value_is("{\"script\":\"a\",\"instances\":\"4\"}", "instances", "4");
	value_is("{\"script\":\"a\",\"min_uptime\":\"2s\"}", "min_uptime", "2000");
	value_is("{\"script\":\"a\",\"kill_timeout\":\"1m\"}", "kill_timeout", "60000");
	value_is("{\"script\":\"a\",\"max_memory_restart\":\"200M\"}", "max_memory_restart",
		 "209715200");
	value_is("{\"script\":\"a\",\"max_memory_restart\":\"1G\"}", "max_memory_restart",
		 "1073741824");
	value_is("{\"script\":\"a\",\"args\":\"-a 'b c' d\"}", "args", "[\"-a\",\"b c\",\"d\"]");
	value_is("{\"exec\":\"a\"}", "script", "\"a\"");
	value_is("{\"script\":\"a\",\"interpreter\":\"python3\"}", "exec_interpreter",
		 "\"python3\"");
	value_is("{\"script\":\"a\",\"out\":\"x.log\"}", "out_file", "\"x.log\"");
	value_is("{\"script\":\"a\",\"combine_logs\":true}", "merge_logs", "true");
	value_is("{\"script\":\"a\",\"exec_mode\":\"cluster\"}", "exec_mode", "\"cluster_mode\"");
	value_is("{\"script\":\"a\",\"kill_signal\":\"term\"}", "kill_signal", "\"SIGTERM\"");
	value_is("{\"script\":\"a\",\"kill_signal\":9}", "kill_signal", "\"SIGKILL\"");
	value_is("{\"script\":\"a\",\"stop_exit_codes\":0}", "stop_exit_codes", "[0]");
	value_is("{\"script\":\"a\",\"env\":{\"A\":1,\"B\":true}}", "env",
		 "{\"A\":\"1\",\"B\":\"true\"}");
	value_is("{\"script\":\"a\",\"autorestart\":\"false\"}", "autorestart", "false");
	refused("{\"name\":\"x\"}", "no \"script\"");
	refused("{\"script\":\"a\",\"instances\":\"two\"}",
		"\"instances\" must be a number or \"max\"");
	refused("{\"script\":\"a\",\"name\":\"a/b\"}", "must not contain \"/\"");
	refused("{\"script\":\"a\",\"name\":\"..\"}", "must not be");
	refused("{\"script\":\"a\",\"name\":\"a\\u0001\"}", "control characters");
	refused("{\"script\":\"a\",\"min_uptime\":\"soon\"}", "\"min_uptime\" must be a duration");
	refused("{\"script\":\"a\",\"env\":{\"A=B\":\"1\"}}", "not a valid variable name");
	refused("{\"script\":\"a\",\"exec_mode\":\"turbo\"}", "must be \"fork\" or \"cluster\"");
	refused("{\"script\":\"a\",\"cron_restart\":\"61 * * * *\"}", "\"cron_restart\"");

	/* idempotent: normalising twice gives the same object */
	char msg[256];
	cJSON *once = norm("{\"exec\":\"a\",\"instances\":\"max\",\"min_uptime\":\"1s\","
			   "\"args\":\"x y\",\"cron\":\"*/5 * * * *\"}",
			   msg, sizeof(msg));
	struct spec_error err;
	cJSON *twice = app_spec_normalize(once, &err, NULL, NULL);
	char *a = cJSON_PrintUnformatted(once), *b = cJSON_PrintUnformatted(twice);
	CHECK(strcmp(a, b) == 0, "normalising is idempotent (%s vs %s)", a, b);
	cJSON_free(a);
	cJSON_free(b);
	cJSON_Delete(once);
	cJSON_Delete(twice);
}
