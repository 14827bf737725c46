/* qr.c - a QR code (libqrencode, error correction M) as an inline SVG,
 * one path of unit squares, so a client can open a check-in link with a
 * phone camera. */
#include <qrencode.h>
#include "web/svg.h"

void svg_qr(strbuf *b, const char *zText, const char *zLabel)
{
	QRcode *q = QRcode_encodeString(zText, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	int x, y, w;

	if (!q)
		return;
	w = q->width;
	/* A quiet zone of 4 modules around the code (ISO/IEC 18004). */
	sb_printf(b, "<svg class=\"qr\" viewBox=\"-4 -4 %d %d\" role=\"img\" "
	          "xmlns=\"http://www.w3.org/2000/svg\" "
	          "shape-rendering=\"crispEdges\"><title>", w + 8, w + 8);
	svg_text(b, zLabel);
	sb_printf(b, "</title><rect x=\"-4\" y=\"-4\" width=\"%d\" "
	          "height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
	          w + 8, w + 8);
	for (y = 0; y < w; y++)
		for (x = 0; x < w; x++)
			if (q->data[y * w + x] & 1)
				sb_printf(b, "M%d %dh1v1h-1z", x, y);
	html_raw_trusted(b, "\"/></svg>");
	QRcode_free(q);
}
