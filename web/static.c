/* static.c - the style sheet and the small script, compiled into the
 * binary (no files to install, nothing served from disk). The pages
 * work without the script: it only adds "copy link" buttons and reads a
 * chosen transcript file into the form. */
#include <pthread.h>
#include <string.h>
#include "util/gzip.h"
#include "web/web.h"

static const char css[] =
"*{box-sizing:border-box}\n"
"html{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
"font-size:16px;line-height:1.5;color:#1d2330;background:#f6f5f2}\n"
"body{margin:0}\n"
"header.top{display:flex;flex-wrap:wrap;align-items:center;gap:1rem;"
"padding:.6rem 1.2rem;background:#23395b;color:#fff}\n"
"header.top a{color:#fff;text-decoration:none}\n"
".brand{font-weight:700;letter-spacing:.04em;margin-right:1rem}\n"
"header.top nav{flex:1;display:flex;gap:1rem}\n"
"header.top nav a{padding:.2rem .4rem;border-radius:4px}\n"
"header.top nav a:hover,header.top nav a:focus{background:#34507d}\n"
".signout{display:flex;align-items:center;gap:.6rem;margin:0}\n"
".signout button{background:transparent;color:#fff;border:1px solid #9fb3d1}\n"
"main{max-width:72rem;margin:0 auto;padding:1rem 1.2rem 3rem}\n"
"h1{font-size:1.6rem;margin:.6rem 0 1rem}\n"
"h2{font-size:1.25rem;margin:2rem 0 .6rem}\n"
"footer{text-align:center;color:#5b6170;font-size:.85rem;padding:1rem}\n"
"a{color:#1f4f8f}\n"
"table{border-collapse:collapse;width:100%;background:#fff;"
"font-variant-numeric:tabular-nums}\n"
"th,td{text-align:left;padding:.45rem .6rem;border-bottom:1px solid #e2e0da;"
"vertical-align:top}\n"
"th{background:#eceae4;font-weight:600}\n"
"td.num,th.num{text-align:right}\n"
".table-wrap{overflow-x:auto}\n"
"form.login{display:grid;gap:.4rem;max-width:22rem;background:#fff;"
"padding:1.2rem;border-radius:8px;border:1px solid #e2e0da}\n"
"label{font-weight:600}\n"
"input,select,button{font:inherit;padding:.45rem .6rem;border-radius:6px;"
"border:1px solid #8a8f9c}\n"
"input:focus,select:focus,button:focus{outline:3px solid #f0b429;"
"outline-offset:1px}\n"
"button{background:#23395b;color:#fff;border-color:#23395b;cursor:pointer}\n"
"button.secondary{background:#fff;color:#23395b}\n"
".error{background:#fdecea;border:1px solid #d9534f;color:#7a1f1c;"
"padding:.6rem .8rem;border-radius:6px}\n"
".notice{background:#eaf4ea;border:1px solid #4f9a55;padding:.6rem .8rem;"
"border-radius:6px}\n"
".risk{background:#fff1e0;border:2px solid #c25400;color:#5c2a00;"
"padding:.6rem .8rem;border-radius:6px;font-weight:600}\n"
".status{display:inline-block;padding:.1rem .5rem;border-radius:999px;"
"font-size:.85rem;font-weight:600;white-space:nowrap;border:1px solid}\n"
".status-on-track{background:#e7f4e8;color:#1e5a24;border-color:#4f9a55}\n"
".status-at-risk{background:#fff6db;color:#6b4d00;border-color:#c99a00}\n"
".status-not-on-track{background:#fdecea;color:#7a1f1c;border-color:#d9534f}\n"
".status-rupture-unrepaired{background:#f3e8fb;color:#4c1d6e;"
"border-color:#8e5bb5}\n"
".status-no-recent-data,.status-no-signal{background:#eef0f3;color:#3b4150;"
"border-color:#9aa1ad}\n"
".reason{color:#3b4150;font-size:.9rem}\n"
".charts{display:grid;"
"grid-template-columns:repeat(auto-fit,minmax(min(28rem,100%),1fr));"
"gap:1rem}\n"
"figure{margin:0;background:#fff;border:1px solid #e2e0da;border-radius:8px;"
"padding:.6rem}\n"
"figcaption{font-weight:600;margin-bottom:.3rem}\n"
"svg.chart{width:100%;height:auto;display:block}\n"
".chart .axis{stroke:#8a8f9c;stroke-width:1}\n"
".chart .grid{stroke:#e2e0da;stroke-width:1}\n"
".chart text{font-size:11px;fill:#3b4150}\n"
".chart .band{fill:#dfe9f5}\n"
".chart .expected{stroke:#6d87ad;stroke-width:1.5;stroke-dasharray:4 3;"
"fill:none}\n"
".chart .line{fill:none;stroke-width:2.2}\n"
".chart .s0{stroke:#23395b}.chart circle.s0{fill:#23395b}\n"
".chart .s1{stroke:#c25400}.chart circle.s1{fill:#c25400}\n"
".chart .s2{stroke:#2f7d4a}.chart circle.s2{fill:#2f7d4a}\n"
".chart .s3{stroke:#8e5bb5}.chart circle.s3{fill:#8e5bb5}\n"
".chart .rupture{fill:#f3e8fb;stroke:#8e5bb5;stroke-width:1}\n"
/* Heat maps: a sequential blue ramp (light to dark), readable in grey. */
".heat .h0,.cell.h0{fill:#eef3f9;background:#eef3f9}"
".heat .h1,.cell.h1{fill:#c6d6ea;background:#c6d6ea}"
".heat .h2,.cell.h2{fill:#8eaed6;background:#8eaed6}\n"
".heat .h3,.cell.h3{fill:#4f7cb5;background:#4f7cb5}"
".heat .h4,.cell.h4{fill:#23395b;background:#23395b}\n"
".cell{display:inline-block;width:.9rem;height:.9rem;vertical-align:middle;"
"border:1px solid #c9c6bd}\n"
".legend{display:flex;flex-wrap:wrap;gap:.8rem;font-size:.85rem;"
"list-style:none;padding:0;margin:.3rem 0 0}\n"
".key{display:inline-block;width:1.2rem;height:.25rem;vertical-align:middle;"
"margin-right:.3rem}\n"
".key.s0{background:#23395b}.key.s1{background:#c25400}"
".key.s2{background:#2f7d4a}.key.s3{background:#8e5bb5}\n"
".link-box{background:#fff;border:1px solid #e2e0da;border-radius:8px;"
"padding:1rem;display:grid;gap:.6rem;max-width:40rem}\n"
".link-url{font-family:ui-monospace,monospace;word-break:break-all;"
"background:#f6f5f2;padding:.5rem;border-radius:6px}\n"
".qr{width:12rem;height:12rem}\n"
".inline-form{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end}\n"
".inline-form div{display:grid;grid-template-columns:minmax(0,1fr);"
"gap:.2rem;max-width:100%}\n"
"select{max-width:100%}\n"
"fieldset{border:1px solid #e2e0da;border-radius:8px;background:#fff;"
"margin:0 0 1rem;padding:.8rem 1rem}\n"
"legend{font-weight:700;padding:0 .3rem}\n"
".item{margin:.8rem 0 1.2rem}\n"
".item-text{font-weight:600;margin-bottom:.4rem}\n"
".options{display:grid;gap:.35rem}\n"
".options label{font-weight:400;display:flex;gap:.6rem;align-items:center;"
"padding:.55rem .7rem;border:1px solid #c9c6bd;border-radius:8px;"
"background:#fdfcfa}\n"
".options input{width:1.2rem;height:1.2rem}\n"
".checkin{max-width:34rem}\n"
".preamble{color:#3b4150}\n"
".muted{color:#5b6170}\n"
/* The session mirror (mirror.c). */
"textarea.m-text{width:100%;font:13px/1.4 ui-monospace,monospace;"
"padding:.5rem;border-radius:6px;border:1px solid #8a8f9c}\n"
"ol.m-tl{list-style:none;padding:0;margin:1rem 0}\n"
"ol.m-tl li{margin:0;padding:.45rem .7rem;border-left:4px solid #c9c6bd}\n"
"li.m-therapist{background:#f2f5fa}li.m-client{background:#fff}"
"li.m-other{background:#f1f0ec}\n"
"li.m-ep{border-left-color:#b03a2e;background:#fbeae8}\n"
"li.m-ep.m-fixed{border-left-color:#1e7b45;background:#e8f5ec}\n"
".m-meta{color:#5b6170;font-size:.8rem}\n"
"p.m-say{margin:.15rem 0}\n"
".m-code,.m-mk,.m-mv,.m-lab{display:inline-block;font-size:.8rem;"
"padding:0 .35rem;margin:.1rem .25rem 0 0;border-radius:3px}\n"
".m-code{background:#e2e7f0}.m-mk{background:#f4d3cf}"
".m-mv{background:#d2ecdb}\n"
".m-lab{background:#1d2330;color:#fff}.m-lab.m-fixed{background:#1e7b45}"
".m-lab.m-open{background:#b03a2e}.m-cue{color:#5b6170;font-size:.8rem}\n"
"@media (max-width:40rem){header.top{padding:.5rem .8rem}"
"main{padding:.8rem}h1{font-size:1.35rem}}\n";

