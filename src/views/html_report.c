/*
 * html_report: writes the report page. It reads each run only through its
 * JSON document (the same one `--json` writes), so the page shows what a
 * program reading the documents would see; a missing or odd field becomes
 * an empty cell, never a crash. Output goes straight to a FILE; its error
 * flag is checked once at the end.
 *
 * The layout: a header with counts, the runs that did not pass with their
 * first reason, a summary table whose rows link to the sections, then per
 * run a <details> block that is open when the run did not pass (or, when
 * every run passed, for the first), or for every run when the page is
 * opened with #all (or printed).
 */
#include "views/html_report.h"

#include <errno.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/addr.h"
#include "core/event.h"
#include "core/textbuf.h"

/* ---- reading a document ------------------------------------------------ */

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;
	if (!o || !json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* A string member, or NULL when it is absent, null or not a string. */
static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* A string member, or "" when there is none. */
static const char *jtext(struct json_object *o, const char *key)
{
	const char *s = jstr(o, key);
	return s ? s : "";
}

static bool jnum(struct json_object *o, const char *key, double *out)
{
	struct json_object *v = jget(o, key);
	if (!v || !(json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double)))
		return false;
	*out = json_object_get_double(v);
	return true;
}

static int64_t jint(struct json_object *o, const char *key, int64_t fallback)
{
	struct json_object *v = jget(o, key);
	return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : fallback;
}

static bool jbool(struct json_object *o, const char *key, bool fallback)
{
	struct json_object *v = jget(o, key);
	return v && json_object_is_type(v, json_type_boolean) ? json_object_get_boolean(v) : fallback;
}

static struct json_object *jarr(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);
	return v && json_object_is_type(v, json_type_array) ? v : NULL;
}

static size_t jlen(struct json_object *arr)
{
	return arr ? json_object_array_length(arr) : 0;
}

static struct json_object *jat(struct json_object *arr, size_t i)
{
	return arr ? json_object_array_get_idx(arr, i) : NULL;
}

/* ---- writing ------------------------------------------------------------ */

void tl_html_escape(FILE *out, const char *s)
{
	if (!s)
		return;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		case '\t':
		case '\n': fputc(*p, out); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fputs("\xef\xbf\xbd", out);
			else
				fputc(*p, out);
		}
	}
}

/* Shorthands: the page is written by many small functions. */
static void put(FILE *out, const char *html)
{
	fputs(html, out);
}

static void esc(FILE *out, const char *text)
{
	tl_html_escape(out, text);
}

/* <tag class="cls">text</tag>, the text escaped. */
static void el(FILE *out, const char *tag, const char *cls, const char *text)
{
	fprintf(out, "<%s", tag);
	if (cls)
		fprintf(out, " class=\"%s\"", cls);
	fputc('>', out);
	esc(out, text);
	fprintf(out, "</%s>", tag);
}

/* A time in seconds for tables: microseconds, as the text timeline prints them. */
static void put_seconds(FILE *out, double s, int decimals)
{
	fprintf(out, "%.*f", decimals, s);
}

/* A duration for a person: "540 µs", "8.29 ms", "131.02 s". */
static void put_duration(FILE *out, double s)
{
	if (s < 0.001)
		fprintf(out, "%.0f&nbsp;\xc2\xb5s", s * 1e6);
	else if (s < 1)
		fprintf(out, "%.2f&nbsp;ms", s * 1e3);
	else
		fprintf(out, "%.2f&nbsp;s", s);
}

/* ---- what a run says about itself --------------------------------------- */

enum verdict { V_PASS, V_FAIL, V_ERROR };

struct run_view {
	const struct tl_html_run *run;
	struct json_object *scenario; /* the document's parts, NULL when missing */
	struct json_object *events;
	struct json_object *checks;
	struct json_object *series;
	enum verdict verdict;
	const char *id;
	size_t n_checks, n_checks_passed;
	size_t n_packets, n_dropped;
	size_t n_series, n_series_passed;
	size_t n_snapshots;
	double duration_s; /* the last event's time */
};

static const char *verdict_class(enum verdict v)
{
	switch (v) {
	case V_PASS: return "pass";
	case V_FAIL: return "fail";
	case V_ERROR: return "error";
	}
	return "error";
}

static const char *verdict_word(enum verdict v)
{
	switch (v) {
	case V_PASS: return "PASS";
	case V_FAIL: return "FAIL";
	case V_ERROR: return "ERROR";
	}
	return "ERROR";
}

static void view_of(const struct tl_html_run *run, struct run_view *v)
{
	memset(v, 0, sizeof(*v));
	v->run = run;
	struct json_object *doc = run->doc;
	v->scenario = jget(doc, "scenario");
	v->events = jarr(doc, "events");
	v->checks = jarr(doc, "checks");
	v->series = jarr(doc, "series");
	v->id = jstr(v->scenario, "id");
	if (!v->id)
		v->id = run->id ? run->id : run->stem;
	const char *verdict = jstr(doc, "verdict");
	v->verdict = !doc || run->problem || !verdict	? V_ERROR
		     : !strcmp(verdict, "pass")		? V_PASS
		     : !strcmp(verdict, "fail")		? V_FAIL
							: V_ERROR;
	v->n_checks = jlen(v->checks);
	for (size_t i = 0; i < v->n_checks; i++)
		v->n_checks_passed += jbool(jat(v->checks, i), "pass", false);
	v->n_series = jlen(v->series);
	for (size_t i = 0; i < v->n_series; i++)
		v->n_series_passed += jbool(jat(v->series, i), "pass", false);
	for (size_t i = 0; i < jlen(v->events); i++) {
		struct json_object *ev = jat(v->events, i);
		const char *kind = jtext(ev, "kind");
		double t;
		if (!strcmp(kind, "packet")) {
			v->n_packets++;
			v->n_dropped += jbool(ev, "dropped", false);
		}
		v->n_snapshots += !strcmp(kind, "snapshot");
		if (jnum(ev, "t_s", &t) && t > v->duration_s)
			v->duration_s = t;
	}
}

/* ---- style and script ---------------------------------------------------- */

