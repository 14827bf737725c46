/* svg.c - line charts as inline SVG: axes with session numbers and
 * score ticks, one polyline per series (broken at missing sessions),
 * points with their value as a tooltip, an expected course with its
 * tolerance band, and shaded spans for alliance ruptures. Styling is by
 * class (attune.css): the Content-Security-Policy forbids inline style
 * attributes. */
#include <math.h>
#include <string.h>
#include "web/svg.h"

/* Geometry of the drawing, in viewBox units. */
#define W 640.0
#define H 240.0
#define ML 44.0      /* left margin: score ticks */
#define MR 12.0
#define MT 12.0
#define MB 34.0      /* bottom: session ticks and axis label */

struct frame {
	double x0, x1;   /* session range */
	double y0, y1;   /* score range */
};

/* A whole number, without printf (the charts write thousands). */
static void put_int(strbuf *b, int v)
{
	sb_num(b, (double)v);
}

/* A coordinate with one decimal, locale-free. */
static void coord(strbuf *b, double v)
{
	sb_num(b, round(v * 10) / 10);
}

static double px(const struct frame *f, double s)
{
	double span = f->x1 - f->x0;

	return ML + (span > 0 ? (s - f->x0) / span : 0.5) * (W - ML - MR);
}

static double py(const struct frame *f, double v)
{
	double span = f->y1 - f->y0;

	if (v < f->y0)
		v = f->y0;
	if (v > f->y1)
		v = f->y1;
	return MT + (span > 0 ? (f->y1 - v) / span : 0.5) * (H - MT - MB);
}

static void tick_step(double lo, double hi, double *step)
{
	double span = hi - lo, raw = span / 5, mag, n;

	if (!(span > 0)) {
		*step = 1;
		return;
	}
	mag = pow(10, floor(log10(raw)));
	n = raw / mag;
	*step = (n < 1.5 ? 1 : n < 3.5 ? 2 : n < 7.5 ? 5 : 10) * mag;
}

static void axes(strbuf *b, const struct frame *f, const char *zYLabel)
{
	double step, v;
	int s, every;

	tick_step(f->y0, f->y1, &step);
	for (v = ceil(f->y0 / step) * step; v <= f->y1 + 1e-9; v += step) {
		html_raw_trusted(b, "<line class=\"grid\" x1=\"");
		coord(b, ML);
		html_raw_trusted(b, "\" x2=\"");
		coord(b, W - MR);
		html_raw_trusted(b, "\" y1=\"");
		coord(b, py(f, v));
		html_raw_trusted(b, "\" y2=\"");
		coord(b, py(f, v));
		html_raw_trusted(b, "\"/><text x=\"");
		coord(b, ML - 6);
		html_raw_trusted(b, "\" y=\"");
		coord(b, py(f, v) + 4);
		html_raw_trusted(b, "\" text-anchor=\"end\">");
		sb_num(b, round(v * 100) / 100);
		html_raw_trusted(b, "</text>");
	}
	every = (int)ceil((f->x1 - f->x0 + 1) / 12.0);
	if (every < 1)
		every = 1;
	for (s = (int)f->x0; s <= (int)f->x1; s++) {
		if ((s - (int)f->x0) % every)
			continue;
		html_raw_trusted(b, "<text x=\"");
		coord(b, px(f, s));
		html_raw_trusted(b, "\" y=\"");
		coord(b, H - MB + 16);
		html_raw_trusted(b, "\" text-anchor=\"middle\">");
		put_int(b, s);
		html_raw_trusted(b, "</text>");
	}
	html_raw_trusted(b, "<line class=\"axis\" x1=\"");
	coord(b, ML);
	html_raw_trusted(b, "\" x2=\"");
	coord(b, W - MR);
	html_raw_trusted(b, "\" y1=\"");
	coord(b, H - MB);
	html_raw_trusted(b, "\" y2=\"");
	coord(b, H - MB);
	html_raw_trusted(b, "\"/><text x=\"");
	coord(b, (ML + W - MR) / 2);
	html_raw_trusted(b, "\" y=\"");
	coord(b, H - 4);
	html_raw_trusted(b, "\" text-anchor=\"middle\">session</text>");
	if (zYLabel) {
		html_raw_trusted(b, "<text x=\"4\" y=\"");
		coord(b, MT - 2);
		html_raw_trusted(b, "\">");
		svg_text(b, zYLabel);
		html_raw_trusted(b, "</text>");
	}
}