static const char js[] =
"// attune.js - progressive enhancement only: a button that copies a\n"
"// check-in link, and reading a chosen transcript file into the form's\n"
"// text box (the form works without it: paste the text).\n"
"document.addEventListener('DOMContentLoaded', function () {\n"
"  document.querySelectorAll('[data-copy]').forEach(function (b) {\n"
"    b.hidden = false;\n"
"    b.addEventListener('click', function () {\n"
"      var t = document.getElementById(b.getAttribute('data-copy'));\n"
"      if (!t || !navigator.clipboard) return;\n"
"      navigator.clipboard.writeText(t.textContent).then(function () {\n"
"        b.textContent = 'Copied';\n"
"      });\n"
"    });\n"
"  });\n"
"  document.querySelectorAll('[data-file-wrap]').forEach(function (w) {\n"
"    if (window.FileReader) w.hidden = false;\n"
"  });\n"
"  document.querySelectorAll('input[type=file][data-into]')"
".forEach(function (f) {\n"
"    f.addEventListener('change', function () {\n"
"      var t = document.getElementById(f.getAttribute('data-into'));\n"
"      if (!t || !f.files || !f.files[0]) return;\n"
"      var rd = new FileReader();\n"
"      rd.onload = function () { t.value = rd.result; };\n"
"      rd.readAsText(f.files[0]);\n"
"    });\n"
"  });\n"
"});\n";