static const char page_css[] =
	":root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--line-soft:#e6eaef;--soft:#f6f8fa;"
	"--pass:#1a7f37;--pass-bg:#dafbe1;--pass-line:#aceebb;--fail:#cf222e;--fail-bg:#ffebe9;"
	"--fail-line:#ffcecb;--err:#9a6700;--err-bg:#fff8c5;--err-line:#eed888;--client:#0969da;"
	"--server:#8250df;--link:#0969da;"
	"--mono:'DejaVu Sans Mono',Menlo,Consolas,'Liberation Mono',monospace}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0;background:#fff;color:var(--ink);"
	"font:14px/1.5 system-ui,-apple-system,'Segoe UI','DejaVu Sans','Helvetica Neue',Arial,sans-serif}\n"
	"a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}\n"
	"code,.mono{font-family:var(--mono);font-size:12px}\n"
	".page{max-width:1240px;margin:0 auto;padding:28px 32px 72px}\n"
	/* header */
	".top{display:flex;justify-content:space-between;align-items:flex-end;gap:24px;flex-wrap:wrap;"
	"border-bottom:1px solid var(--line);padding-bottom:16px}\n"
	".top h1{font-size:26px;line-height:1.2;margin:0 0 6px;letter-spacing:-.01em}\n"
	".top .meta{color:var(--muted);font-size:13px;margin:0}\n"
	".top .meta code{font-size:12px;background:var(--soft);padding:1px 5px;border-radius:4px}\n"
	".verdict-line{font-size:15px;font-weight:600;margin:0}\n"
	".verdict-line.pass{color:var(--pass)}.verdict-line.fail{color:var(--fail)}"
	".verdict-line.error{color:var(--err)}\n"
	".stats{display:flex;gap:12px;margin:20px 0 0;flex-wrap:wrap}\n"
	".stat{border:1px solid var(--line);border-radius:8px;padding:8px 18px 10px;min-width:128px;"
	"background:var(--soft)}\n"
	".stat b{display:block;font-size:26px;line-height:1.25;font-variant-numeric:tabular-nums}\n"
	".stat span{color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.06em;"
	"font-weight:600}\n"
	".stat.pass b{color:var(--pass)}.stat.fail b{color:var(--fail)}.stat.error b{color:var(--err)}\n"
	".stat.zero b{color:#8c959f}\n"
	".ratio{display:flex;height:6px;border-radius:3px;overflow:hidden;background:var(--line-soft);"
	"margin:16px 0 28px}\n"
	".ratio i{display:block}.ratio .pass{background:#2da44e}.ratio .fail{background:#cf222e}"
	".ratio .error{background:#d4a72c}\n"
	"h2{font-size:18px;margin:28px 0 10px}\n"
	/* tables */
	"table{border-collapse:collapse;width:100%}\n"
	"th,td{text-align:left;vertical-align:top;padding:6px 10px;border-bottom:1px solid var(--line-soft)}\n"
	"th{font-size:11.5px;color:var(--muted);font-weight:600;background:var(--soft);white-space:nowrap;"
	"border-bottom:1px solid var(--line)}\n"
	"td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	"td.nowrap{white-space:nowrap}\n"
	".box{border:1px solid var(--line);border-radius:8px;overflow-x:auto}\n"
	".box table tr:last-child td{border-bottom:0}\n"
	".summary td{padding:8px 10px}\n"
	".summary tbody tr:hover{background:#f6f8fa}\n"
	".summary .id a{font-family:var(--mono);font-weight:700;font-size:13px}\n"
	".summary td.id,.summary td.retx{white-space:nowrap}\n"
	".attention{border:1px solid var(--fail-line);border-radius:8px;background:#fffafa;padding:10px 16px;"
	"margin:0 0 8px}\n"
	".attention h2{font-size:15px;margin:0 0 6px;color:var(--fail)}\n"
	".attention ul{margin:0;padding:0;list-style:none}\n"
	".attention li{padding:4px 0;display:flex;gap:10px;align-items:baseline}\n"
	".attention li a{font-family:var(--mono);font-weight:700;white-space:nowrap}\n"
	".attention .why{color:var(--muted);font-size:13px}\n"
	".summary .sec,.runhead .sec{color:var(--muted);font-size:12.5px}\n"
	".muted{color:var(--muted)}.small{font-size:12px}\n"
	".bad{color:var(--fail);font-weight:600}.good{color:var(--pass)}\n"
	/* badges and chips */
	".badge{display:inline-block;font-size:11px;font-weight:700;letter-spacing:.05em;padding:1px 9px;"
	"border-radius:999px;border:1px solid transparent;white-space:nowrap;line-height:18px}\n"
	".badge.pass{color:var(--pass);background:var(--pass-bg);border-color:var(--pass-line)}\n"
	".badge.fail{color:var(--fail);background:var(--fail-bg);border-color:var(--fail-line)}\n"
	".badge.error{color:var(--err);background:var(--err-bg);border-color:var(--err-line)}\n"
	".pill{display:inline-block;font-size:11px;padding:0 7px;border-radius:4px;margin-right:6px;"
	"background:#ddf4ff;color:#0550ae;white-space:nowrap;line-height:18px}\n"
	".pill.re{background:#fff1e5;color:#953800}.pill.drop{background:var(--fail-bg);color:var(--fail);"
	"font-weight:700}\n"
	".st{display:inline-block;font-family:var(--mono);font-size:11.5px;font-weight:700;padding:0 6px;"
	"border-radius:4px;border-left:4px solid #8c959f;background:var(--soft);line-height:18px}\n"
	".st-listen{border-color:#a475f9}.st-syn{border-color:#d4a72c}.st-est{border-color:#2da44e}"
	".st-fin{border-color:#fb8f44}.st-last{border-color:#e85aad}.st-tw{border-color:#8c959f}"
	".st-none{border-color:#d1d9e0;color:var(--muted)}\n"
	".arrow{color:var(--muted);margin:0 4px}\n"
	".side{font-weight:600;font-size:12.5px}.side.client{color:var(--client)}"
	".side.server{color:var(--server)}.side.lab{color:var(--muted)}\n"
	/* run sections */
	".tools{display:none;gap:8px;margin-left:auto}.js .tools{display:flex}\n"
	".tools button{font:inherit;font-size:12.5px;padding:3px 12px;border:1px solid var(--line);"
	"border-radius:6px;background:#fff;color:var(--ink);cursor:pointer}\n"
	".tools button:hover{background:var(--soft)}\n"
	".runs-head{display:flex;align-items:baseline;gap:12px;margin:36px 0 10px}\n"
	".runs-head h2{margin:0}\n"
	"section.run{border:1px solid var(--line);border-left:4px solid var(--pass);border-radius:8px;"
	"margin:12px 0;background:#fff;scroll-margin-top:12px}\n"
	"section.run.fail{border-left-color:var(--fail)}section.run.error{border-left-color:#d4a72c}\n"
	"section.run>details>summary{list-style:none;cursor:pointer;display:grid;"
	"grid-template-columns:14px auto minmax(44px,max-content) 1fr auto;align-items:center;gap:12px;padding:10px 16px;"
	"border-radius:0 7px 7px 0}\n"
	"section.run>details>summary::-webkit-details-marker{display:none}\n"
	"section.run>details>summary:hover{background:var(--soft)}\n"
	"section.run>details[open]>summary{border-bottom:1px solid var(--line-soft);border-radius:0 7px 0 0}\n"
	".chev{color:var(--muted);font-size:12px;transition:transform .15s}\n"
	"details[open]>summary .chev{transform:rotate(90deg)}\n"
	".runhead .rid{font-family:var(--mono);font-weight:700;font-size:14px;white-space:nowrap}\n"
	".runhead .rtitle{font-weight:600;font-size:14.5px}.runhead .rtitle,.runhead .sec{display:block}\n"
	".runhead .rmeta{color:var(--muted);font-size:12px;white-space:nowrap;text-align:right}\n"
	".body{padding:6px 20px 20px}\n"
	".body h3{font-size:12px;text-transform:uppercase;letter-spacing:.07em;color:var(--muted);"
	"margin:24px 0 8px;display:flex;align-items:center;gap:8px}\n"
	".body h3 .count{background:var(--line-soft);color:var(--ink);border-radius:999px;padding:0 7px;"
	"font-size:11px;letter-spacing:0}\n"
	".lead{display:flex;justify-content:space-between;gap:16px;flex-wrap:wrap;align-items:baseline;"
	"margin:10px 0 0}\n"
	".lead p{margin:0}\n"
	".files a{display:inline-block;font-size:12.5px;border:1px solid var(--line);border-radius:6px;"
	"padding:1px 10px;margin-left:6px;background:#fff}\n"
	".files a:hover{background:var(--soft);text-decoration:none}\n"
	".explain{background:#f6f8fa;border:1px solid var(--line-soft);border-radius:8px;padding:10px 14px;"
	"margin:14px 0 0;max-width:980px}\n"
	".explain b{display:block;font-size:12px;text-transform:uppercase;letter-spacing:.07em;"
	"color:var(--muted);margin-bottom:2px}\n"
	".explain p{margin:0}\n"
	".alert{border:1px solid var(--err-line);background:var(--err-bg);border-radius:8px;padding:10px 14px;"
	"margin:14px 0 0}\n"
	".alert.fail{border-color:var(--fail-line);background:var(--fail-bg)}\n"
	/* checks */
	".checks{table-layout:fixed}.checks th:nth-child(1){width:76px}.checks th:nth-child(2){width:160px}\n"
	".checks .what{font-weight:600}.checks .what div{font-weight:400}\n"
	".checks td.mono{overflow-wrap:anywhere}\n"
	".checks tr.failed td{background:#fff8f8}\n"
	".checks .diff{color:var(--fail);font-size:12px;margin-top:2px}\n"
	/* ladder */
	".ladder{border:1px solid var(--line);border-radius:8px;padding:8px;text-align:center;overflow-x:auto;"
	"background:#fff}\n"
	".ladder svg{max-width:100%;height:auto;display:block;margin:0 auto}\n"
	/* series */
	".series{border:1px solid var(--line);border-radius:8px;margin:0 0 14px;overflow:hidden}\n"
	".series-head{display:flex;gap:10px;align-items:center;padding:8px 12px;background:var(--soft);"
	"border-bottom:1px solid var(--line)}\n"
	".series-head b{font-size:13.5px}\n"
	".series-foot{padding:8px 12px;font-size:13px;border-top:1px solid var(--line-soft)}\n"
	".series-foot p{margin:3px 0}\n"
	".series td.ok{color:var(--pass);font-weight:600}.series td.off{color:var(--fail);font-weight:700}\n"
	".series td.walk{color:#6639ba}\n"
	".series tr.missing td{color:var(--muted);font-style:italic}\n"
	/* snapshots */
	".snaps{display:grid;gap:14px}\n"
	".snap .cap{font-size:13px;padding:6px 10px;background:var(--soft);border-bottom:1px solid var(--line)}\n"
	".snap td,.snap th{padding:4px 10px}.snap table{table-layout:fixed}\n"
	".snap th:nth-child(1),.snap th:nth-child(2){width:20%}.snap th:nth-child(3){width:18%}"
	".snap th:nth-child(4),.snap th:nth-child(5),.snap th:nth-child(7){width:9%}\n"
	/* timeline */
	".timeline td{padding:4px 10px}.timeline td.e{font-size:13px}\n"
	".timeline td.t{font-family:var(--mono);font-size:12px;white-space:nowrap;color:#424a53;width:92px}\n"
	".timeline td.k{color:var(--muted);font-size:11.5px;white-space:nowrap;width:64px}\n"
	".timeline td.s{width:64px}\n"
	".timeline td.e code{overflow-wrap:anywhere}\n"
	".timeline tr.packet td.e code{color:#1f2328}\n"
	".timeline tr.dropped td{background:#fff5f5}\n"
	".timeline tr.state td{background:#fbfcfd}\n"
	".timeline tr.note td.e{font-style:italic;color:#57606a}\n"
	".timeline .why{color:var(--muted);font-size:12px;margin-left:6px}\n"
	".timeline .failed{color:var(--fail)}\n"
	".settings{margin-top:24px}\n"
	".settings>summary{cursor:pointer;color:var(--muted);font-size:12.5px}\n"
	".kv{display:grid;grid-template-columns:repeat(auto-fill,minmax(340px,1fr));gap:2px 24px;"
	"margin:8px 0 0;padding:10px 14px;border:1px solid var(--line-soft);border-radius:8px}\n"
	".kv code{font-size:11.5px}\n"
	"footer{margin-top:40px;color:var(--muted);font-size:12px;border-top:1px solid var(--line);"
	"padding-top:12px}\n"
	"@media (max-width:760px){.page{padding:16px}"
	"section.run>details>summary{grid-template-columns:14px auto 1fr}"
	".runhead .rid,.runhead .rmeta{display:none}}\n"
	"@media print{.tools{display:none!important}section.run{break-inside:avoid-page}}\n";