static void band(strbuf *b, const struct frame *f, const struct svg_chart *c)
{
	size_t i, k;
	int open = 0;

	/* The tolerance band as one polygon per run without gaps. */
	for (i = 0; i <= c->band_n; i++) {
		int ok = i < c->band_n && !isnan(c->band_lo[i]) &&
		         !isnan(c->band_hi[i]);
		if (ok && !open) {
			open = 1;
			k = i;
			html_raw_trusted(b, "<polygon class=\"band\" points=\"");
		}
		if (ok) {
			coord(b, px(f, c->band_first + (double)i));
			sb_putc(b, ',');
			coord(b, py(f, c->band_hi[i]));
			sb_putc(b, ' ');
			continue;
		}
		if (open) {
			size_t j;
			for (j = i; j-- > k; ) {
				coord(b, px(f, c->band_first + (double)j));
				sb_putc(b, ',');
				coord(b, py(f, c->band_lo[j]));
				sb_putc(b, ' ');
			}
			html_raw_trusted(b, "\"><title>");
			svg_text(b, c->band_label);
			html_raw_trusted(b, "</title></polygon>");
			open = 0;
		}
	}
	open = 0;
	for (i = 0; i < c->band_n; i++) {
		if (isnan(c->band_mid[i])) {
			if (open)
				html_raw_trusted(b, "\"/>");
			open = 0;
			continue;
		}
		html_raw_trusted(b, open ? " " : "<polyline class=\"expected\" "
		                 "points=\"");
		open = 1;
		coord(b, px(f, c->band_first + (double)i));
		sb_putc(b, ',');
		coord(b, py(f, c->band_mid[i]));
	}
	if (open)
		html_raw_trusted(b, "\"/>");
}

static void series(strbuf *b, const struct frame *f,
                   const struct svg_series *s, int k)
{
	size_t i;
	int open = 0;

	for (i = 0; i < s->n; i++) {
		if (isnan(s->y[i]))
			continue;
		/* Connect across missing sessions: the line shows the course,
		 * the points show what was measured. */
		if (!open) {
			html_raw_trusted(b, "<polyline class=\"line s");
			put_int(b, k);
			html_raw_trusted(b, "\" points=\"");
		} else {
			sb_putc(b, ' ');
		}
		open = 1;
		coord(b, px(f, s->first + (double)i));
		sb_putc(b, ',');
		coord(b, py(f, s->y[i]));
	}
	if (open)
		html_raw_trusted(b, "\"/>");
	for (i = 0; i < s->n; i++) {
		if (isnan(s->y[i]))
			continue;
		html_raw_trusted(b, "<circle class=\"s");
		put_int(b, k);
		html_raw_trusted(b, "\" r=\"3\" cx=\"");
		coord(b, px(f, s->first + (double)i));
		html_raw_trusted(b, "\" cy=\"");
		coord(b, py(f, s->y[i]));
		html_raw_trusted(b, "\"><title>");
		svg_text(b, s->label);
		html_raw_trusted(b, ", session ");
		put_int(b, s->first + (int)i);
		html_raw_trusted(b, ": ");
		sb_num(b, round(s->y[i] * 100) / 100);
		html_raw_trusted(b, "</title></circle>");
	}
}

