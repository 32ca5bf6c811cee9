// Package documenttest makes the files the document tests upload: an image
// of known text (rendered with the Go fonts, black on white, large), a PDF
// of that image without a text layer, and a PDF with one.
package documenttest

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os/exec"
	"testing"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"clinic/internal/platform/testenv"
)

// ValidCPF is a CPF with valid check digits, as printed and as stored.
const (
	ValidCPF       = "529.982.247-25"
	ValidCPFDigits = "52998224725"
)

// CardLines are the lines of a scanned insurance card.
var CardLines = []string{
	"UNIMED SAUDE",
	"Nome: Maria Jose da Silva",
	"CPF: " + ValidCPF,
	"Nascimento: 14/05/1985",
	"Carteirinha: 0 123 456789 0123",
	"Validade: 31/12/2027",
}

// PNG renders lines of text black on white at 300 dpi-like size (48 px
// Go Regular), as a scanner would give a card.
func PNG(t testing.TB, lines []string) []byte {
	t.Helper()
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 48, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		t.Fatal(err)
	}
	defer face.Close()
	const lineHeight = 80
	img := image.NewRGBA(image.Rect(0, 0, 1400, 80+lineHeight*len(lines)))
	draw.Draw(img, img.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	d := &font.Drawer{Dst: img, Src: image.NewUniform(color.Black), Face: face}
	for i, l := range lines {
		d.Dot = fixed.P(60, 80+i*lineHeight)
		d.DrawString(l)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// ImagePDF is a one-page PDF holding only the PNG image: no text layer.
func ImagePDF(t testing.TB, pngData []byte) []byte {
	t.Helper()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddPage()
	pdf.RegisterImageOptionsReader("scan", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(pngData))
	pdf.ImageOptions("scan", 10, 10, 190, 0, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TextPDF is a one-page PDF with lines as a text layer.
func TextPDF(t testing.TB, lines []string) []byte {
	t.Helper()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddPage()
	pdf.SetFont("Helvetica", "", 14)
	for _, l := range lines {
		pdf.Cell(0, 10, l)
		pdf.Ln(10)
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// RequireOCR skips the test when Tesseract or poppler is missing, and
// fails it instead under CI=true.
func RequireOCR(t testing.TB) {
	t.Helper()
	for _, tool := range []string{"tesseract", "pdftoppm", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			const how = "apt-get install tesseract-ocr tesseract-ocr-por tesseract-ocr-eng poppler-utils"
			if testenv.CI() {
				t.Fatalf("%s is missing: OCR is required under CI=true (%s)", tool, how)
			}
			t.Skipf("%s is missing: skipping the OCR test (%s)", tool, how)
		}
	}
}