/* Opens the sections a link points into; #all opens every section; printing opens everything. */
static const char page_js[] =
	"(function(){\n"
	"var runs=function(){return document.querySelectorAll('section.run>details');};\n"
	"var setAll=function(open){runs().forEach(function(d){d.open=open;});};\n"
	"var reveal=function(){\n"
	"  var h=decodeURIComponent(location.hash.slice(1));\n"
	"  if(h==='all'){setAll(true);return;}\n"
	"  var el=h&&document.getElementById(h);if(!el)return;\n"
	"  var d=el.querySelector(':scope>details');if(d)d.open=true;\n"
	"  for(var p=el.parentElement;p;p=p.parentElement)if(p.tagName==='DETAILS')p.open=true;\n"
	"  el.scrollIntoView();\n"
	"};\n"
	"document.getElementById('open-all').addEventListener('click',function(){setAll(true);});\n"
	"document.getElementById('close-all').addEventListener('click',function(){setAll(false);});\n"
	"window.addEventListener('hashchange',reveal);\n"
	"window.addEventListener('beforeprint',function(){setAll(true);});\n"
	"reveal();\n"
	"})();\n";

/* ---- the header and the summary table ------------------------------------ */

/* The timer profile every run had, or NULL when they differ or none is known. */
static const char *common_profile(const struct run_view *v, size_t n)
{
	const char *profile = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *p = jstr(jget(v[i].run->doc, "settings"), "timer_profile");
		if (!p)
			continue;
		if (profile && strcmp(profile, p))
			return NULL;
		profile = p;
	}
	return profile;
}

static void put_stat(FILE *out, const char *cls, size_t value, const char *label)
{
	fprintf(out, "<div class=\"stat %s%s\"><b>%zu</b><span>%s</span></div>\n", cls, value ? "" : " zero", value,
		label);
}

