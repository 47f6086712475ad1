/* yaml: see yaml.h. Block structure is read line by line (a table of the
 * lines that carry content, with their indentation); scalars and flow
 * collections are read with a cursor over the text, since they may run
 * over several lines. A "- key: value" item is read by treating the text
 * after the dash as a line of its own, indented to where it starts. */
#define _GNU_SOURCE
#include "yaml.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deeper nesting than this is refused (the parser recurses). */
#define YAML_MAX_DEPTH 64
/* Nodes that aliases may copy in all: stops "billion laughs" documents. */
#define YAML_MAX_ALIAS_NODES 100000

struct line {
	const char *bol;   /* beginning of the line in the text */
	const char *start; /* first character of content */
	int indent;	   /* column of `start`, 0-based */
};

struct anchor {
	char *name;
	cJSON *node; /* a copy: the original may be merged away */
};

struct parser {
	const char *text;
	struct line *lines; /* lines with content, in order */
	size_t nlines, cur;
	const char **bols; /* start of every line, for line numbers */
	size_t nbols;
	struct anchor *anchors;
	size_t nanchors;
	size_t alias_nodes;
	int depth;
	struct yaml_doc *doc;
	struct yaml_error *err;
	bool failed;
};

static void pos_of(const struct parser *p, const char *at, int *line, int *col)
{
	size_t lo = 0, hi = p->nbols;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (p->bols[mid] <= at)
			lo = mid;
		else
			hi = mid;
	}
	int c = 1;
	for (const char *s = p->bols[lo]; s < at; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			c++;
	*line = (int)lo + 1;
	*col = c;
}

static void fail(struct parser *p, const char *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct parser *p, const char *at, const char *fmt, ...)
{
	if (p->failed)
		return;
	p->failed = true;
	pos_of(p, at, &p->err->line, &p->err->col);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
}

static void pos_add(struct parser *p, const cJSON *item, const char *at)
{
	struct yaml_doc *d = p->doc;
	if (d->npos == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->pos = xrealloc(d->pos, d->cap * sizeof(*d->pos));
	}
	d->pos[d->npos].item = item;
	pos_of(p, at, &d->pos[d->npos].line, &d->pos[d->npos].col);
	d->npos++;
}

static bool is_eol(char c)
{
	return c == '\0' || c == '\n' || c == '\r';
}
static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}
static bool isdigit_c(char c)
{
	return c >= '0' && c <= '9';
}

static const char *skip_blanks(const char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

/* End of line or a comment: nothing more on this line. */
static bool at_line_end(const char *s)
{
	s = skip_blanks(s);
	return is_eol(*s) || *s == '#';
}

static const char *line_end(const char *s)
{
	while (!is_eol(*s))
		s++;
	return s;
}

/* "- " or a lone "-": a block sequence entry. */
static bool is_seq_entry(const char *s)
{
	return s[0] == '-' && (is_blank(s[1]) || is_eol(s[1]));
}

/* ---------------------------------------------------------------- lines */

static int split_lines(struct parser *p)
{
	size_t cap = 64, bcap = 64;
	p->lines = xmalloc(cap * sizeof(*p->lines));
	p->bols = xmalloc(bcap * sizeof(*p->bols));
	bool seen_doc = false, ended = false;
	for (const char *s = p->text; *s;) {
		const char *eol = s;
		while (*eol && *eol != '\n')
			eol++;
		if (p->nbols == bcap)
			p->bols = xrealloc(p->bols, (bcap *= 2) * sizeof(*p->bols));
		p->bols[p->nbols++] = s;
		const char *c = s;
		while (*c == ' ')
			c++;
		bool empty = at_line_end(c);
		if (!ended && !empty) {
			if (*c == '\t') {
				fail(p, c, "tabs are not allowed in indentation");
				return -1;
			}
			bool doc_start =
			    c == s && str_starts(s, "---") && (is_blank(s[3]) || is_eol(s[3]));
			bool doc_end =
			    c == s && str_starts(s, "...") && (is_blank(s[3]) || is_eol(s[3]));
			if (doc_start && (seen_doc || p->nlines)) {
				fail(p, c, "only one YAML document is read");
				return -1;
			}
			if (doc_start && !at_line_end(s + 3)) {
				fail(p, c, "put the document on the lines after \"---\"");
				return -1;
			}
			seen_doc |= doc_start;
			ended |= doc_end;
			if (!doc_start && !doc_end && !(c == s && *c == '%')) {
				if (p->nlines == cap)
					p->lines =
					    xrealloc(p->lines, (cap *= 2) * sizeof(*p->lines));
				p->lines[p->nlines++] =
				    (struct line){.bol = s, .start = c, .indent = (int)(c - s)};
			}
		}
		s = *eol ? eol + 1 : eol;
	}
	if (!p->nbols)
		p->bols[p->nbols++] = p->text;
	return 0;
}

static struct line *cur_line(struct parser *p)
{
	return p->cur < p->nlines ? &p->lines[p->cur] : NULL;
}

/* Move past every content line that starts before `at`. */
static void skip_lines_before(struct parser *p, const char *at)
{
	while (p->cur < p->nlines && p->lines[p->cur].bol < at)
		p->cur++;
}

/* -------------------------------------------------------------- scalars */

static bool all_digits(const char *s, const char *digits)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s != '_' && !strchr(digits, *s))
			return false;
	return true;
}

