package app_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/app"
	"clinic/internal/app/apptest"
	"clinic/internal/document/documenttest"
	"clinic/internal/platform/db/dbtest"
)

// One start-up line says that OCR is on, with Tesseract's version and
// languages, and how many OCR workers the process runs.
func TestStartUpLogSaysWhetherOCRIsOn(t *testing.T) {
	t.Parallel()
	documenttest.RequireOCR(t)
	for _, tt := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"default", nil, ", 1 OCR workers in this process on queue ocr"},
		{"OCR_WORKERS=0", map[string]string{"OCR_WORKERS": "0"}, ", no OCR workers in this process (OCR_WORKERS=0: other processes read the documents)"},
		{"OCR_LANGUAGES=por", map[string]string{"OCR_WORKERS": "2", "OCR_LANGUAGES": "por"}, "languages por), 2 OCR workers"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs apptest.LogBuffer
			cfg := apptest.Config(t, dbtest.SQLiteURL(t), tt.env)
			a, err := app.New(context.Background(), cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
			require.NoError(t, err)
			t.Cleanup(func() { _ = a.Close() })
			n := 0
			for _, rec := range logs.Records(t) {
				if msg, _ := rec["msg"].(string); len(msg) > 4 && msg[:4] == "ocr:" {
					n++
					require.Contains(t, msg, "ocr: on (tesseract ")
					require.Contains(t, msg, tt.want)
				}
			}
			require.Equal(t, 1, n, "one OCR line: %v", logs.Records(t))
		})
	}
}

// A language Tesseract does not have turns OCR off, saying so and how to
// enable it.
func TestStartUpLogSaysWhyOCRIsOff(t *testing.T) {
	t.Parallel()
	documenttest.RequireOCR(t)
	var logs apptest.LogBuffer
	cfg := apptest.Config(t, dbtest.SQLiteURL(t), map[string]string{"OCR_LANGUAGES": "por+klingon"})
	a, err := app.New(context.Background(), cfg, slog.New(slog.NewJSONHandler(&logs, nil)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	recs := logs.Find(t, `ocr: off: tesseract has no language "klingon"; uploads are kept with OCR state not_available`)
	require.Len(t, recs, 1, "%v", logs.Records(t))
	require.Contains(t, recs[0]["to_enable"], "apt-get install tesseract-ocr")
}