static void put_header(FILE *out, const struct tl_html_page *page, const struct run_view *v, size_t n)
{
	size_t count[3] = { 0 };
	for (size_t i = 0; i < n; i++)
		count[v[i].verdict]++;
	enum verdict overall = count[V_ERROR] ? V_ERROR : count[V_FAIL] ? V_FAIL : V_PASS;
	const char *profile = common_profile(v, n);

	put(out, "<header class=\"top\"><div>\n");
	el(out, "h1", NULL, page->title ? page->title : "tcplab report");
	put(out, "<p class=\"meta\">");
	const char *parts[3] = { page->runner, profile, page->generated };
	bool first = true;
	for (size_t i = 0; i < 3; i++) {
		if (!parts[i])
			continue;
		if (!first)
			put(out, " &middot; ");
		if (i == 1)
			put(out, "timers ");
		esc(out, parts[i]);
		first = false;
	}
	put(out, "</p>\n");
	if (page->command) {
		put(out, "<p class=\"meta\">made by <code>");
		esc(out, page->command);
		put(out, "</code></p>\n");
	}
	put(out, "</div>\n");
	fprintf(out, "<p class=\"verdict-line %s\">", verdict_class(overall));
	if (n == 0)
		put(out, "No scenario ran");
	else if (overall == V_PASS && n <= 2)
		put(out, n == 1 ? "The scenario passed" : "Both scenarios passed");
	else if (overall == V_PASS)
		fprintf(out, "All %zu scenarios passed", n);
	else if (n == 1)
		put(out, "The scenario did not pass");
	else
		fprintf(out, "%zu of %zu scenarios did not pass", count[V_FAIL] + count[V_ERROR], n);
	put(out, "</p>\n</header>\n");

	put(out, "<div class=\"stats\">\n");
	put_stat(out, "", n, "scenarios");
	put_stat(out, "pass", count[V_PASS], "passed");
	put_stat(out, "fail", count[V_FAIL], "failed");
	put_stat(out, "error", count[V_ERROR], "errors");
	put(out, "</div>\n<div class=\"ratio\" role=\"presentation\">");
	for (int k = V_PASS; k <= V_ERROR && n; k++)
		if (count[k])
			fprintf(out, "<i class=\"%s\" style=\"width:%.3f%%\"></i>", verdict_class((enum verdict)k),
				100.0 * (double)count[k] / (double)n);
	put(out, "</div>\n");
}

/* Why a run did not pass, in one line: its error, or its first failed check or series. */
static void put_reason(FILE *out, const struct run_view *r)
{
	const char *error = r->run->problem ? r->run->problem : jstr(r->run->doc, "error");
	if (error || !r->run->doc) {
		esc(out, error ? error : "the run left no document");
		return;
	}
	for (size_t i = 0; i < r->n_checks; i++) {
		struct json_object *c = jat(r->checks, i);
		if (jbool(c, "pass", true))
			continue;
		esc(out, jtext(c, "what"));
		fprintf(out, " (line %" PRId64 "): ", jint(c, "line", 0));
		esc(out, jtext(c, "difference"));
		return;
	}
	for (size_t i = 0; i < r->n_series; i++) {
		struct json_object *s = jat(r->series, i);
		if (jbool(s, "pass", true))
			continue;
		esc(out, jtext(s, "title"));
		put(out, ": ");
		esc(out, jtext(s, "problem"));
		return;
	}
}

/* The runs that did not pass, each with its first reason, before the long table. */
static void put_attention(FILE *out, const struct run_view *v, size_t n)
{
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += v[i].verdict != V_PASS;
	if (!bad)
		return;
	fprintf(out, "<div class=\"attention\"><h2>%s</h2><ul>\n", bad == 1 ? "Did not pass" : "These did not pass");
	for (size_t i = 0; i < n; i++) {
		const struct run_view *r = &v[i];
		if (r->verdict == V_PASS)
			continue;
		fprintf(out, "<li><span class=\"badge %s\">%s</span><a href=\"#run-", verdict_class(r->verdict),
			verdict_word(r->verdict));
		esc(out, r->run->stem);
		put(out, "\">");
		esc(out, r->id);
		put(out, "</a><span>");
		esc(out, jtext(r->scenario, "title"));
		put(out, " <span class=\"why\">&mdash; ");
		put_reason(out, r);
		put(out, "</span></span></li>\n");
	}
	put(out, "</ul></div>\n");
}

/*
 * The run's time as the terminal's summary prints it (the whole run, the
 * namespace's set-up included), and the timeline's span beside it: two
 * quantities, each named, so neither reads as the other.
 */
static void put_times(FILE *out, const struct run_view *r)
{
	if (r->run->wall_s >= 0) {
		fprintf(out, "%.2f&nbsp;s", r->run->wall_s);
		if (r->run->doc) {
			put(out, " <span class=\"small muted\">(timeline ");
			put_duration(out, r->duration_s);
			put(out, ")</span>");
		}
	} else if (r->run->doc) {
		put(out, "timeline ");
		put_duration(out, r->duration_s);
	}
}

static void put_summary(FILE *out, const struct run_view *v, size_t n)
{
	put(out, "<h2>Summary</h2>\n<div class=\"box\"><table class=\"summary\">\n<thead><tr><th>ID</th><th>result</th>"
		 "<th>scenario and the walkthrough's section</th><th class=\"num\">checks</th>"
		 "<th>retransmissions</th><th class=\"num\">packets</th><th class=\"num\">time</th></tr></thead>\n"
		 "<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		const struct run_view *r = &v[i];
		put(out, "<tr><td class=\"id\"><a href=\"#run-");
		esc(out, r->run->stem);
		put(out, "\">");
		esc(out, r->id);
		fprintf(out, "</a></td><td><span class=\"badge %s\">%s</span></td><td>", verdict_class(r->verdict),
			verdict_word(r->verdict));
		el(out, "div", NULL, r->run->doc ? jtext(r->scenario, "title") : "no result");
		const char *section = jtext(r->scenario, "section");
		if (section[0])
			el(out, "div", "sec", section);
		put(out, "</td>");
		if (r->n_checks)
			fprintf(out, "<td class=\"num%s\">%zu/%zu</td>", r->n_checks_passed < r->n_checks ? " bad" : "",
				r->n_checks_passed, r->n_checks);
		else
			put(out, "<td class=\"num muted\">&ndash;</td>");
		if (!r->n_series)
			put(out, "<td class=\"muted\">&ndash;</td>");
		else if (r->n_series_passed == r->n_series)
			fprintf(out, "<td class=\"retx\">%zu series, <span class=\"good\">as predicted</span></td>",
				r->n_series);
		else
			fprintf(out, "<td class=\"retx bad\">%zu of %zu differ</td>", r->n_series - r->n_series_passed,
				r->n_series);
		fprintf(out, "<td class=\"num\">%zu", r->n_packets);
		if (r->n_dropped)
			fprintf(out, " <span class=\"small muted\">(%zu dropped)</span>", r->n_dropped);
		put(out, "</td><td class=\"num\">");
		put_times(out, r);
		put(out, "</td></tr>\n");
	}
	put(out, "</tbody></table></div>\n");
}

/* ---- one run: checks ------------------------------------------------------ */

/* An expected or observed list may be empty: no packets at all. */
static void put_or_none(FILE *out, const char *text)
{
	if (text[0])
		esc(out, text);
	else
		put(out, "<span class=\"muted\">(none)</span>");
}