/* A plain scalar's type, as js-yaml's default schema resolves it. */
static cJSON *resolve_plain(const char *s)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	static const char *const trues[] = {"true", "True", "TRUE"};
	static const char *const falses[] = {"false", "False", "FALSE"};
	for (size_t i = 0; i < ARRAY_LEN(nulls); i++)
		if (!strcmp(s, nulls[i]))
			return cJSON_CreateNull();
	for (size_t i = 0; i < ARRAY_LEN(trues); i++)
		if (!strcmp(s, trues[i]))
			return cJSON_CreateTrue();
	for (size_t i = 0; i < ARRAY_LEN(falses); i++)
		if (!strcmp(s, falses[i]))
			return cJSON_CreateFalse();
	const char *d = s + (*s == '-' || *s == '+');
	if (str_starts(d, "0x") && all_digits(d + 2, "0123456789abcdefABCDEF"))
		return cJSON_CreateNumber((*s == '-' ? -1 : 1) * (double)strtoll(d + 2, NULL, 16));
	if (str_starts(d, "0o") && all_digits(d + 2, "01234567"))
		return cJSON_CreateNumber((*s == '-' ? -1 : 1) * (double)strtoll(d + 2, NULL, 8));
	if (!strcmp(d, ".inf") || !strcmp(d, ".Inf") || !strcmp(d, ".INF"))
		return cJSON_CreateNumber(*s == '-' ? -INFINITY : INFINITY);
	if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN"))
		return cJSON_CreateNumber(NAN);
	/* Integers and floats: digits, one dot, an exponent; no "1_000" in
	 * floats, no bare "." or "1e" — strtod must consume everything. */
	if ((isdigit_c(*d) || (*d == '.' && isdigit_c(d[1]))) && !strchr(s, '_')) {
		char *end;
		double v = strtod(s, &end);
		if (*end == '\0' && !strpbrk(s, "xXpPnN"))
			return cJSON_CreateNumber(v);
	}
	if (all_digits(d, "0123456789") && isdigit_c(*d)) {
		char *clean = xstrdup(s);
		char *w = clean;
		for (const char *r = s; *r; r++)
			if (*r != '_')
				*w++ = *r;
		*w = '\0';
		cJSON *n = cJSON_CreateNumber(strtod(clean, NULL));
		free(clean);
		return n;
	}
	return cJSON_CreateString(s);
}

/* A line break inside a quoted scalar folds into a space, or into one
 * newline per empty line that follows. `s` is at the break. */
static const char *fold_break(struct buf *b, const char *s)
{
	while (b->len && is_blank(b->data[b->len - 1]))
		b->data[--b->len] = '\0';
	int empty = 0;
	for (;;) {
		if (*s == '\r')
			s++;
		if (*s == '\n')
			s++;
		s = skip_blanks(s);
		if (*s != '\n' && *s != '\r')
			break;
		empty++;
	}
	if (!empty)
		buf_puts(b, " ");
	for (int i = 0; i < empty; i++)
		buf_puts(b, "\n");
	return s;
}

