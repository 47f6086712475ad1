/* rematch: see rematch.h. A backtracking matcher in the style of Pike's,
 * on the pattern text itself: names are short, patterns are tiny. */
#define _GNU_SOURCE
#include "rematch.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* Length of the atom at re: "\x", "[...]", or one character. */
static size_t atom_len(const char *re, const char *end)
{
	if (*re == '\\' && re + 1 < end)
		return 2;
	if (*re != '[')
		return 1;
	const char *p = re + 1;
	if (p < end && *p == '^')
		p++;
	if (p < end && *p == ']')
		p++; /* "[]...]": a leading ] is literal */
	while (p < end && *p != ']')
		p += *p == '\\' && p + 1 < end ? 2 : 1;
	return p < end ? (size_t)(p - re) + 1 : 0;
}

static bool escape_matches(char e, unsigned char c)
{
	switch (e) {
	case 'd': return isdigit(c);
	case 'D': return !isdigit(c);
	case 'w': return isalnum(c) || c == '_';
	case 'W': return !(isalnum(c) || c == '_');
	case 's': return isspace(c);
	case 'S': return !isspace(c);
	}
	return (unsigned char)e == c;
}

static bool class_matches(const char *re, size_t len, unsigned char c)
{
	const char *p = re + 1, *end = re + len - 1;
	bool neg = *p == '^';
	p += neg;
	bool hit = false;
	while (p < end) {
		unsigned char lo = (unsigned char)*p;
		if (lo == '\\' && p + 1 < end) {
			hit |= escape_matches(p[1], c);
			p += 2;
			continue;
		}
		if (p + 2 < end && p[1] == '-') {
			hit |= c >= lo && c <= (unsigned char)p[2];
			p += 3;
			continue;
		}
		hit |= c == lo;
		p++;
	}
	return hit != neg;
}

static bool atom_matches(const char *re, size_t len, char ch)
{
	unsigned char c = (unsigned char)ch;
	if (!c)
		return false;
	if (*re == '\\')
		return escape_matches(re[1], c);
	if (*re == '[')
		return class_matches(re, len, c);
	return *re == '.' || (unsigned char)*re == c;
}

static bool match_here(const char *re, const char *end, const char *s);

/* atom repeated at least min times (greedy), then the rest. */
static bool match_repeat(const char *atom, size_t len, size_t min, const char *rest,
			 const char *end, const char *s)
{
	size_t n = 0;
	while (atom_matches(atom, len, s[n]))
		n++;
	for (;; n--) {
		if (n >= min && match_here(rest, end, s + n))
			return true;
		if (n == 0 || n <= min)
			return false;
	}
}

static bool match_here(const char *re, const char *end, const char *s)
{
	if (re == end)
		return true;
	if (*re == '$' && re + 1 == end)
		return *s == '\0';
	size_t len = atom_len(re, end);
	const char *q = re + len;
	if (q < end && (*q == '*' || *q == '+'))
		return match_repeat(re, len, *q == '+', q + 1, end, s);
	if (q < end && *q == '?')
		return (atom_matches(re, len, *s) && match_here(q + 1, end, s + 1)) ||
		       match_here(q + 1, end, s);
	return atom_matches(re, len, *s) && match_here(q, end, s + 1);
}

static bool match_alt(const char *re, const char *end, const char *s)
{
	if (re < end && *re == '^')
		return match_here(re + 1, end, s);
	do {
		if (match_here(re, end, s))
			return true;
	} while (*s++);
	return false;
}

/* End of the alternative starting at re (the next top-level '|'). */
static const char *alt_end(const char *re)
{
	const char *p = re;
	while (*p && *p != '|') {
		size_t len = atom_len(p, p + strlen(p));
		p += len ? len : 1;
	}
	return p;
}

int rematch_check(const char *re, char *err, size_t errlen)
{
	const char *end = re + strlen(re);
	bool can_repeat = false;
	for (const char *p = re; p < end;) {
		size_t len = atom_len(p, end);
		if (!len) {
			snprintf(err, errlen, "/%s/: unclosed [", re);
			return -1;
		}
		bool one = len == 1;
		if (one && strchr("(){}", *p)) {
			snprintf(err, errlen, "/%s/: groups and {n} repeats are not supported", re);
			return -1;
		}
		if (one && strchr("*+?", *p)) {
			if (!can_repeat) {
				snprintf(err, errlen, "/%s/: nothing to repeat before '%c'", re, *p);
				return -1;
			}
			can_repeat = false;
		} else {
			can_repeat = !(one && strchr("|^$", *p));
		}
		p += len;
	}
	return 0;
}

bool rematch(const char *re, const char *s)
{
	for (;;) {
		const char *end = alt_end(re);
		if (match_alt(re, end, s))
			return true;
		if (!*end)
			return false;
		re = end + 1;
	}
}
