/* pm2: one binary, three roles — chosen by argv[0] and the command line.
 * `pm2-runtime` is the foreground supervisor; `pm2` is the CLI (and, when
 * the CLI starts it, the daemon). */
#include "cli/cli.h"
#include "common/util.h"

#include <string.h>

int main(int argc, char **argv)
{
	const char *self = argc > 0 ? path_basename(argv[0]) : "pm2";
	if (strcmp(self, "pm2-runtime") == 0 || strcmp(self, "pm2-docker") == 0)
		return runtime_main(argc, argv);
	return cli_main(argc, argv);
}
