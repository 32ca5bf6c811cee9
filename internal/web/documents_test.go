package web_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"clinic/internal/i18n"
	"clinic/internal/web"
)

// The messages the documents pages choose at run time (kinds, OCR states,
// suggestion fields, flashes) are all in the catalogue.
func TestDocumentsMessagesAreInTheCatalogue(t *testing.T) {
	t.Parallel()
	require.Empty(t, i18n.Missing(web.DocumentsMessageIDs()...))
}