static const char *double_escape(struct parser *p, struct buf *b, const char *s)
{
	static const char from[] = "0abtnvfre \"/\\N_LP\t";
	static const char *const to[] = {
	    "\0", "\a", "\b", "\t", "\n",	"\v",	    "\f",	    "\r",	    "\x1b",
	    " ",  "\"", "/",  "\\", "\xc2\x85", "\xc2\xa0", "\xe2\x80\xa8", "\xe2\x80\xa9", "\t"};
	const char *hit = *s ? strchr(from, *s) : NULL;
	if (hit) {
		const char *t = to[hit - from];
		buf_append(b, t, *s == '0' ? 1 : strlen(t));
		return s + 1;
	}
	int digits = *s == 'x' ? 2 : *s == 'u' ? 4 : *s == 'U' ? 8 : 0;
	if (digits) {
		unsigned long cp = 0;
		for (int i = 1; i <= digits; i++) {
			char c = s[i];
			int v = c >= '0' && c <= '9'   ? c - '0'
				: c >= 'a' && c <= 'f' ? c - 'a' + 10
				: c >= 'A' && c <= 'F' ? c - 'A' + 10
						       : -1;
			if (v < 0) {
				fail(p, s, "bad escape in a double-quoted string");
				return s;
			}
			cp = cp * 16 + (unsigned long)v;
		}
		buf_put_utf8(b, (uint32_t)cp);
		return s + digits + 1;
	}
	if (is_eol(*s) && *s) {
		/* "\" at the end of a line joins it with the next, no space */
		s += *s == '\r';
		return skip_blanks(s + (*s == '\n'));
	}
	fail(p, s, "bad escape in a double-quoted string");
	return s;
}

/* A quoted scalar at `s` (on the quote); its text in *out, the end after
 * the closing quote returned (NULL on error). */
static const char *read_quoted(struct parser *p, const char *s, char **out)
{
	const char *open = s;
	char q = *s++;
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "");
	while (!p->failed) {
		if (!*s) {
			fail(p, open, "unterminated %s-quoted string",
			     q == '"' ? "double" : "single");
			break;
		}
		if (*s == q && q == '\'' && s[1] == '\'') {
			buf_puts(&b, "'");
			s += 2;
		} else if (*s == q) {
			*out = xstrdup(b.data);
			buf_free(&b);
			return s + 1;
		} else if (*s == '\\' && q == '"') {
			s = double_escape(p, &b, s + 1);
		} else if (*s == '\n' || *s == '\r') {
			s = fold_break(&b, s);
		} else {
			buf_append(&b, s++, 1);
		}
	}
	buf_free(&b);
	return NULL;
}

/* Where a plain scalar ends: a comment, the line's end, and in flow
 * context also , ] } and ": ". */
static const char *plain_end(const char *s, bool flow)
{
	const char *e = s;
	while (!is_eol(*e)) {
		if (*e == '#' && e > s && is_blank(e[-1]))
			break;
		if (flow && (strchr(",]}[{", *e) || (*e == ':' && (is_blank(e[1]) || is_eol(e[1]) ||
								   strchr(",]}", e[1])))))
			break;
		e++;
	}
	while (e > s && is_blank(e[-1]))
		e--;
	return e;
}

/* ------------------------------------------------------ anchors, aliases */

static const char *read_name(const char *s, size_t *len)
{
	const char *e = s;
	while (*e && !is_blank(*e) && !is_eol(*e) && !strchr(",[]{}", *e))
		e++;
	*len = (size_t)(e - s);
	return e;
}

static void anchor_set(struct parser *p, const char *name, size_t len, const cJSON *node)
{
	cJSON *copy = cJSON_Duplicate(node, 1);
	for (size_t i = 0; i < p->nanchors; i++)
		if (strlen(p->anchors[i].name) == len && !strncmp(p->anchors[i].name, name, len)) {
			cJSON_Delete(p->anchors[i].node);
			p->anchors[i].node = copy;
			return;
		}
	p->anchors = xrealloc(p->anchors, (p->nanchors + 1) * sizeof(*p->anchors));
	p->anchors[p->nanchors].name = xstrndup(name, len);
	p->anchors[p->nanchors++].node = copy;
}

