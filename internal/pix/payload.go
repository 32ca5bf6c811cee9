package pix

import (
	"fmt"
	"strconv"
	"strings"
)

// The BR Code's top-level tags.
const (
	TagPayloadFormat   = "00"
	TagInitiation      = "01"
	TagMerchantAccount = "26"
	TagCategory        = "52"
	TagCurrency        = "53"
	TagAmount          = "54"
	TagCountry         = "58"
	TagMerchantName    = "59"
	TagMerchantCity    = "60"
	TagAdditionalData  = "62"
	TagCRC             = "63"
)

// The tags inside the merchant account information (26) and the additional
// data field template (62).
const (
	SubTagGUI         = "00"
	SubTagKey         = "01"
	SubTagDescription = "02"
	SubTagURL         = "25" // the location of a dynamic payload
	SubTagTxID        = "05"
)

// GUI is the globally unique identifier of the Pix arrangement, subfield 00
// of the merchant account information.
const GUI = "br.gov.bcb.pix"

// Limits of the fields, from the manual.
const (
	MaxMerchantName = 25
	MaxMerchantCity = 15
	MaxTxID         = 25
	// MaxMerchantAccount is the longest value of field 26 (GUI, key and
	// description together).
	MaxMerchantAccount = 99
	// MaxAmountCents is the largest amount field 54 (13 characters) holds.
	MaxAmountCents = 999999999999
	// MaxPayload is the longest BR Code.
	MaxPayload = 512
)

// The field names of Payload's errors.
const (
	FieldMerchantName = "merchant_name"
	FieldMerchantCity = "merchant_city"
	FieldAmount       = "amount_cents"
	FieldTxID         = "txid"
	FieldPayload      = "payload"
)

// Charge is a static Pix "copia e cola": a BR Code in EMV merchant-presented
// mode that any banking app pays to Key.
type Charge struct {
	// Key receives the payment; it is validated again (ParseKey) by Payload.
	Key Key
	// MerchantName is the receiver's name (field 59): accents are removed,
	// characters outside printable ASCII dropped, and it is cut to 25.
	MerchantName string
	// MerchantCity is the receiver's city (field 60), normalised like the
	// name and cut to 15.
	MerchantCity string
	// AmountCents is the amount in centavos (field 54); 0 leaves the amount
	// to the payer.
	AmountCents int64
	// TxID is the reference label (field 62/05): at most 25 letters and
	// digits; "" becomes "***" (no reference), as the manual prescribes.
	TxID string
	// Description is optional text shown to the payer (field 26/02),
	// normalised like the name and cut to what fits in the 99 characters of
	// field 26 next to the key.
	Description string
}

// Payload returns the BR Code of c, CRC included. An invalid key, an empty
// name or city (after normalisation), a negative or too large amount, or a
// txid that is not 1–25 letters and digits is an apperr validation error
// naming the field.
func (c Charge) Payload() (string, error) {
	key, err := ParseKey(c.Key.Type, c.Key.Value)
	if err != nil {
		return "", err
	}
	name := asciiText(c.MerchantName, MaxMerchantName)
	if name == "" {
		return "", invalid(FieldMerchantName, "Required.")
	}
	city := asciiText(c.MerchantCity, MaxMerchantCity)
	if city == "" {
		return "", invalid(FieldMerchantCity, "Required.")
	}
	if c.AmountCents < 0 || c.AmountCents > MaxAmountCents {
		return "", invalid(FieldAmount, "Must be between 0 and 9999999999.99.")
	}
	txid := c.TxID
	if txid == "" {
		txid = "***"
	} else if len(txid) > MaxTxID || strings.Trim(txid, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") != "" {
		return "", invalid(FieldTxID, "Must be at most 25 letters and digits.")
	}

	mai := tlv(SubTagGUI, GUI) + tlv(SubTagKey, key.Value)
	if room := MaxMerchantAccount - len(mai) - 4; room > 0 {
		if d := asciiText(c.Description, room); d != "" {
			mai += tlv(SubTagDescription, d)
		}
	}

	var b strings.Builder
	b.WriteString(tlv(TagPayloadFormat, "01"))
	b.WriteString(tlv(TagMerchantAccount, mai))
	b.WriteString(tlv(TagCategory, "0000"))
	b.WriteString(tlv(TagCurrency, "986"))
	if c.AmountCents > 0 {
		b.WriteString(tlv(TagAmount, FormatAmount(c.AmountCents)))
	}
	b.WriteString(tlv(TagCountry, "BR"))
	b.WriteString(tlv(TagMerchantName, name))
	b.WriteString(tlv(TagMerchantCity, city))
	b.WriteString(tlv(TagAdditionalData, tlv(SubTagTxID, txid)))
	b.WriteString(TagCRC + "04")
	s := b.String()
	return s + CRC16(s), nil
}

// FormatAmount writes cents as field 54 does: a dot before the two decimals,
// no thousands separator ("1234.50").
func FormatAmount(cents int64) string {
	return fmt.Sprintf("%d.%02d", cents/100, cents%100)
}

// tlv writes one field. Every value Payload writes is ASCII and at most 99
// characters long.
func tlv(tag, value string) string {
	return tag + fmt.Sprintf("%02d", len(value)) + value
}

// parseAmount reads field 54 ("10", "10.5", "10.50") into cents.
func parseAmount(s string) (int64, bool) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" && !dot || strings.Trim(whole, "0123456789") != "" ||
		len(frac) > 2 || strings.Trim(frac, "0123456789") != "" || dot && frac == "" {
		return 0, false
	}
	if whole == "" {
		whole = "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > MaxAmountCents/100 {
		return 0, false
	}
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			f *= 10
		}
	}
	return w*100 + f, true
}
