/*
 * mib: /proc/net/snmp and /proc/net/netstat, read as nstat reads them.
 */
#include "lab/mib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/textbuf.h"

/* Both files hold pairs of lines: "Prefix: Name1 Name2 ..." then "Prefix: v1 v2 ...". */
#define LINE_MAX_BYTES 8192

static int add(struct tl_counters *c, size_t *cap, const char *prefix, const char *name, long long value)
{
	if (c->n == *cap) {
		size_t grown_cap = *cap ? 2 * *cap : 128;
		struct tl_counter *grown = realloc(c->v, grown_cap * sizeof(*grown));
		if (!grown)
			return -1;
		c->v = grown;
		*cap = grown_cap;
	}
	struct tl_counter *k = &c->v[c->n++];
	tl_textf(k->name, sizeof(k->name), "%s%s", prefix, name);
	k->delta = value;
	return 0;
}

/* The pairs of one file whose prefix is wanted; 0, or -1 with why. */
static int read_file(const char *path, const char *wanted, struct tl_counters *c, size_t *cap, char *err,
		     size_t errlen)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return tl_errorf(err, errlen, "%s: %s", path, strerror(errno));
	char *names = malloc(LINE_MAX_BYTES), *values = malloc(LINE_MAX_BYTES);
	int rc = names && values ? 0 : tl_errorf(err, errlen, "out of memory");
	while (rc == 0 && fgets(names, LINE_MAX_BYTES, f) && fgets(values, LINE_MAX_BYTES, f)) {
		char *colon = strchr(names, ':');
		if (!colon || strncmp(names, values, (size_t)(colon - names + 1)) != 0) {
			rc = tl_errorf(err, errlen, "%s: a names line without its values line", path);
			break;
		}
		*colon = '\0';
		if (strcmp(names, wanted) != 0)
			continue;
		char *name_save, *value_save;
		char *name = strtok_r(colon + 1, " \n", &name_save);
		char *value = strtok_r(values + (colon - names) + 1, " \n", &value_save);
		for (; rc == 0 && name && value; name = strtok_r(NULL, " \n", &name_save),
						value = strtok_r(NULL, " \n", &value_save))
			if (add(c, cap, wanted, name, strtoll(value, NULL, 10)) < 0)
				rc = tl_errorf(err, errlen, "out of memory");
	}
	free(names);
	free(values);
	fclose(f);
	return rc;
}

int tl_mib_read(struct tl_counters *out, char *err, size_t errlen)
{
	size_t cap = 0;
	out->n = 0;
	out->v = NULL;
	if (read_file("/proc/net/snmp", "Tcp", out, &cap, err, errlen) < 0 ||
	    read_file("/proc/net/netstat", "TcpExt", out, &cap, err, errlen) < 0) {
		free(out->v);
		out->v = NULL;
		out->n = 0;
		return -1;
	}
	return 0;
}

void tl_mib_delta(const struct tl_counters *before, struct tl_counters *after)
{
	for (size_t i = 0; i < after->n; i++) {
		const struct tl_counter *was = tl_counter_find(before, after->v[i].name);
		if (was)
			after->v[i].delta -= was->delta;
	}
}
