/* Unit tests for the YAML reader: documents as ecosystem files write them,
 * compared as compact JSON; errors compared as "line:col: message". */
#define _GNU_SOURCE
#include "unit.h"
#include "../../src/common/yaml.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(const char *name, const char *got, const char *want)
{
	check_str("yaml", name, got, want);
}

static void parses(const char *name, const char *text, const char *json)
{
	struct yaml_doc doc;
	struct yaml_error err;
	if (yaml_parse(text, &doc, &err) < 0) {
		char msg[256];
		snprintf(msg, sizeof(msg), "error %d:%d: %s", err.line, err.col, err.msg);
		check(name, msg, json);
		return;
	}
	char *out = cJSON_PrintUnformatted(doc.root);
	check(name, out, json);
	free(out);
	yaml_doc_free(&doc);
}

static void fails(const char *name, const char *text, const char *want)
{
	struct yaml_doc doc;
	struct yaml_error err;
	char msg[256];
	if (yaml_parse(text, &doc, &err) == 0) {
		char *out = cJSON_PrintUnformatted(doc.root);
		snprintf(msg, sizeof(msg), "parsed: %s", out);
		free(out);
		yaml_doc_free(&doc);
	} else {
		snprintf(msg, sizeof(msg), "%d:%d: %s", err.line, err.col, err.msg);
	}
	check(name, msg, want);
}

/* Where a value sits: "line:col" of the item at `path` (a.b.0.c). */
static void located(const char *name, const char *text, const char *path, const char *want)
{
	struct yaml_doc doc;
	struct yaml_error err;
	char got[64] = "parse error";
	if (yaml_parse(text, &doc, &err) == 0) {
		const cJSON *it = doc.root;
		char *p = strdup(path), *save = NULL;
		for (char *t = strtok_r(p, ".", &save); t && it; t = strtok_r(NULL, ".", &save))
			it = cJSON_IsArray(it) ? cJSON_GetArrayItem(it, atoi(t))
					       : cJSON_GetObjectItemCaseSensitive(it, t);
		free(p);
		int l, c;
		if (it && yaml_locate(&doc, it, &l, &c) == 0)
			snprintf(got, sizeof(got), "%d:%d", l, c);
		else
			snprintf(got, sizeof(got), "not found");
		yaml_doc_free(&doc);
	}
	check(name, got, want);
}