static void put_checks(FILE *out, const struct run_view *r)
{
	fprintf(out, "<h3>Checks <span class=\"count\">%zu/%zu passed</span></h3>\n", r->n_checks_passed,
		r->n_checks);
	if (!r->n_checks) {
		el(out, "p", "muted", "The run was not checked.");
		return;
	}
	put(out, "<div class=\"box\"><table class=\"checks\">\n<thead><tr><th>result</th><th>check</th>"
		 "<th>expected</th><th>observed</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < r->n_checks; i++) {
		struct json_object *c = jat(r->checks, i);
		bool pass = jbool(c, "pass", false);
		fprintf(out, "<tr%s><td><span class=\"badge %s\">%s</span></td><td class=\"what\">", pass ? "" : " class=\"failed\"",
			pass ? "pass" : "fail", pass ? "PASS" : "FAIL");
		esc(out, jtext(c, "what"));
		fprintf(out, "<div class=\"small muted\">line %" PRId64 "</div></td><td class=\"mono\">", jint(c, "line", 0));
		put_or_none(out, jtext(c, "expected"));
		put(out, "</td><td class=\"mono\">");
		put_or_none(out, jtext(c, "observed"));
		if (!pass && jstr(c, "difference"))
			el(out, "div", "diff", jstr(c, "difference"));
		put(out, "</td></tr>\n");
	}
	put(out, "</tbody></table></div>\n");
}

/* ---- one run: the ladder --------------------------------------------------- */

static void put_ladder(FILE *out, const struct run_view *r)
{
	put(out, "<h3>Ladder diagram</h3>\n");
	const char *svg = r->run->svg ? strstr(r->run->svg, "<svg") : NULL;
	if (!svg) {
		el(out, "p", "muted", "No diagram: the run left no picture.");
		return;
	}
	/* From <svg on: an XML declaration has no place inside HTML. */
	put(out, "<div class=\"ladder\">\n");
	put(out, svg);
	put(out, "</div>\n");
}

/* ---- one run: retransmission series ---------------------------------------- */

static void put_opt_seconds(FILE *out, struct json_object *o, const char *key)
{
	double s;
	if (jnum(o, key, &s))
		put_seconds(out, s, 3);
	else
		put(out, "&ndash;");
}

static void put_series_one(FILE *out, struct json_object *s)
{
	bool pass = jbool(s, "pass", false);
	struct json_object *sends = jarr(s, "sends"), *gaps = jarr(s, "walkthrough_gaps_s");
	/* The walkthrough's gaps belong beside each send, except for SYN-ACKs, whose
	 * sends interleave timer firings and answers to duplicate SYNs. */
	bool per_row = strcmp(jtext(s, "kind"), "syn-ack") && jlen(gaps);
	put(out, "<div class=\"series\"><div class=\"series-head\">");
	el(out, "b", NULL, jtext(s, "title"));
	fprintf(out, "<span class=\"badge %s\">%s</span></div>\n", pass ? "pass" : "fail",
		pass ? "AS PREDICTED" : "DIFFERS");
	put(out, "<table><thead><tr><th class=\"num\">#</th><th>send</th><th class=\"num\">at (s)</th>"
		 "<th class=\"num\">gap (s)</th><th class=\"num\">predicted (s)</th><th class=\"num\">predicted gap (s)</th>");
	if (per_row)
		put(out, "<th class=\"num\">walkthrough gap (s)</th>");
	put(out, "<th>against the model</th></tr></thead><tbody>\n");
	size_t n = jlen(sends);
	for (size_t i = 0; i < n; i++) {
		struct json_object *x = jat(sends, i);
		bool predicted = jbool(x, "predicted", false), ok = jbool(x, "ok", false);
		fprintf(out, "<tr><td class=\"num\">%zu</td><td>", i);
		esc(out, jtext(x, "what"));
		put(out, "</td><td class=\"num\">");
		put_opt_seconds(out, x, "at_s");
		put(out, "</td><td class=\"num\">");
		put_opt_seconds(out, x, "gap_s");
		put(out, "</td><td class=\"num\">");
		put_opt_seconds(out, x, "predicted_at_s");
		put(out, "</td><td class=\"num\">");
		put_opt_seconds(out, x, "predicted_gap_s");
		put(out, "</td>");
		if (per_row) {
			double g;
			struct json_object *gap = i ? jat(gaps, i - 1) : NULL;
			put(out, "<td class=\"num walk\">");
			if (gap && (json_object_is_type(gap, json_type_double) || json_object_is_type(gap, json_type_int))) {
				g = json_object_get_double(gap);
				fprintf(out, "%g", g);
			}
			put(out, "</td>");
		}
		fprintf(out, "<td class=\"%s\">%s</td></tr>\n", predicted && ok ? "ok" : "off",
			!predicted ? "not predicted" : ok ? "ok" : "off");
	}
	int64_t predicted_sends = jint(s, "predicted_sends", 0);
	const char *end = jstr(s, "end");
	bool gave_up_end = !end || !strcmp(end, "gave up");
	if (gave_up_end && predicted_sends > (int64_t)n)
		fprintf(out, "<tr class=\"missing\"><td></td><td colspan=\"%d\">the model predicts %" PRId64
			" more send%s</td></tr>\n",
			per_row ? 7 : 6, predicted_sends - (int64_t)n, predicted_sends - (int64_t)n == 1 ? "" : "s");
	put(out, "</tbody></table>\n<div class=\"series-foot\">\n<p>");
	double gave_up, predicted_end = 0;
	bool have_end = jnum(s, "predicted_give_up_s", &predicted_end);
	double end_s = 0;
	if (jnum(s, "gave_up_s", &gave_up)) {
		fprintf(out, "<b>Gave up at %.3f s</b>", gave_up);
		if (have_end)
			fprintf(out, ", predicted %.3f s", predicted_end);
	} else if (!gave_up_end && jnum(s, "end_s", &end_s)) {
		/* Acknowledged, reset or cut off: the give-up is what would have come. */
		fprintf(out, "<b>%c%s at %.3f s</b> after %zu send%s", toupper((unsigned char)end[0]), end + 1, end_s, n,
			n == 1 ? "" : "s");
		if (have_end)
			fprintf(out, "; had it gone on, the give-up was predicted at %.3f s", predicted_end);
	} else if (have_end) {
		fprintf(out, "<b>Predicted give-up at %.3f s</b> (not seen in the run)", predicted_end);
	}
	if (jstr(s, "give_up_why")) {
		put(out, ": ");
		esc(out, jstr(s, "give_up_why"));
	}
	put(out, "</p>\n");
	if (jlen(gaps)) {
		put(out, "<p><span class=\"muted\">The walkthrough's gaps:</span> ");
		for (size_t i = 0; i < jlen(gaps); i++)
			fprintf(out, "%s%g", i ? ", " : "", json_object_get_double(jat(gaps, i)));
		put(out, " s</p>\n");
	}
	if (jstr(s, "versus_walkthrough")) {
		put(out, "<p><span class=\"muted\">Versus the walkthrough:</span> ");
		esc(out, jstr(s, "versus_walkthrough"));
		put(out, "</p>\n");
	}
	if (!pass && jstr(s, "problem")) {
		put(out, "<p class=\"bad\">Differs from the model: ");
		esc(out, jstr(s, "problem"));
		put(out, "</p>\n");
	}
	put(out, "</div></div>\n");
}