void svg_chart(strbuf *b, const struct svg_chart *c)
{
	struct frame f;
	size_t i, k, have = 0;

	f.x0 = 1e9;
	f.x1 = -1e9;
	for (k = 0; k < c->n_series; k++)
		for (i = 0; i < c->s[k].n; i++)
			if (!isnan(c->s[k].y[i])) {
				double s = c->s[k].first + (double)i;
				if (s < f.x0)
					f.x0 = s;
				if (s > f.x1)
					f.x1 = s;
				have++;
			}
	if (!have)
		return;
	if (f.x1 == f.x0) {
		f.x0 -= 1;
		f.x1 += 1;
	}
	f.y0 = c->ymin;
	f.y1 = c->ymax;

	html_raw_trusted(b, "<figure><figcaption id=\"");
	html_attr(b, c->id);
	html_raw_trusted(b, "-t\">");
	html_text(b, c->title);
	html_raw_trusted(b, "</figcaption><svg class=\"chart\" viewBox=\"0 0 ");
	coord(b, W);
	sb_putc(b, ' ');
	coord(b, H);
	html_raw_trusted(b, "\" role=\"img\" aria-labelledby=\"");
	html_attr(b, c->id);
	html_raw_trusted(b, "-t\" xmlns=\"http://www.w3.org/2000/svg\">"
	                 "<title>");
	svg_text(b, c->title);
	html_raw_trusted(b, "</title>");
	for (i = 0; i < c->n_spans; i++) {
		double x0 = px(&f, c->span[i].from - 0.5);
		double x1 = px(&f, c->span[i].to + 0.5);
		if (x0 < ML)
			x0 = ML;
		if (x1 > W - MR)
			x1 = W - MR;
		html_raw_trusted(b, "<rect class=\"rupture\" x=\"");
		coord(b, x0);
		html_raw_trusted(b, "\" y=\"");
		coord(b, MT);
		html_raw_trusted(b, "\" width=\"");
		coord(b, x1 > x0 ? x1 - x0 : 1);
		html_raw_trusted(b, "\" height=\"");
		coord(b, H - MT - MB);
		html_raw_trusted(b, "\"><title>");
		svg_text(b, c->span[i].label);
		html_raw_trusted(b, "</title></rect>");
	}
	axes(b, &f, c->y_label);
	if (c->band_n)
		band(b, &f, c);
	for (k = 0; k < c->n_series; k++)
		series(b, &f, &c->s[k], (int)k);
	html_raw_trusted(b, "</svg><ul class=\"legend\">");
	for (k = 0; k < c->n_series; k++) {
		sb_printf(b, "<li><span class=\"key s%d\"></span>", (int)k);
		html_text(b, c->s[k].label);
		html_raw_trusted(b, "</li>");
	}
	if (c->band_n) {
		html_raw_trusted(b, "<li>shaded: ");
		html_text(b, c->band_label);
		html_raw_trusted(b, "</li>");
	}
	if (c->n_spans)
		html_raw_trusted(b, "<li>purple: alliance rupture until its "
		                 "repair</li>");
	html_raw_trusted(b, "</ul></figure>\n");
}

/* ---- Heat map ---- */

#define HL 150.0     /* left: row labels */
#define HT 8.0
#define HB 26.0      /* bottom: session numbers */
#define CELL_H 22.0

