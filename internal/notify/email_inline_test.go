package notify_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/notify"
	"clinic/internal/platform/testenv"
)

// onePixelPNG is a valid 1×1 PNG.
var onePixelPNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

func TestEmailSendsInlineImagesReferencedByContentID(t *testing.T) {
	t.Parallel()
	ch, api := mailpitEmail(t)
	msg := notify.Message{
		To:      testenv.RandomName("maria-") + "@example.com",
		Subject: "Pix " + testenv.RandomName(""),
		Text:    "Pague com o Pix copia e cola.",
		HTML:    `<p>Pague com o QR code:</p><p><img src="cid:pix-qr" alt="QR code"></p>`,
		Inline:  []notify.InlineFile{{ContentID: "pix-qr", Name: "pix.png", ContentType: "image/png", Data: onePixelPNG}},
	}
	receipt, err := ch.Send(context.Background(), msg)
	require.NoError(t, err)
	got := findMailpitMessage(t, api, receipt.ProviderMessageID)
	require.Equal(t, msg.HTML, strings.TrimRight(got.HTML, "\r\n"))

	var parts struct {
		Inline []struct {
			PartID, FileName, ContentType, ContentID string
		}
		Attachments []struct{ FileName string }
	}
	require.NoError(t, getJSON(context.Background(), api+"/api/v1/message/"+url.PathEscape(got.ID), &parts))
	require.Len(t, parts.Inline, 1, "one inline part")
	require.Empty(t, parts.Attachments, "inline, not attached")
	in := parts.Inline[0]
	require.Equal(t, "pix.png", in.FileName)
	require.Equal(t, "image/png", in.ContentType)
	require.Equal(t, "pix-qr", in.ContentID)

	resp, err := http.Get(api + "/api/v1/message/" + url.PathEscape(got.ID) + "/part/" + url.PathEscape(in.PartID))
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, onePixelPNG, data, "the image arrives byte for byte")
}

func TestEmailRefusesAnIncompleteInlineFile(t *testing.T) {
	t.Parallel()
	ch, err := notify.NewEmail(notify.EmailConfig{Host: "127.0.0.1", Port: 1, TLS: notify.TLSNone, From: "c@clinic.example"})
	require.NoError(t, err)
	_, err = ch.Send(context.Background(), notify.Message{To: "a@example.com", Subject: "s", Text: "t",
		Inline: []notify.InlineFile{{Name: "pix.png", ContentType: "image/png", Data: onePixelPNG}}})
	require.ErrorIs(t, err, notify.ErrInvalidMessage)
}