static const struct web_asset assets[] = {
	{"attune.css", "text/css; charset=utf-8", css, sizeof(css) - 1},
	{"attune.js", "text/javascript; charset=utf-8", js, sizeof(js) - 1},
};

const struct web_asset *web_asset_find(const char *zName)
{
	size_t i;

	for (i = 0; i < sizeof(assets) / sizeof(assets[0]); i++)
		if (strcmp(assets[i].name, zName) == 0)
			return &assets[i];
	return NULL;
}

/* The assets gzip-compressed, made once (the first request that takes
 * gzip); an asset whose compression failed is sent as it is. */
#define N_ASSETS (sizeof(assets) / sizeof(assets[0]))
static struct gz_piece assets_gz[N_ASSETS];
static pthread_once_t assets_gz_once = PTHREAD_ONCE_INIT;

static void assets_compress(void)
{
	size_t i;

	for (i = 0; i < N_ASSETS; i++)
		gz_piece_make(&assets_gz[i], assets[i].data, assets[i].len, 9);
}

int h_static(struct web_req *r)
{
	const struct web_asset *a = web_asset_find(r->path_token);
	const struct gz_piece *p;
	struct gz_out g;

	if (!a)
		return web_not_found(r), 0;
	r->ctype = a->ctype;
	if (web_takes_gzip(r)) {
		pthread_once(&assets_gz_once, assets_compress);
		p = &assets_gz[a - assets];
		if (p->z) {
			gz_start(&r->out, &g);
			gz_piece_put(&r->out, &g, p);
			gz_finish(&r->out, &g);
			web_header_add(r, "Content-Encoding", "gzip");
			return 0;
		}
	}
	sb_append(&r->out, a->data, a->len);
	return 0;
}