void svg_heatmap(strbuf *b, const struct svg_heat *h)
{
	double cw, w, hh, span = h->vmax - h->vmin;
	size_t r, c, have = 0, every;

	if (!h->rows || !h->cols || h->rows > SVG_HEAT_ROWS_MAX ||
	    h->cols > SVG_HEAT_COLS_MAX)
		return;
	for (r = 0; r < h->rows * h->cols; r++)
		have += !isnan(h->v[r]);
	if (!have)
		return;
	cw = h->cols > 20 ? 12.0 : 24.0;
	w = HL + cw * (double)h->cols + 8;
	hh = HT + CELL_H * (double)h->rows + HB;
	every = h->cols > 20 ? 5 : 1;

	html_raw_trusted(b, "<figure><figcaption id=\"");
	html_attr(b, h->id);
	html_raw_trusted(b, "-t\">");
	html_text(b, h->title);
	html_raw_trusted(b, "</figcaption><svg class=\"chart heat\" "
	                 "viewBox=\"0 0 ");
	coord(b, w);
	sb_putc(b, ' ');
	coord(b, hh);
	html_raw_trusted(b, "\" role=\"img\" aria-labelledby=\"");
	html_attr(b, h->id);
	html_raw_trusted(b, "-t\" xmlns=\"http://www.w3.org/2000/svg\">"
	                 "<title>");
	svg_text(b, h->title);
	html_raw_trusted(b, "</title>");
	for (r = 0; r < h->rows; r++) {
		double y = HT + CELL_H * (double)r;

		html_raw_trusted(b, "<text x=\"");
		coord(b, HL - 6);
		html_raw_trusted(b, "\" y=\"");
		coord(b, y + CELL_H / 2 + 4);
		html_raw_trusted(b, "\" text-anchor=\"end\">");
		svg_text(b, h->row_label[r]);
		if (h->row_text[r]) {
			html_raw_trusted(b, "<title>");
			svg_text(b, h->row_text[r]);
			html_raw_trusted(b, "</title>");
		}
		html_raw_trusted(b, "</text>");
		for (c = 0; c < h->cols; c++) {
			double v = h->v[r * h->cols + c];
			int k;

			if (isnan(v))
				continue;
			k = span > 0 ? (int)floor((v - h->vmin) / span * 5) : 0;
			k = k < 0 ? 0 : k > 4 ? 4 : k;
			html_raw_trusted(b, "<rect class=\"h");
			put_int(b, k);
			html_raw_trusted(b, "\" x=\"");
			coord(b, HL + cw * (double)c + 1);
			html_raw_trusted(b, "\" y=\"");
			coord(b, y + 1);
			html_raw_trusted(b, "\" width=\"");
			coord(b, cw - 2);
			html_raw_trusted(b, "\" height=\"");
			coord(b, CELL_H - 2);
			html_raw_trusted(b, "\"><title>");
			svg_text(b, h->row_label[r]);
			html_raw_trusted(b, ", session ");
			put_int(b, h->first + (int)c);
			html_raw_trusted(b, ": ");
			sb_num(b, round(v * 100) / 100);
			html_raw_trusted(b, "</title></rect>");
		}
	}
	for (c = 0; c < h->cols; c++) {
		int s = h->first + (int)c;

		if ((size_t)s % every && c)
			continue;
		html_raw_trusted(b, "<text x=\"");
		coord(b, HL + cw * ((double)c + 0.5));
		html_raw_trusted(b, "\" y=\"");
		coord(b, hh - 10);
		sb_printf(b, "\" text-anchor=\"middle\">%d</text>", s);
	}
	html_raw_trusted(b, "</svg><ul class=\"legend\"><li>");
	for (c = 0; c < 5; c++)
		sb_printf(b, "<span class=\"cell h%d\"></span>", (int)c);
	html_raw_trusted(b, " ");
	html_num(b, h->vmin);
	html_raw_trusted(b, " to ");
	html_num(b, h->vmax);
	if (h->note) {
		html_raw_trusted(b, "; ");
		html_text(b, h->note);
	}
	html_raw_trusted(b, "</li></ul><details><summary>The answers as a "
	                 "table</summary><div class=\"table-wrap\"><table>"
	                 "<thead><tr><th scope=\"col\">Session</th>");
	for (r = 0; r < h->rows; r++) {
		html_raw_trusted(b, "<th scope=\"col\">");
		html_text(b, h->row_label[r]);
		html_raw_trusted(b, "</th>");
	}
	html_raw_trusted(b, "</tr></thead><tbody>");
	for (c = 0; c < h->cols; c++) {
		int any = 0;

		for (r = 0; r < h->rows; r++)
			any |= !isnan(h->v[r * h->cols + c]);
		if (!any)
			continue;
		html_raw_trusted(b, "<tr><th scope=\"row\">");
		put_int(b, h->first + (int)c);
		html_raw_trusted(b, "</th>");
		for (r = 0; r < h->rows; r++) {
			html_raw_trusted(b, "<td>");
			html_num(b, h->v[r * h->cols + c]);
			html_raw_trusted(b, "</td>");
		}
		html_raw_trusted(b, "</tr>");
	}
	html_raw_trusted(b, "</tbody></table></div></details></figure>\n");
}