static size_t count_nodes(const cJSON *n)
{
	size_t k = 1;
	for (const cJSON *c = n->child; c; c = c->next)
		k += count_nodes(c);
	return k;
}

/* `*name` at s: a copy of the anchored node. */
static cJSON *read_alias(struct parser *p, const char *s, const char **end)
{
	size_t len;
	*end = read_name(s + 1, &len);
	for (size_t i = 0; i < p->nanchors; i++) {
		if (strlen(p->anchors[i].name) != len || strncmp(p->anchors[i].name, s + 1, len))
			continue;
		p->alias_nodes += count_nodes(p->anchors[i].node);
		if (p->alias_nodes > YAML_MAX_ALIAS_NODES) {
			fail(p, s, "aliases expand to more than %d values", YAML_MAX_ALIAS_NODES);
			return NULL;
		}
		return cJSON_Duplicate(p->anchors[i].node, 1);
	}
	fail(p, s, "unknown alias \"%.*s\"", (int)len, s + 1);
	return NULL;
}

/* ----------------------------------------------------------------- flow */

static cJSON *flow_value(struct parser *p, const char **sp);

/* Blanks, line breaks and comments inside a flow collection. */
static const char *flow_skip(const char *s)
{
	for (;;) {
		while (is_blank(*s) || *s == '\n' || *s == '\r')
			s++;
		if (*s != '#')
			return s;
		s = line_end(s);
	}
}

static bool enter(struct parser *p, const char *at)
{
	if (++p->depth > YAML_MAX_DEPTH) {
		fail(p, at, "nested deeper than %d levels", YAML_MAX_DEPTH);
		return false;
	}
	return true;
}

/* A key or scalar in flow context. */
static char *flow_scalar_text(struct parser *p, const char **sp, bool *quoted)
{
	const char *s = *sp;
	char *text = NULL;
	*quoted = *s == '"' || *s == '\'';
	if (*quoted) {
		s = read_quoted(p, s, &text);
		if (!s)
			return NULL;
	} else {
		const char *e = plain_end(s, true);
		text = xstrndup(s, (size_t)(e - s));
		s = e;
	}
	*sp = s;
	return text;
}

static cJSON *flow_collection(struct parser *p, const char **sp)
{
	const char *s = *sp;
	bool is_map = *s == '{';
	char close = is_map ? '}' : ']';
	cJSON *c = is_map ? cJSON_CreateObject() : cJSON_CreateArray();
	s = flow_skip(s + 1);
	while (!p->failed && *s != close) {
		if (!*s) {
			fail(p, s, "unterminated flow %s (missing \"%c\")",
			     is_map ? "mapping" : "sequence", close);
			break;
		}
		const char *at = s;
		cJSON *v;
		if (is_map) {
			bool quoted;
			char *key = flow_scalar_text(p, &s, &quoted);
			if (!key)
				break;
			s = flow_skip(s);
			if (*s == ':') {
				s = flow_skip(s + 1);
				v = *s == ',' || *s == '}' ? cJSON_CreateNull() : flow_value(p, &s);
			} else {
				v = cJSON_CreateNull();
			}
			if (v && cJSON_GetObjectItemCaseSensitive(c, key))
				fail(p, at, "duplicate key \"%s\"", key);
			if (v)
				cJSON_AddItemToObject(c, key, v);
			free(key);
		} else {
			v = flow_value(p, &s);
			if (v)
				cJSON_AddItemToArray(c, v);
		}
		if (!v)
			break;
		pos_add(p, v, at);
		s = flow_skip(s);
		if (*s == ',')
			s = flow_skip(s + 1);
		else if (*s != close && !p->failed)
			fail(p, s, "expected \",\" or \"%c\" in a flow %s", close,
			     is_map ? "mapping" : "sequence");
	}
	p->depth--;
	if (p->failed) {
		cJSON_Delete(c);
		return NULL;
	}
	*sp = s + 1;
	return c;
}

