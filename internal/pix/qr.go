package pix

import (
	"bytes"
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// MaxQRPNGSize is the largest PNG QRPNG draws, in pixels a side.
const MaxQRPNGSize = 4096

// QRPNG draws payload's QR code (error correction level M, with its quiet
// zone of 4 modules) as a PNG of size×size pixels (at least one pixel a
// module: a smaller size gives the smallest image that holds the code).
func QRPNG(payload string, size int) ([]byte, error) {
	if size <= 0 || size > MaxQRPNGSize {
		return nil, fmt.Errorf("pix: QR PNG size %d out of 1..%d", size, MaxQRPNGSize)
	}
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("pix: QR code: %w", err)
	}
	return q.PNG(size)
}

// QRSVG draws payload's QR code (the same bitmap as QRPNG: level M, quiet
// zone included) as an SVG image: one black rectangle per run of dark
// modules in a row, crisp edges, a viewBox of one unit per module so that it
// scales to any size.
func QRSVG(payload string) ([]byte, error) {
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("pix: QR code: %w", err)
	}
	bm := q.Bitmap()
	n := len(bm)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges" role="img">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y, row := range bm {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			w := 1
			for x+w < len(row) && row[x+w] {
				w++
			}
			fmt.Fprintf(&b, "M%d %dh%dv1h-%dz", x, y, w, w)
			x += w
		}
	}
	b.WriteString(`"/></svg>`)
	return b.Bytes(), nil
}