static void put_series(FILE *out, const struct run_view *r)
{
	fprintf(out, "<h3>Retransmissions <span class=\"count\">%zu</span></h3>\n", r->n_series);
	if (!jarr(r->run->doc, "series")) {
		el(out, "p", "muted", "Not analysed in this run.");
		return;
	}
	if (!r->n_series) {
		el(out, "p", "muted", "No SYN, SYN-ACK or FIN was sent more than once.");
		return;
	}
	for (size_t i = 0; i < r->n_series; i++)
		put_series_one(out, jat(r->series, i));
}

/* How long orphaned FIN-WAIT-2 and TIME-WAIT lasted, against their timers. */
static void put_lingers(FILE *out, const struct run_view *r)
{
	struct json_object *lingers = jarr(r->run->doc, "linger_timers");
	if (!jlen(lingers))
		return;
	fprintf(out, "<h3>Linger timers <span class=\"count\">%zu</span></h3>\n", jlen(lingers));
	put(out, "<div class=\"series\"><table><thead><tr><th>stay</th><th class=\"num\">entered (s)</th>"
		 "<th class=\"num\">lasted (s)</th><th class=\"num\">predicted (s)</th><th>ended by</th>"
		 "<th>against the model</th><th>rule</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < jlen(lingers); i++) {
		struct json_object *l = jat(lingers, i);
		double entered = 0, lasted = 0, predicted = 0;
		jnum(l, "entered_s", &entered);
		jnum(l, "lasted_s", &lasted);
		jnum(l, "predicted_s", &predicted);
		bool pass = jbool(l, "pass", false);
		put(out, "<tr><td>");
		esc(out, jstr(l, "title"));
		fprintf(out, "</td><td class=\"num\">%.3f</td><td class=\"num\">%.3f</td><td class=\"num\">%.3f</td><td>",
			entered, lasted, predicted);
		esc(out, jstr(l, "ended_by"));
		fprintf(out, "</td><td class=\"%s\">", pass ? "ok" : "off");
		esc(out, pass ? "ok" : jstr(l, "problem"));
		put(out, "</td><td>");
		esc(out, jstr(l, "why"));
		put(out, "</td></tr>\n");
	}
	put(out, "</tbody></table></div>\n");
}

/* ---- one run: states, snapshots, timeline ----------------------------------- */

static const char *state_class(const char *st)
{
	static const struct {
		const char *name, *cls;
	} map[] = {
		{ "LISTEN", "st-listen" },   { "SYN_SENT", "st-syn" },	   { "SYN_RECV", "st-syn" },
		{ "NEW_SYN_RECV", "st-syn" }, { "ESTABLISHED", "st-est" },  { "FIN_WAIT1", "st-fin" },
		{ "FIN_WAIT2", "st-fin" },   { "CLOSING", "st-fin" },	   { "CLOSE_WAIT", "st-last" },
		{ "LAST_ACK", "st-last" },   { "TIME_WAIT", "st-tw" },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(st, map[i].name))
			return map[i].cls;
	return "st-none";
}

static void put_state(FILE *out, const char *st)
{
	fprintf(out, "<span class=\"st %s\">", state_class(st));
	esc(out, st);
	put(out, "</span>");
}

/* "127.0.0.1:2017" or "[::1]:2017" from a tuple's s or d end. */
static void put_endpoint(FILE *out, struct json_object *tuple, bool source)
{
	char ep[TL_ENDPOINT_STRLEN];
	int64_t port = jint(tuple, source ? "sport" : "dport", 0);
	tl_host_port_format(jtext(tuple, source ? "saddr" : "daddr"), (uint16_t)port, ep, sizeof(ep));
	esc(out, ep);
}

/* An endpoint as the terminal's snapshot (and netstat) prints it: port 0, a listener's peer, as "*". */
static void put_row_endpoint(FILE *out, const char *ep)
{
	size_t n = strlen(ep);
	if (n >= 2 && !strcmp(ep + n - 2, ":0")) {
		char shown[64];
		snprintf(shown, sizeof(shown), "%.*s:*", (int)(n - 2), ep);
		esc(out, shown);
		return;
	}
	esc(out, ep);
}

static void put_snapshot_rows(FILE *out, struct json_object *rows)
{
	put(out, "<table><thead><tr><th>local</th><th>remote</th><th>state</th><th class=\"num\">Recv-Q</th>"
		 "<th class=\"num\">Send-Q</th><th>timer</th><th class=\"num\">retrans</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < jlen(rows); i++) {
		struct json_object *row = jat(rows, i);
		put(out, "<tr><td class=\"mono\">");
		put_row_endpoint(out, jtext(row, "local"));
		put(out, "</td><td class=\"mono\">");
		put_row_endpoint(out, jtext(row, "remote"));
		put(out, "</td><td>");
		put_state(out, jtext(row, "state"));
		fprintf(out, "</td><td class=\"num\">%" PRId64 "</td><td class=\"num\">%" PRId64 "</td><td class=\"nowrap\">",
			jint(row, "recv_q", 0), jint(row, "send_q", 0));
		const char *timer = jtext(row, "timer");
		esc(out, timer);
		if (strcmp(timer, "off"))
			fprintf(out, " <span class=\"muted\">(%.2f s)</span>", (double)jint(row, "timer_ms", 0) / 1e3);
		fprintf(out, "</td><td class=\"num\">%" PRId64 "</td></tr>\n", jint(row, "retrans", 0));
	}
	if (!jlen(rows))
		put(out, "<tr><td colspan=\"7\" class=\"muted\">no socket</td></tr>\n");
	put(out, "</tbody></table>\n");
}

static void put_snapshots(FILE *out, const struct run_view *r)
{
	fprintf(out, "<h3>Socket snapshots <span class=\"count\">%zu</span></h3>\n", r->n_snapshots);
	if (!r->n_snapshots) {
		el(out, "p", "muted", "The scenario takes no snapshot.");
		return;
	}
	put(out, "<div class=\"snaps\">\n");
	size_t k = 0;
	for (size_t i = 0; i < jlen(r->events); i++) {
		struct json_object *ev = jat(r->events, i);
		if (strcmp(jtext(ev, "kind"), "snapshot"))
			continue;
		double t = 0;
		jnum(ev, "t_s", &t);
		put(out, "<div class=\"snap box\" id=\"run-");
		esc(out, r->run->stem);
		fprintf(out, "-snap-%zu\"><div class=\"cap\"><span class=\"muted\">at %.6f s</span> &middot; ", ++k, t);
		const char *label = jtext(ev, "label");
		esc(out, label[0] ? label : "snapshot");
		put(out, "</div>\n");
		put_snapshot_rows(out, jarr(ev, "rows"));
		put(out, "</div>\n");
	}
	put(out, "</div>\n");
}

/* "handshake-1/3" -> "handshake 1/3", "dup-ack" -> "dup ACK"; "none" -> "". A name this build does not know stays as it is. */
static void role_words(const char *role, char *out, size_t len)
{
	enum tl_role r;
	tl_textf(out, len, "%s", tl_role_parse(role, &r) ? tl_role_words(r) : role);
}