static cJSON *flow_value(struct parser *p, const char **sp)
{
	const char *s = *sp;
	if (*s == '[' || *s == '{')
		return enter(p, s) ? flow_collection(p, sp) : NULL;
	if (*s == '*')
		return read_alias(p, s, sp);
	if (*s == '&' || *s == '!') {
		fail(p, s, "%s inside a flow collection are not supported",
		     *s == '&' ? "anchors" : "tags");
		return NULL;
	}
	bool quoted;
	char *text = flow_scalar_text(p, sp, &quoted);
	if (!text)
		return NULL;
	cJSON *v = quoted ? cJSON_CreateString(text) : resolve_plain(text);
	free(text);
	return v;
}

/* ---------------------------------------------------------------- block */

static cJSON *parse_block(struct parser *p, int parent_indent);
static cJSON *parse_seq(struct parser *p, int indent);
static bool is_key_line(struct parser *p, const char *s);

/* Lines that belong to a block scalar: more indented than `parent`, or
 * empty. Returns the content; *end is where the scalar stops. */
static char *block_scalar(struct parser *p, const char *ind, int parent, const char **end)
{
	char style = *ind++;
	char chomp = 'c';
	int explicit_indent = 0;
	for (int i = 0; i < 2; i++) {
		if (*ind == '-' || *ind == '+')
			chomp = *ind++;
		else if (*ind >= '1' && *ind <= '9')
			explicit_indent = *ind++ - '0';
	}
	if (!at_line_end(ind)) {
		fail(p, ind, "nothing may follow a block scalar indicator on its line");
		return NULL;
	}
	const char *s = line_end(ind);
	s += *s == '\r';
	s += *s == '\n';
	int content = explicit_indent ? (parent < 0 ? 0 : parent) + explicit_indent : -1;
	struct buf b;
	buf_init(&b);
	buf_puts(&b, "");
	int breaks = 0; /* empty lines pending */
	bool first = true, prev_more = false;
	const char *stop = s;
	while (*s) {
		const char *c = s;
		while (*c == ' ')
			c++;
		bool empty = is_eol(*c);
		int col = (int)(c - s);
		if (!empty && content < 0)
			content = col > parent ? col : -2;
		if (!empty && (content < 0 || col < content))
			break;
		const char *e = line_end(s);
		if (empty) {
			breaks++;
		} else {
			const char *text = s + content;
			bool more = is_blank(*text);
			if (!first) {
				if (style == '>' && !breaks && !more && !prev_more)
					buf_puts(&b, " ");
				else
					for (int i = 0;
					     i <
					     breaks + (style == '|' || more || prev_more ? 1 : 0);
					     i++)
						buf_puts(&b, "\n");
			} else {
				for (int i = 0; i < breaks; i++)
					buf_puts(&b, "\n");
			}
			buf_append(&b, text, (size_t)(e - text));
			breaks = 0;
			first = false;
			prev_more = more;
		}
		s = e;
		s += *s == '\r';
		s += *s == '\n';
		if (!empty)
			stop = s;
	}
	if (chomp == '+' || (chomp == 'c' && !first))
		buf_puts(&b, "\n");
	if (chomp == '+')
		for (int i = 0; i < breaks; i++)
			buf_puts(&b, "\n");
	*end = chomp == '+' ? s : stop;
	char *out = xstrdup(b.data);
	buf_free(&b);
	return out;
}

/* A value written on the same line as its key or dash, at `s`. Consumes
 * the lines it spans. `indent` is the indentation of its parent. */
static cJSON *inline_value(struct parser *p, const char *s, int indent)
{
	cJSON *v = NULL;
	const char *end = NULL;
	if (*s == '!') {
		fail(p, s, "YAML tags are not supported");
		return NULL;
	}
	if (*s == '|' || *s == '>') {
		char *text = block_scalar(p, s, indent, &end);
		if (!text)
			return NULL;
		v = cJSON_CreateString(text);
		free(text);
		skip_lines_before(p, end);
		return v;
	}
	if (*s == '[' || *s == '{' || *s == '*') {
		v = flow_value(p, &s);
		end = s;
	} else if (*s == '"' || *s == '\'') {
		char *text = NULL;
		end = read_quoted(p, s, &text);
		if (end) {
			v = cJSON_CreateString(text);
			free(text);
		}
	} else {
		/* A plain scalar; more indented lines that follow continue it,
		 * unless they look like structure (then the indentation is bad). */
		end = plain_end(s, false);
		struct buf b;
		buf_init(&b);
		buf_append(&b, s, (size_t)(end - s));
		skip_lines_before(p, end);
		struct line *l;
		while ((l = cur_line(p)) && l->indent > indent && !is_seq_entry(l->start) &&
		       !is_key_line(p, l->start)) {
			const char *e = plain_end(l->start, false);
			buf_puts(&b, " ");
			buf_append(&b, l->start, (size_t)(e - l->start));
			end = e;
			p->cur++;
		}
		v = resolve_plain(b.data);
		buf_free(&b);
	}
	if (!v)
		return NULL;
	if (!at_line_end(end)) {
		fail(p, skip_blanks(end), "unexpected text after a value");
		cJSON_Delete(v);
		return NULL;
	}
	skip_lines_before(p, end + 1);
	return v;
}

