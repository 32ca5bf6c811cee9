package pix

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Fields is a BR Code read back by Parse.
type Fields struct {
	// Tags maps every top-level tag to its value; a template's value is its
	// raw nested text, and "63" is the CRC.
	Tags map[string]string
	// Order lists the top-level tags as they appear in the payload.
	Order []string
	// MerchantAccount maps the subfields of the Pix merchant account
	// information (the template among 26–51 whose GUI is br.gov.bcb.pix,
	// usually 26): 00 GUI, 01 key, 02 description, 25 URL.
	MerchantAccount map[string]string
	// AdditionalData maps the subfields of template 62 (05 txid); empty when
	// the payload has no field 62.
	AdditionalData map[string]string
}

// Key returns the Pix key (26/01), "" for a dynamic payload.
func (f Fields) Key() string { return f.MerchantAccount[SubTagKey] }

// Description returns the description (26/02), or "".
func (f Fields) Description() string { return f.MerchantAccount[SubTagDescription] }

// URL returns the location of a dynamic payload (26/25), or "".
func (f Fields) URL() string { return f.MerchantAccount[SubTagURL] }

// MerchantName returns field 59.
func (f Fields) MerchantName() string { return f.Tags[TagMerchantName] }

// MerchantCity returns field 60.
func (f Fields) MerchantCity() string { return f.Tags[TagMerchantCity] }

// TxID returns the reference label (62/05), "***" meaning none.
func (f Fields) TxID() string { return f.AdditionalData[SubTagTxID] }

// AmountCents returns the amount (field 54) in cents, 0 when the payer
// types it. Parse has checked that the field is a valid amount.
func (f Fields) AmountCents() int64 {
	c, _ := parseAmount(f.Tags[TagAmount])
	return c
}

// CRC returns field 63, as written in the payload.
func (f Fields) CRC() string { return f.Tags[TagCRC] }

// Parse reads a BR Code: its TLV fields and the nested ones of the Pix
// merchant account information and of the additional data (62). It checks
// the structure (field 00 first and "01", field 63 last), the CRC, the
// fields Pix requires (a merchant account with GUI br.gov.bcb.pix and a key
// or URL, category, currency 986, country, name, city) and their limits.
// A payload that fails is an apperr validation error on field "payload".
func Parse(payload string) (Fields, error) {
	if !utf8.ValidString(payload) {
		return Fields{}, badPayload("Not a Pix code: it is not text.")
	}
	if n := utf8.RuneCountInString(payload); n == 0 {
		return Fields{}, badPayload("Required.")
	} else if n > MaxPayload {
		return Fields{}, badPayload("A Pix code has at most 512 characters.")
	}
	fs, order, ok := readTLV(payload)
	if !ok {
		return Fields{}, badPayload("Not a Pix code: its fields are malformed.")
	}
	f := Fields{Tags: fs, Order: order}
	if order[0] != TagPayloadFormat || fs[TagPayloadFormat] != "01" {
		return Fields{}, badPayload("Not a Pix code: it must start with 000201.")
	}
	crc := fs[TagCRC]
	if order[len(order)-1] != TagCRC || len(crc) != 4 {
		return Fields{}, badPayload("Not a Pix code: it must end with its CRC (6304 and 4 hex digits).")
	}
	if !strings.EqualFold(crc, CRC16(payload[:len(payload)-4])) {
		return Fields{}, badPayload("The Pix code is damaged: its CRC does not match.")
	}
	if v, ok := fs[TagInitiation]; ok && v != "11" && v != "12" {
		return Fields{}, badPayload("Not a Pix code: field 01 must be 11 or 12.")
	}
	for _, tag := range order {
		if n, _ := strconv.Atoi(tag); n < 26 || n > 51 {
			continue
		}
		sub, _, ok := readTLV(fs[tag])
		if !ok {
			return Fields{}, badPayload("Not a Pix code: its fields are malformed.")
		}
		if strings.EqualFold(sub[SubTagGUI], GUI) {
			f.MerchantAccount = sub
			break
		}
	}
	if f.MerchantAccount == nil {
		return Fields{}, badPayload("Not a Pix code: it has no Pix account (br.gov.bcb.pix).")
	}
	if f.Key() == "" && f.URL() == "" {
		return Fields{}, badPayload("Not a Pix code: it has neither a key nor a URL.")
	}
	f.AdditionalData = map[string]string{}
	if v, ok := fs[TagAdditionalData]; ok {
		sub, _, ok := readTLV(v)
		if !ok {
			return Fields{}, badPayload("Not a Pix code: its fields are malformed.")
		}
		f.AdditionalData = sub
	}
	switch {
	case len(fs[TagCategory]) != 4 || strings.Trim(fs[TagCategory], "0123456789") != "":
		return Fields{}, badPayload("Not a Pix code: field 52 must be a 4-digit category.")
	case fs[TagCurrency] != "986":
		return Fields{}, badPayload("Not a Pix code: its currency (53) must be 986, the real.")
	case len(fs[TagCountry]) != 2:
		return Fields{}, badPayload("Not a Pix code: field 58 must be a country code.")
	case fs[TagMerchantName] == "" || utf8.RuneCountInString(fs[TagMerchantName]) > MaxMerchantName:
		return Fields{}, badPayload("Not a Pix code: field 59 must be a name of 1 to 25 characters.")
	case fs[TagMerchantCity] == "" || utf8.RuneCountInString(fs[TagMerchantCity]) > MaxMerchantCity:
		return Fields{}, badPayload("Not a Pix code: field 60 must be a city of 1 to 15 characters.")
	case utf8.RuneCountInString(f.TxID()) > MaxTxID:
		return Fields{}, badPayload("Not a Pix code: its txid (62/05) has more than 25 characters.")
	}
	if v, ok := fs[TagAmount]; ok {
		if _, ok := parseAmount(v); !ok || len(v) > 13 {
			return Fields{}, badPayload("Not a Pix code: its amount (54) is not a number such as 10.50.")
		}
	}
	return f, nil
}

func badPayload(msg string) error { return invalid(FieldPayload, msg) }

// readTLV splits s into its fields: two digits of tag, two digits of
// length (in characters), the value. It fails on a malformed field, a
// length past the end, or a tag seen twice.
func readTLV(s string) (map[string]string, []string, bool) {
	fs := map[string]string{}
	var order []string
	for s != "" {
		if len(s) < 4 || !isDigits(s[:4]) {
			return nil, nil, false
		}
		tag := s[:2]
		n, _ := strconv.Atoi(s[2:4])
		s = s[4:]
		// n characters, which may be more than n bytes.
		end := 0
		for range n {
			if end >= len(s) {
				return nil, nil, false
			}
			_, size := utf8.DecodeRuneInString(s[end:])
			end += size
		}
		if _, dup := fs[tag]; dup || n == 0 {
			return nil, nil, false
		}
		fs[tag] = s[:end]
		order = append(order, tag)
		s = s[end:]
	}
	if len(order) == 0 {
		return nil, nil, false
	}
	return fs, order, true
}

func isDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