static void put_packet_event(FILE *out, struct json_object *ev)
{
	char role[48];
	role_words(jtext(ev, "role"), role, sizeof(role));
	int64_t retrans_no = jint(ev, "retrans_no", 0);
	if (retrans_no) {
		fprintf(out, "<span class=\"pill re\">retransmission #%" PRId64 "%s", retrans_no, role[0] ? " of " : "");
		esc(out, role);
		fprintf(out, ", %.3f s later</span>", (double)jint(ev, "resend_gap_ns", 0) / 1e9);
	} else if (role[0]) {
		el(out, "span", "pill", role);
	}
	if (jbool(ev, "dropped", false)) {
		put(out, "<span class=\"pill drop\">DROPPED");
		if (jstr(ev, "drop_rule")) {
			put(out, " by ");
			esc(out, jstr(ev, "drop_rule"));
		}
		put(out, "</span>");
	}
	el(out, "code", NULL, jstr(ev, "text") ? jstr(ev, "text") : "(packet)");
}

static void put_state_event(FILE *out, struct json_object *ev)
{
	const char *from = jtext(ev, "from"), *source = jtext(ev, "source"), *why = jstr(ev, "why");
	if (!strcmp(from, "NONE")) {
		put(out, "seen in ");
	} else {
		put_state(out, from);
		put(out, "<span class=\"arrow\">&rarr;</span>");
	}
	put_state(out, jtext(ev, "to"));
	bool tag = source[0] && strcmp(source, "tracepoint");
	if (tag || why) {
		put(out, "<span class=\"why\">(");
		if (tag)
			esc(out, source);
		if (tag && why)
			put(out, ": ");
		esc(out, why);
		put(out, ")</span>");
	}
}

/* The counters that grew during the run, as nstat names them; the JSON holds them all. */
static void put_counters(FILE *out, struct json_object *counters)
{
	size_t changed = 0;
	put(out, "TCP counters over the run (nstat's names):");
	json_object_object_foreach(counters, name, value)
	{
		int64_t delta = json_object_get_int64(value);
		if (!delta)
			continue;
		put(out, changed++ ? ", " : " ");
		put(out, "<code>");
		esc(out, name);
		fprintf(out, " %+" PRId64 "</code>", delta);
	}
	if (!changed)
		put(out, " none changed");
}

static void put_event(FILE *out, const struct run_view *r, struct json_object *ev, size_t *snapshot_no)
{
	const char *kind = jtext(ev, "kind");
	struct json_object *tuple = jget(ev, "tuple");
	if (!strcmp(kind, "packet")) {
		put_packet_event(out, ev);
	} else if (!strcmp(kind, "state")) {
		put_state_event(out, ev);
	} else if (!strcmp(kind, "app")) {
		bool failed = jint(ev, "ret", 0) < 0 && jstr(ev, "errno");
		el(out, "code", failed ? "failed" : NULL, jtext(ev, "text"));
	} else if (!strcmp(kind, "snapshot")) {
		struct json_object *rows = jarr(ev, "rows");
		const char *label = jtext(ev, "label");
		put(out, "<a href=\"#run-");
		esc(out, r->run->stem);
		fprintf(out, "-snap-%zu\">snapshot", ++*snapshot_no);
		if (label[0]) {
			put(out, " ");
			esc(out, label);
		}
		fprintf(out, "</a>: %zu socket%s", jlen(rows), jlen(rows) == 1 ? "" : "s");
	} else if (!strcmp(kind, "retrans")) {
		put(out, "kernel retransmits ");
		esc(out, jtext(ev, "retrans_of"));
		put(out, " in ");
		put_state(out, jtext(ev, "state"));
	} else if (!strcmp(kind, "reset")) {
		const char *state = jtext(ev, "state");
		if (jbool(ev, "sent", false)) {
			put(out, "kernel sends RST <code>");
			put_endpoint(out, tuple, true);
			put(out, " &gt; ");
			put_endpoint(out, tuple, false);
			put(out, "</code> ");
			if (!strcmp(state, "NONE"))
				put(out, "(no socket there)");
			else {
				put(out, "from ");
				put_state(out, state);
			}
		} else {
			put(out, "socket <code>");
			put_endpoint(out, tuple, true);
			put(out, "</code> in ");
			put_state(out, state);
			put(out, " receives RST");
		}
	} else if (!strcmp(kind, "drop")) {
		put(out, "firewall drops <code>");
		put_endpoint(out, tuple, true);
		put(out, " &gt; ");
		put_endpoint(out, tuple, false);
		put(out, "</code>");
		if (jstr(ev, "rule")) {
			put(out, " by ");
			esc(out, jstr(ev, "rule"));
		}
	} else if (!strcmp(kind, "counters")) {
		put_counters(out, json_object_object_get(ev, "counters"));
	} else {
		esc(out, jtext(ev, "text"));
	}
}

static const char *kind_label(const char *kind)
{
	if (!strcmp(kind, "app"))
		return "call";
	if (!strcmp(kind, "retrans") || !strcmp(kind, "reset") || !strcmp(kind, "drop"))
		return "kernel";
	return kind;
}

static void put_timeline(FILE *out, const struct run_view *r)
{
	size_t n = jlen(r->events), snapshot_no = 0;
	fprintf(out, "<h3>Timeline <span class=\"count\">%zu event%s</span></h3>\n", n, n == 1 ? "" : "s");
	if (!n) {
		el(out, "p", "muted", "Nothing was recorded.");
		return;
	}
	put(out, "<div class=\"box\"><table class=\"timeline\">\n<thead><tr><th>time (s)</th><th>side</th><th>kind</th>"
		 "<th>event</th></tr></thead><tbody>\n");
	for (size_t i = 0; i < n; i++) {
		struct json_object *ev = jat(r->events, i);
		const char *kind = jtext(ev, "kind"), *side = jtext(ev, "side");
		int64_t t_ns = jint(ev, "t_ns", 0);
		bool dropped = !strcmp(kind, "packet") && jbool(ev, "dropped", false);
		put(out, "<tr class=\"");
		esc(out, kind);
		fprintf(out, "%s\"><td class=\"t\">%s%" PRId64 ".%06" PRId64 "</td><td class=\"s\"><span class=\"side ",
			dropped ? " dropped" : "", t_ns < 0 ? "-" : "", (t_ns < 0 ? -t_ns : t_ns) / 1000000000,
			(t_ns < 0 ? -t_ns : t_ns) % 1000000000 / 1000);
		esc(out, side);
		put(out, "\">");
		esc(out, side);
		put(out, "</span></td><td class=\"k\">");
		esc(out, kind_label(kind));
		put(out, "</td><td class=\"e\">");
		put_event(out, r, ev, &snapshot_no);
		put(out, "</td></tr>\n");
	}
	put(out, "</tbody></table></div>\n");
}

