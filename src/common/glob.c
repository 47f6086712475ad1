/* glob: see glob.h. */
#include "glob.h"

#include <stddef.h>

/* Does the bracket expression at p (just after '[') match c? Sets *end
 * just past its ']'; NULL if it is not closed (then '[' is literal). */
static bool class_match(const char *p, char c, const char **end)
{
	bool negate = *p == '!' || *p == '^';
	if (negate)
		p++;
	bool hit = false;
	const char *start = p;
	while (*p && (*p != ']' || p == start)) {
		char lo = *p;
		if (lo == '\\' && p[1])
			lo = *++p;
		char hi = lo;
		if (p[1] == '-' && p[2] && p[2] != ']') {
			p += 2;
			hi = *p;
			if (hi == '\\' && p[1])
				hi = *++p;
		}
		if ((unsigned char)c >= (unsigned char)lo && (unsigned char)c <= (unsigned char)hi)
			hit = true;
		p++;
	}
	if (*p != ']') {
		*end = NULL;
		return false;
	}
	*end = p + 1;
	return hit != negate;
}

bool glob_match(const char *p, const char *s)
{
	/* Iterative with one backtrack point: the last '*' seen. */
	const char *star_p = NULL, *star_s = NULL;
	for (;;) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return true;
			star_p = p;
			star_s = s;
			continue;
		}
		if (*s) {
			const char *next = NULL;
			bool ok;
			if (*p == '?') {
				ok = true;
				next = p + 1;
			} else if (*p == '[' && (ok = class_match(p + 1, *s, &next), next)) {
				/* class consumed */
			} else if (*p == '\\' && p[1]) {
				ok = p[1] == *s;
				next = p + 2;
			} else {
				ok = *p && *p == *s;
				next = p + 1;
			}
			if (ok) {
				p = next;
				s++;
				continue;
			}
		} else if (!*p) {
			return true;
		}
		if (!star_p || !*star_s)
			return false;
		p = star_p;
		s = ++star_s;
	}
}
