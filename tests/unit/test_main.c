/* Unit tests for pure logic (parsers): TAP output, one line per check. */
#include "unit.h"

int unit_count, unit_failed;

void test_cron(void);
void test_glob(void);
void test_app_spec(void);
void test_json_pos(void);
void test_json_comments(void);
void test_yaml(void);
void test_cpus(void);
void test_listen_spec(void);
void test_http(void);
void test_inflate(void);
void test_term(void);
void test_canvas(void);
void test_procstat(void);
void test_logs(void);

int main(void)
{
	test_cron();
	test_glob();
	test_app_spec();
	test_json_pos();
	test_json_comments();
	test_yaml();
	test_cpus();
	test_listen_spec();
	test_http();
	test_inflate();
	test_term();
	test_canvas();
	test_procstat();
	test_logs();
	printf("1..%d\n", unit_count);
	return unit_failed ? 1 : 0;
}