/* A key at the start of a block line: its text and where the value
 * starts, or NULL if this line is not "key: ...". */
static char *block_key(struct parser *p, const char *s, const char **value)
{
	if (*s == '"' || *s == '\'') {
		char *k = NULL;
		const char *e =
		    memchr(s + 1, *s, (size_t)(line_end(s) - s - 1)) ? read_quoted(p, s, &k) : NULL;
		if (!e)
			return NULL;
		e = skip_blanks(e);
		if (*e != ':' || !(is_blank(e[1]) || is_eol(e[1]))) {
			free(k);
			return NULL;
		}
		*value = skip_blanks(e + 1);
		return k;
	}
	if (strchr("[{#&*!|>%@`,", *s) || is_seq_entry(s))
		return NULL;
	for (const char *e = s; !is_eol(*e); e++) {
		if (*e == '#' && e > s && is_blank(e[-1]))
			return NULL;
		if (*e == ':' && (is_blank(e[1]) || is_eol(e[1]))) {
			const char *k = e;
			while (k > s && is_blank(k[-1]))
				k--;
			*value = skip_blanks(e + 1);
			return xstrndup(s, (size_t)(k - s));
		}
	}
	return NULL;
}

static bool is_key_line(struct parser *p, const char *s)
{
	const char *v;
	bool was = p->failed;
	char *k = block_key(p, s, &v);
	free(k);
	p->failed = was;
	return k != NULL;
}

/* The value after "key:" or "-" at `s`: on the same line, or on the more
 * indented lines below. `same_indent_seq`: a mapping's value may be a
 * sequence at the mapping's own indentation. */
static cJSON *node_after(struct parser *p, const char *s, int indent, bool same_indent_seq)
{
	const char *anchor = NULL;
	size_t alen = 0;
	if (*s == '&') {
		anchor = s + 1;
		s = skip_blanks(read_name(anchor, &alen));
	}
	cJSON *v;
	if (at_line_end(s)) {
		p->cur++;
		struct line *l = cur_line(p);
		if (l && l->indent > indent)
			v = parse_block(p, indent);
		else if (l && same_indent_seq && l->indent == indent && is_seq_entry(l->start))
			v = parse_seq(p, indent);
		else
			v = cJSON_CreateNull();
	} else {
		v = inline_value(p, s, indent);
	}
	if (v && anchor)
		anchor_set(p, anchor, alen, v);
	return v;
}

/* "<<: *defaults" (or a list of them): keys the mapping does not set. */
static void merge_into(cJSON *map, const cJSON *src)
{
	if (cJSON_IsArray(src)) {
		for (const cJSON *s = src->child; s; s = s->next)
			merge_into(map, s);
		return;
	}
	for (const cJSON *c = src->child; c; c = c->next)
		if (!cJSON_GetObjectItemCaseSensitive(map, c->string))
			cJSON_AddItemToObject(map, c->string, cJSON_Duplicate(c, 1));
}

