/* metrics: the process table in Prometheus' text format (version 0.0.4).
 * Per instance: up, restarts, uptime, CPU, memory, last exit code, log
 * bytes; for the supervisor: orphans reaped, its own memory and CPU.
 * Names follow Prometheus' conventions: a pm2_ prefix, base units in the
 * name (_bytes, _seconds, _ratio), _total on counters. The CPU and memory
 * figures are jlist's, so `ls` and a scrape agree. */
#define _GNU_SOURCE
#include "daemon.h"
#include "procstat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One instance as the scrape sees it. */
struct sample {
	const struct instance *in;
	double cpu_ratio; /* 1 = one core */
	double memory;
	double uptime;
};

typedef bool (*sample_value)(const struct sample *s, double *v);

static bool v_up(const struct sample *s, double *v)
{
	*v = s->in->state == ST_ONLINE;
	return true;
}

static bool v_restarts(const struct sample *s, double *v)
{
	*v = s->in->restart_time;
	return true;
}

static bool v_uptime(const struct sample *s, double *v)
{
	*v = s->uptime;
	return true;
}

static bool v_cpu(const struct sample *s, double *v)
{
	*v = s->cpu_ratio;
	return true;
}

static bool v_memory(const struct sample *s, double *v)
{
	*v = s->memory;
	return true;
}

/* Only once it has exited: a code of 0 would claim a clean exit. */
static bool v_exit_code(const struct sample *s, double *v)
{
	*v = s->in->exit_code;
	return s->in->has_exited;
}

static const struct {
	const char *name, *type, *help;
	sample_value value;
} families[] = {
	{ "pm2_up", "gauge", "Whether the instance is online (1) or not (0).", v_up },
	{ "pm2_restarts_total", "counter", "Restarts of the instance (restart_time).", v_restarts },
	{ "pm2_uptime_seconds", "gauge", "Time since the instance last started; 0 when down.",
	  v_uptime },
	{ "pm2_cpu_usage_ratio", "gauge", "CPU used since the previous sample; 1 is one core.",
	  v_cpu },
	{ "pm2_memory_bytes", "gauge", "Resident memory of the instance.", v_memory },
	{ "pm2_last_exit_code", "gauge",
	  "Exit code of the instance's last run (128+n for signal n).", v_exit_code },
};

/* A label value with \, " and newline escaped. */
static void put_label(struct buf *b, const char *key, const char *v, bool first)
{
	buf_printf(b, "%s%s=\"", first ? "" : ",", key);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			buf_printf(b, "\\%c", *v);
		else if (*v == '\n')
			buf_puts(b, "\\n");
		else
			buf_append(b, v, 1);
	}
	buf_puts(b, "\"");
}

static void put_labels(struct buf *b, const struct instance *in, const char *stream)
{
	char id[16];
	snprintf(id, sizeof(id), "%d", in->pm_id);
	buf_puts(b, "{");
	put_label(b, "name", in->conf->name, true);
	put_label(b, "namespace", in->conf->namespace, false);
	put_label(b, "pm_id", id, false);
	if (stream)
		put_label(b, "stream", stream, false);
	buf_puts(b, "}");
}

static void put_family(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static double monit_number(const cJSON *proc, const char *key)
{
	const cJSON *monit = cJSON_GetObjectItemCaseSensitive(proc, "monit");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(monit, key);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void take_sample(struct daemon *d, struct instance *in, struct sample *s)
{
	cJSON *proc = jlist_instance(d, in, false);
	s->in = in;
	s->cpu_ratio = monit_number(proc, "cpu") / 100.0;
	s->memory = monit_number(proc, "memory");
	s->uptime = in->pid > 0 ? (double)(wall_ms() - in->pm_uptime) / 1000.0 : 0;
	cJSON_Delete(proc);
}

static void render_supervisor(struct daemon *d, struct buf *b)
{
	struct procstat self = { 0 };
	procstat_read(getpid(), &self);
	put_family(b, "pm2_zombies_reaped_total", "counter",
		   "Orphaned processes (not apps) the supervisor reaped.");
	buf_printf(b, "pm2_zombies_reaped_total %llu\n", (unsigned long long)d->orphans_reaped);
	put_family(b, "pm2_supervisor_memory_bytes", "gauge", "Resident memory of the supervisor.");
	buf_printf(b, "pm2_supervisor_memory_bytes %llu\n", (unsigned long long)self.rss_bytes);
	put_family(b, "pm2_supervisor_cpu_seconds_total", "counter",
		   "CPU time the supervisor used.");
	buf_printf(b, "pm2_supervisor_cpu_seconds_total %.2f\n",
		   (double)self.cpu_ticks / (double)procstat_hz());
	put_family(b, "pm2_supervisor_start_time_seconds", "gauge",
		   "When the supervisor started, in seconds since the epoch.");
	buf_printf(b, "pm2_supervisor_start_time_seconds %.3f\n", (double)d->started_wall / 1000.0);
}

void metrics_render(struct daemon *d, struct buf *b)
{
	size_t n = (size_t)proc_count(d), i = 0;
	struct sample *samples = xcalloc(n + 1, sizeof(*samples));
	for (struct instance *in = d->procs; in; in = in->next)
		take_sample(d, in, &samples[i++]);

	for (size_t f = 0; f < ARRAY_LEN(families); f++) {
		put_family(b, families[f].name, families[f].type, families[f].help);
		for (i = 0; i < n; i++) {
			double v;
			if (!families[f].value(&samples[i], &v))
				continue;
			buf_puts(b, families[f].name);
			put_labels(b, samples[i].in, NULL);
			buf_printf(b, " %.15g\n", v);
		}
	}
	put_family(b, "pm2_log_bytes_total", "counter",
		   "Bytes the instance wrote to its stdout (out) and stderr (err).");
	for (i = 0; i < n; i++) {
		static const char *const streams[2] = { "out", "err" };
		for (int k = 0; k < 2; k++) {
			buf_puts(b, "pm2_log_bytes_total");
			put_labels(b, samples[i].in, streams[k]);
			buf_printf(b, " %llu\n", (unsigned long long)samples[i].in->log_bytes[k]);
		}
	}
	free(samples);
	render_supervisor(d, b);
}