void test_yaml(void)
{
	parses("an ecosystem file",
	       "# apps\n"
	       "apps:\n"
	       "  - name: api   # the web tier\n"
	       "    script: ./server.js\n"
	       "    instances: 4\n"
	       "    env:\n"
	       "      NODE_ENV: development\n"
	       "    env_production:\n"
	       "      NODE_ENV: production\n"
	       "  - name: \"worker\"\n"
	       "    script: 'worker.js'\n"
	       "    args: [--queue, \"jobs\", 3]\n"
	       "    autorestart: false\n",
	       "{\"apps\":[{\"name\":\"api\",\"script\":\"./server.js\",\"instances\":4,"
	       "\"env\":{\"NODE_ENV\":\"development\"},\"env_production\":{\"NODE_ENV\":"
	       "\"production\"}},"
	       "{\"name\":\"worker\",\"script\":\"worker.js\",\"args\":[\"--queue\",\"jobs\",3],"
	       "\"autorestart\":false}]}");
	parses("a sequence at its key's indentation",
	       "apps:\n- name: a\n  script: a.js\n- name: b\ndeploy: {}\n",
	       "{\"apps\":[{\"name\":\"a\",\"script\":\"a.js\"},{\"name\":\"b\"}],\"deploy\":{}}");
	parses("scalars resolve like js-yaml",
	       "a: ~\nb: null\nc: True\nd: FALSE\ne: 0x1F\nf: -12\ng: 1.5e3\nh: 1_000\n"
	       "i: yes\nj: 1.2.3\nk: '007'\nl: 12:30\nm: .5\nn:\n",
	       "{\"a\":null,\"b\":null,\"c\":true,\"d\":false,\"e\":31,\"f\":-12,\"g\":1500,"
	       "\"h\":1000,\"i\":\"yes\",\"j\":\"1.2.3\",\"k\":\"007\",\"l\":\"12:30\",\"m\":0.5,"
	       "\"n\":null}");
	parses("quoted scalars and escapes",
	       "a: \"tab\\there \\\"q\\\" \\u00e9\"\nb: 'it''s # not a comment'\nc: \"x: y\"\n",
	       "{\"a\":\"tab\\there \\\"q\\\" é\",\"b\":\"it's # not a comment\",\"c\":\"x: y\"}");
	parses("a quoted scalar over lines folds", "a: \"one\n  two\n\n  three\"\n",
	       "{\"a\":\"one two\\nthree\"}");
	parses("plain values keep colons and hashes inside words",
	       "url: http://example.org:8080/a#frag\ncmd: npm install && pm2 reload all # go\n",
	       "{\"url\":\"http://example.org:8080/a#frag\",\"cmd\":\"npm install && pm2 reload "
	       "all\"}");
	parses("a literal block scalar",
	       "post-deploy: |\n  npm install\n  pm2 startOrRestart eco.yml\n\nnext: 1\n",
	       "{\"post-deploy\":\"npm install\\npm2 startOrRestart eco.yml\\n\",\"next\":1}");
	parses("folded block scalars and chomping",
	       "a: >-\n  one\n  two\n\n  three\nb: |+\n  keep\n\nc: |-\n    strip\n",
	       "{\"a\":\"one two\\nthree\",\"b\":\"keep\\n\\n\",\"c\":\"strip\"}");
	parses("a block scalar keeps # lines and deeper indentation",
	       "s: |\n  # not a comment\n    indented\n  back\n",
	       "{\"s\":\"# not a comment\\n  indented\\nback\\n\"}");
	parses("flow collections over several lines",
	       "args: [\n  \"a\",  # first\n  b,\n]\nenv: { A: 1, B: \"two\", C: [x, y] }\n",
	       "{\"args\":[\"a\",\"b\"],\"env\":{\"A\":1,\"B\":\"two\",\"C\":[\"x\",\"y\"]}}");
	parses("nested sequences and empty values", "- - a\n  - b\n- \n- c:\n  d: [ ]\n",
	       "[[\"a\",\"b\"],null,{\"c\":null,\"d\":[]}]");
	parses("anchors, aliases and merges",
	       "base: &base\n  exec_mode: cluster\n  instances: 2\napps:\n"
	       "  - <<: *base\n    name: a\n    instances: 4\n  - name: b\n    env: *base\n",
	       "{\"base\":{\"exec_mode\":\"cluster\",\"instances\":2},\"apps\":["
	       "{\"name\":\"a\",\"instances\":4,\"exec_mode\":\"cluster\"},"
	       "{\"name\":\"b\",\"env\":{\"exec_mode\":\"cluster\",\"instances\":2}}]}");
	parses("a document marker, CRLF line ends and a plain continuation",
	       "---\r\nname: a\r\ndescription: one\r\n  two\r\n...\r\nignored: x\r\n",
	       "{\"name\":\"a\",\"description\":\"one two\"}");
	parses("an empty document is null", "# nothing\n\n", "null");
	parses("quoted keys", "\"a b\": 1\n'c': 2\n", "{\"a b\":1,\"c\":2}");

	fails("tabs in indentation", "apps:\n\t- a\n", "2:1: tabs are not allowed in indentation");
	fails("bad indentation", "a: 1\n  b: 2\n c: 3\n",
	      "2:3: bad indentation of a mapping entry");
	fails("a duplicate key", "apps: []\nname: x\napps: [1]\n", "3:1: duplicate key \"apps\"");
	fails("an unterminated string", "a: \"abc\nb: 1\n",
	      "1:4: unterminated double-quoted string");
	fails("an unterminated flow sequence", "a: [1, 2\nb: 3\n",
	      "2:1: expected \",\" or \"]\" in a flow sequence");
	fails("text after a quoted value", "a: 'x' y\n", "1:8: unexpected text after a value");
	fails("an unknown alias", "a: *nope\n", "1:4: unknown alias \"nope\"");
	fails("tags are refused", "a: !!str 1\n", "1:4: YAML tags are not supported");
	fails("two documents", "a: 1\n---\nb: 2\n", "2:1: only one YAML document is read");
	fails("a line that is not key: value", "a: 1\njust text\n", "2:1: expected \"key: value\"");
	fails("a sequence inside a mapping", "a: 1\n- b\n",
	      "2:1: a sequence entry where a \"key: value\" was expected");
	fails("billion laughs stop",
	      "a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
	      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
	      "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n",
	      "5:29: aliases expand to more than 100000 values");

	located("a mapping value is found at its key", "apps:\n  - name: a\n    instances: two\n",
		"apps.0.instances", "3:5");
	located("a sequence item at its dash", "apps:\n  - name: a\n  - name: b\n", "apps.1",
		"3:3");
	located("a flow item where it starts", "args: [a, \"b\"]\n", "args.1", "1:11");
}