static cJSON *parse_map(struct parser *p, int indent)
{
	cJSON *map = cJSON_CreateObject();
	cJSON *merges = cJSON_CreateArray();
	struct line *l;
	while (!p->failed && (l = cur_line(p)) && l->indent >= indent) {
		if (l->indent > indent) {
			fail(p, l->start, "bad indentation of a mapping entry");
			break;
		}
		if (is_seq_entry(l->start)) {
			fail(p, l->start, "a sequence entry where a \"key: value\" was expected");
			break;
		}
		const char *vs = NULL;
		const char *at = l->start;
		char *key = block_key(p, at, &vs);
		if (!key) {
			if (!p->failed)
				fail(p, at,
				     *at == '?' ? "complex keys (\"? \") are not supported"
						: "expected \"key: value\"");
			break;
		}
		cJSON *v = node_after(p, vs, indent, true);
		if (v && !strcmp(key, "<<") && (cJSON_IsObject(v) || cJSON_IsArray(v))) {
			cJSON_AddItemToArray(merges, v);
		} else if (v && cJSON_GetObjectItemCaseSensitive(map, key)) {
			fail(p, at, "duplicate key \"%s\"", key);
			cJSON_Delete(v);
		} else if (v) {
			cJSON_AddItemToObject(map, key, v);
			pos_add(p, v, at);
		}
		free(key);
	}
	/* Explicit keys win over merged ones, wherever the "<<" stands. */
	for (const cJSON *m = merges->child; m; m = m->next)
		merge_into(map, m);
	cJSON_Delete(merges);
	return map;
}

static cJSON *parse_seq(struct parser *p, int indent)
{
	cJSON *seq = cJSON_CreateArray();
	struct line *l;
	while (!p->failed && (l = cur_line(p)) && l->indent >= indent) {
		if (l->indent > indent) {
			fail(p, l->start, "bad indentation of a %s entry",
			     is_seq_entry(l->start) ? "sequence" : "mapping");
			break;
		}
		if (!is_seq_entry(l->start))
			break;
		const char *at = l->start;
		const char *rest = skip_blanks(at + 1);
		cJSON *v;
		if (!is_eol(*rest) && *rest != '#' &&
		    (is_seq_entry(rest) || is_key_line(p, rest))) {
			/* "- key: v" or "- - v": the rest is a line of its own */
			l->start = rest;
			l->indent += (int)(rest - at);
			v = parse_block(p, indent);
		} else {
			v = node_after(p, rest, indent, false);
		}
		if (!v)
			break;
		cJSON_AddItemToArray(seq, v);
		pos_add(p, v, at);
	}
	return seq;
}

/* The node on the current line, indented more than `parent_indent`. */
static cJSON *parse_block(struct parser *p, int parent_indent)
{
	struct line *l = cur_line(p);
	if (!enter(p, l->start))
		return NULL;
	cJSON *v;
	if (is_seq_entry(l->start))
		v = parse_seq(p, l->indent);
	else if (is_key_line(p, l->start))
		v = parse_map(p, l->indent);
	else
		v = node_after(p, l->start, parent_indent, false);
	p->depth--;
	if (p->failed) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

int yaml_parse(const char *text, struct yaml_doc *doc, struct yaml_error *err)
{
	memset(doc, 0, sizeof(*doc));
	memset(err, 0, sizeof(*err));
	struct parser p = {.text = text, .doc = doc, .err = err};
	cJSON *root = NULL;
	if (split_lines(&p) == 0) {
		if (!p.nlines) {
			root = cJSON_CreateNull();
		} else {
			const char *first = p.lines[0].start;
			root = parse_block(&p, -1);
			if (root)
				pos_add(&p, root, first);
			struct line *l = cur_line(&p);
			if (root && l && !p.failed)
				fail(&p, l->start, "unexpected content (check the indentation)");
		}
	}
	for (size_t i = 0; i < p.nanchors; i++) {
		free(p.anchors[i].name);
		cJSON_Delete(p.anchors[i].node);
	}
	free(p.anchors);
	free(p.lines);
	free(p.bols);
	if (p.failed) {
		cJSON_Delete(root);
		yaml_doc_free(doc);
		return -1;
	}
	doc->root = root;
	return 0;
}

int yaml_locate(const struct yaml_doc *doc, const cJSON *item, int *line, int *col)
{
	for (size_t i = 0; i < doc->npos; i++)
		if (doc->pos[i].item == item) {
			*line = doc->pos[i].line;
			*col = doc->pos[i].col;
			return 0;
		}
	return -1;
}

void yaml_doc_free(struct yaml_doc *doc)
{
	cJSON_Delete(doc->root);
	free(doc->pos);
	memset(doc, 0, sizeof(*doc));
}
