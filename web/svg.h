/* svg.h - line charts drawn as inline SVG by our own code: series by
 * session, an optional expected course with its tolerance band, and
 * shaded spans (alliance ruptures). Every text goes through svg_text();
 * numbers are written without the locale. Private to web/. */
#ifndef ATTUNE_WEB_SVG_H
#define ATTUNE_WEB_SVG_H

#include "web/web.h"

#define SVG_SERIES_MAX 4
#define SVG_SPANS_MAX 32

struct svg_series {
	const char *label;
	const double *y;            /* y[i] at session first + i; NaN gaps */
	size_t n;
	int first;
};

struct svg_span {
	int from, to;               /* sessions, inclusive */
	const char *label;          /* tooltip */
};

struct svg_chart {
	const char *id;             /* unique in the page (for aria) */
	const char *title;          /* caption and accessible name */
	const char *y_label;
	double ymin, ymax;
	int higher_is_better;       /* only for the description */
	size_t n_series;
	struct svg_series s[SVG_SERIES_MAX];
	/* Expected course: lo/mid/hi at session band_first + i. */
	const double *band_lo, *band_mid, *band_hi;
	size_t band_n;
	int band_first;
	const char *band_label;
	size_t n_spans;
	struct svg_span span[SVG_SPANS_MAX];
};

/* Write the chart as a <figure> with an inline <svg>, a legend and a
 * text alternative. Nothing is drawn for a chart without data. */
void svg_chart(strbuf *b, const struct svg_chart *c);

/* A heat map: one row per item, one column per session, each cell
 * shaded by its answer in five steps from vmin to vmax (classes h0..h4
 * in attune.css), the value in its tooltip, and the numbers again in a
 * table under a disclosure for screen readers and for reading exactly. */
#define SVG_HEAT_ROWS_MAX 12
#define SVG_HEAT_COLS_MAX 60

struct svg_heat {
	const char *id;             /* unique in the page */
	const char *title;
	const char *note;           /* what darker means; may be NULL */
	size_t rows, cols;          /* at most the _MAX above */
	int first;                  /* session of column 0 */
	const char *row_label[SVG_HEAT_ROWS_MAX];  /* short */
	const char *row_text[SVG_HEAT_ROWS_MAX];   /* full; may be NULL */
	const double *v;            /* v[row * cols + col]; NaN: none */
	double vmin, vmax;
};

void svg_heatmap(strbuf *b, const struct svg_heat *h);

/* A QR code of zText as an inline SVG (qr.c); writes nothing when the
 * text cannot be encoded. */
void svg_qr(strbuf *b, const char *zText, const char *zLabel);

#endif