/* The timer profile, the namespace's sysctls as read back, the scenario's own. */
static void put_settings(FILE *out, const struct run_view *r)
{
	struct json_object *settings = jget(r->run->doc, "settings");
	struct json_object *ns = jarr(settings, "sysctls"), *own = jarr(r->scenario, "sysctls");
	put(out, "<details class=\"settings\"><summary>Lab settings: ");
	if (jstr(settings, "timer_profile")) {
		put(out, "timers ");
		esc(out, jstr(settings, "timer_profile"));
		put(out, ", ");
	}
	fprintf(out, "%zu sysctl%s read back from the namespace", jlen(ns), jlen(ns) == 1 ? "" : "s");
	if (jlen(own))
		fprintf(out, ", %zu set by the scenario", jlen(own));
	put(out, "; scenario file <code>");
	esc(out, jtext(r->scenario, "path"));
	put(out, "</code></summary>\n<div class=\"kv\">\n");
	for (size_t i = 0; i < jlen(ns); i++) {
		struct json_object *s = jat(ns, i);
		put(out, "<code>");
		esc(out, jtext(s, "name"));
		put(out, " = ");
		esc(out, jtext(s, "value"));
		put(out, "</code>\n");
	}
	for (size_t i = 0; i < jlen(own); i++) {
		struct json_object *s = jat(own, i);
		put(out, "<code>");
		esc(out, jtext(s, "name"));
		put(out, " = ");
		esc(out, jtext(s, "value"));
		put(out, " <span class=\"muted\">(scenario)</span></code>\n");
	}
	put(out, "</div></details>\n");
}

static void put_file_link(FILE *out, const char *href, const char *label)
{
	if (!href)
		return;
	put(out, "<a href=\"");
	esc(out, href);
	put(out, "\">");
	esc(out, label);
	put(out, "</a>");
}

/* open: the section starts unfolded (a run that did not pass, or the first of a page where all passed). */
static void put_run(FILE *out, const struct run_view *r, bool open)
{
	const struct tl_html_run *run = r->run;
	const char *title = jtext(r->scenario, "title"), *section = jtext(r->scenario, "section");
	fprintf(out, "<section class=\"run %s\" id=\"run-", verdict_class(r->verdict));
	esc(out, run->stem);
	fprintf(out, "\">\n<details%s>\n<summary class=\"runhead\"><span class=\"chev\">&#9654;</span>"
		     "<span class=\"badge %s\">%s</span>",
		open ? " open" : "", verdict_class(r->verdict), verdict_word(r->verdict));
	el(out, "span", "rid", r->id);
	put(out, "<span>");
	el(out, "span", "rtitle", title[0] ? title : r->id);
	if (section[0])
		el(out, "span", "sec", section);
	put(out, "</span><span class=\"rmeta\">");
	if (run->doc) {
		fprintf(out, "%zu/%zu checks &middot; %zu packet%s", r->n_checks_passed, r->n_checks, r->n_packets,
			r->n_packets == 1 ? "" : "s");
		if (r->n_dropped)
			fprintf(out, " (%zu dropped)", r->n_dropped);
		put(out, " &middot; ");
		put_times(out, r);
	}
	put(out, "</span></summary>\n<div class=\"body\">\n");

	put(out, "<div class=\"lead\"><p>");
	if (section[0]) {
		put(out, "Reproduces the walkthrough's <b>");
		esc(out, section);
		put(out, "</b>.");
	} else {
		put(out, "<span class=\"muted\">The scenario names no section of the walkthrough.</span>");
	}
	put(out, "</p><p class=\"files\">");
	put_file_link(out, run->pcap_href, "capture (pcap)");
	put_file_link(out, run->json_href, "JSON");
	put_file_link(out, run->svg_href, "SVG");
	put(out, "</p></div>\n");

	if (run->problem || !run->doc) {
		put(out, "<div class=\"alert fail\"><b>No complete result.</b> ");
		esc(out, run->problem ? run->problem : "The run left no document.");
		put(out, "</div>\n");
	}
	if (jstr(run->doc, "error")) {
		put(out, "<div class=\"alert\"><b>The run did not finish:</b> ");
		esc(out, jstr(run->doc, "error"));
		put(out, "</div>\n");
	}
	const char *explain = jtext(r->scenario, "explain");
	if (explain[0]) {
		put(out, "<div class=\"explain\"><b>What happened</b>");
		el(out, "p", NULL, explain);
		put(out, "</div>\n");
	}
	if (run->doc) {
		put_checks(out, r);
		put_ladder(out, r);
		put_series(out, r);
		put_lingers(out, r);
		put_snapshots(out, r);
		put_timeline(out, r);
		put_settings(out, r);
	}
	put(out, "</div>\n</details>\n</section>\n");
}

/* ---- the page -------------------------------------------------------------- */

int tl_html_report_print(FILE *out, const struct tl_html_page *page, const struct tl_html_run *runs, size_t n,
			 char *err, size_t errlen)
{
	static const struct tl_html_page no_page;
	struct run_view *v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return tl_errorf(err, errlen, "out of memory");
	if (!page)
		page = &no_page;
	for (size_t i = 0; i < n; i++)
		view_of(&runs[i], &v[i]);

	put(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		 "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
		 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		 "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
		 "form-action 'none'\">\n"
		 "<meta name=\"generator\" content=\"tcplab\">\n<title>");
	esc(out, page->title ? page->title : "tcplab report");
	put(out, "</title>\n<style>\n");
	put(out, page_css);
	put(out, "</style>\n</head>\n<body>\n<div class=\"page\">\n");
	put_header(out, page, v, n);
	put_attention(out, v, n);
	if (n)
		put_summary(out, v, n);
	put(out, "<div class=\"runs-head\"><h2>Scenarios</h2><span class=\"muted small\">"
		 "click a scenario to open it; failed ones start open (the first, when all passed)</span>"
		 "<div class=\"tools\"><button type=\"button\" id=\"open-all\">Expand all</button>"
		 "<button type=\"button\" id=\"close-all\">Collapse all</button></div></div>\n");
	bool all_passed = true;
	for (size_t i = 0; i < n; i++)
		all_passed = all_passed && v[i].verdict == V_PASS;
	/* A page of passes would show only folded headings: open the first so it does not look empty. */
	for (size_t i = 0; i < n; i++)
		put_run(out, &v[i], v[i].verdict != V_PASS || (all_passed && i == 0));
	put(out, "<footer>Made by tcplab. Each section is read from its run's files: the JSON document "
		 "(timeline, checks, retransmission series; format in <code>docs/json.md</code>), the SVG ladder and "
		 "the pcap capture, which tcpdump or Wireshark open as they are.</footer>\n");
	put(out, "</div>\n<script>\ndocument.documentElement.classList.add('js');\n");
	put(out, page_js);
	put(out, "</script>\n</body>\n</html>\n");
	free(v);
	if (fflush(out) == EOF || ferror(out))
		return tl_errorf(err, errlen, "%s", strerror(errno ? errno : EIO));
	return 0;
}

int tl_html_report_write(const char *path, const struct tl_html_page *page, const struct tl_html_run *runs,
			 size_t n, char *err, size_t errlen)
{
	char tmp[4096], why[256];
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return tl_errorf(err, errlen, "%s: path too long", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return tl_errorf(err, errlen, "%s: %s", tmp, strerror(errno));
	int rc = tl_html_report_print(f, page, runs, n, why, sizeof(why));
	if (fclose(f) == EOF && rc == 0)
		rc = tl_errorf(why, sizeof(why), "%s", strerror(errno));
	if (rc == 0 && rename(tmp, path) < 0)
		rc = tl_errorf(why, sizeof(why), "%s", strerror(errno));
	if (rc < 0) {
		unlink(tmp);
		return tl_errorf(err, errlen, "%s: %s", path, why);
	}
	return 0;
}
