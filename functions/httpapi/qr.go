package httpapi

import (
	"fmt"
	"strings"

	qrcode "github.com/yeqown/go-qrcode/v2"
)

// qrQuiet is the quiet zone around a QR code, in modules (the standard's 4).
const qrQuiet = 4

// QRSVG returns an SVG image of the QR code of text, made with
// github.com/yeqown/go-qrcode/v2 (error correction level M): one path of the
// dark modules, row by row, on a white square with the standard quiet zone,
// crisp at any size. label is its accessible name.
func QRSVG(text, label string) (string, error) {
	qr, err := qrcode.NewWith(text, qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium))
	if err != nil {
		return "", fmt.Errorf("httpapi: qr code: %w", err)
	}
	w := &svgWriter{}
	if err := qr.Save(w); err != nil {
		return "", fmt.Errorf("httpapi: qr code: %w", err)
	}
	n := len(w.bitmap) + 2*qrQuiet
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s" shape-rendering="crispEdges">`,
		n, n, 6*n, 6*n, strings.NewReplacer(`&`, "&amp;", `"`, "&quot;", `<`, "&lt;").Replace(label))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range w.bitmap {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			run := x
			for run < len(row) && row[run] {
				run++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x+qrQuiet, y+qrQuiet, run-x, run-x)
			x = run
		}
	}
	b.WriteString(`"/></svg>`)
	return b.String(), nil
}

// svgWriter is the qrcode.Writer that keeps the code's modules.
type svgWriter struct{ bitmap [][]bool }

func (w *svgWriter) Write(m qrcode.Matrix) error {
	w.bitmap = m.Bitmap()
	return nil
}

func (w *svgWriter) Close() error { return nil }
