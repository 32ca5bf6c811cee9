package pix_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/pix"
	"clinic/internal/platform/testenv"
)

// zbarimg returns the path of zbarimg (Debian package zbar-tools), skipping
// the test without it (failing under CI=true).
func zbarimg(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("zbarimg")
	if err != nil {
		if testenv.CI() {
			t.Fatalf("zbarimg is not installed: the QR decoding test needs it under CI=true (apt-get install zbar-tools)")
		}
		t.Skipf("zbarimg is not installed (apt-get install zbar-tools): skipping the QR decoding test")
	}
	return path
}

// decodeQR reads the QR code of a PNG with zbarimg.
func decodeQR(t *testing.T, zbar string, pngData []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "qr.png")
	require.NoError(t, os.WriteFile(file, pngData, 0o600))
	out, err := exec.Command(zbar, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", file).Output()
	require.NoError(t, err, "zbarimg found no QR code in %s", file)
	return strings.TrimSuffix(string(out), "\n")
}

func qrPayloads(t *testing.T) map[string]string {
	t.Helper()
	long, err := pix.Charge{
		Key:          pix.Key{Type: pix.KeyEmail, Value: "financeiro@clinica-bem-estar.com.br"},
		MerchantName: "Clínica Bem-Estar Saúde Integrada", MerchantCity: "São José dos Campos",
		AmountCents: 123456, TxID: "COB2026000000000000000001", Description: "Consulta e exames do dia 12/03",
	}.Payload()
	require.NoError(t, err)
	return map[string]string{"manual's static example": manualStatic, "long with every field": long}
}

func TestQRPNGDecodesBackToThePayload(t *testing.T) {
	t.Parallel()
	zbar := zbarimg(t)
	for name, payload := range qrPayloads(t) {
		for _, size := range []int{256, 512} {
			t.Run(fmt.Sprintf("%s/%d", name, size), func(t *testing.T) {
				t.Parallel()
				data, err := pix.QRPNG(payload, size)
				require.NoError(t, err)
				img, err := png.Decode(bytes.NewReader(data))
				require.NoError(t, err)
				require.Equal(t, image.Rect(0, 0, size, size), img.Bounds())
				require.Equal(t, payload, decodeQR(t, zbar, data))
			})
		}
	}
}

var svgRun = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`)

func TestQRSVGDecodesBackToThePayload(t *testing.T) {
	t.Parallel()
	zbar := zbarimg(t)
	for name, payload := range qrPayloads(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			svg, err := pix.QRSVG(payload)
			require.NoError(t, err)
			s := string(svg)
			require.True(t, strings.HasPrefix(s, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `), s[:80])
			require.Contains(t, s, `shape-rendering="crispEdges"`)
			var n int
			_, err = fmt.Sscanf(s[strings.Index(s, "viewBox=")+len(`viewBox="0 0 `):], "%d", &n)
			require.NoError(t, err)

			// Draw the SVG's rectangles, 8 pixels a module, and read it back.
			const scale = 8
			img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
			for i := range img.Pix {
				img.Pix[i] = 0xFF
			}
			runs := svgRun.FindAllStringSubmatch(s, -1)
			require.NotEmpty(t, runs)
			for _, m := range runs {
				x, _ := strconv.Atoi(m[1])
				y, _ := strconv.Atoi(m[2])
				w, _ := strconv.Atoi(m[3])
				require.Equal(t, m[3], m[4], "a run closes on itself")
				require.LessOrEqual(t, x+w, n)
				require.Less(t, y, n)
				for py := y * scale; py < (y+1)*scale; py++ {
					for px := x * scale; px < (x+w)*scale; px++ {
						img.SetGray(px, py, color.Gray{})
					}
				}
			}
			var buf bytes.Buffer
			require.NoError(t, png.Encode(&buf, img))
			require.Equal(t, payload, decodeQR(t, zbar, buf.Bytes()))
		})
	}
}

func TestQRPNGRejectsBadSizes(t *testing.T) {
	t.Parallel()
	for _, size := range []int{0, -1, pix.MaxQRPNGSize + 1} {
		_, err := pix.QRPNG(manualStatic, size)
		require.Error(t, err, "size %d", size)
	}
}
