/* glob: wildcard matching as fnmatch(pattern, s, 0) does it. */
#include "unit.h"
#include "../../src/common/glob.h"

#include <fnmatch.h>

static void same_as_fnmatch(const char *pat, const char *s)
{
	bool want = fnmatch(pat, s, 0) == 0;
	bool got = glob_match(pat, s);
	CHECK(got == want, "glob \"%s\" on \"%s\": %s (fnmatch says %s)", pat, s,
	      got ? "match" : "no match", want ? "match" : "no match");
}

void test_glob(void)
{
	static const char *const pats[] = {
		"*.tmp", "*", "?", "a*b*c", "cache", "*/cache/*", "[a-c]x", "[!a-c]x", "[^a]",
		"\\*lit", "a\\?b", "[]]x", "[a-]", "**/*.log", "src/*.c", "*.[ch]", "abc", "",
		"a*", "*a", "[", "x[", "[z-a]",
	};
	static const char *const strs[] = {
		"x.tmp", "a/b/x.tmp", "", "a", "ab", "axbyc", "abc", "cache", "a/cache/b", "ax",
		"dx", "*lit", "a?b", "]x", "-", "logs/out.log", "src/main.c", "src/x/y.c",
		"m.h", "m.o", "[", "x[", "aa",
	};
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
		for (size_t k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
			if ((i * 31 + k * 7) % 5 == 0 || i == k)
				same_as_fnmatch(pats[i], strs[k]);
	same_as_fnmatch("*.tmp", "scratch.tmp");
	same_as_fnmatch("cache", "cache");
	same_as_fnmatch("*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
}
