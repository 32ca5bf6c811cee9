package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/kernel"
	"clinic/internal/pix"
	"clinic/internal/platform/db"
)

// Settings are the clinic's billing settings: its Pix key and the name and
// city the payer's bank shows, and the document (CNPJ or CPF) printed on
// receipts.
type Settings struct {
	PixKeyType   string     `json:"pix_key_type"`
	PixKey       string     `json:"pix_key"`
	MerchantName string     `json:"merchant_name"`
	MerchantCity string     `json:"merchant_city"`
	Document     string     `json:"document"`
	UpdatedAt    *time.Time `json:"updated_at,omitempty"`
}

// PixReady reports whether a Pix code can be made.
func (st Settings) PixReady() bool {
	return st.PixKey != "" && st.MerchantName != "" && st.MerchantCity != ""
}

// Settings returns the clinic's billing settings (staff who see charges;
// empty when never saved).
func (s *Service) Settings(ctx context.Context, p kernel.Principal) (Settings, error) {
	if !SeesCharges(p.Role) {
		return Settings{}, errChargeRole
	}
	return s.settings(ctx, p.ClinicID)
}

func (s *Service) settings(ctx context.Context, clinicID string) (Settings, error) {
	var st Settings
	var at time.Time
	err := s.db.QueryRowContext(ctx, `SELECT pix_key_type, pix_key, merchant_name, merchant_city, document, updated_at FROM billing_settings WHERE clinic_id = $1`,
		clinicID).Scan(&st.PixKeyType, &st.PixKey, &st.MerchantName, &st.MerchantCity, &st.Document, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return Settings{}, nil
	}
	if err != nil {
		return Settings{}, fmt.Errorf("billing: settings: %w", err)
	}
	st.UpdatedAt = &at
	return st, nil
}

// SaveSettings replaces the billing settings (owner, financial). The Pix
// key is validated and normalised for its type (pix.ParseKey); a key needs
// the merchant's name and city. An empty key turns Pix off.
func (s *Service) SaveSettings(ctx context.Context, p kernel.Principal, in Settings) (Settings, error) {
	if !ManagesMoney(p.Role) {
		return Settings{}, errMoneyRole
	}
	bad := map[string]string{}
	in.PixKey = strings.TrimSpace(in.PixKey)
	in.MerchantName = checkText(bad, "merchant_name", in.MerchantName, in.PixKey != "", 25)
	in.MerchantCity = checkText(bad, "merchant_city", in.MerchantCity, in.PixKey != "", 15)
	in.Document = checkText(bad, "document", in.Document, false, 30)
	if in.PixKey == "" {
		in.PixKeyType = ""
	} else {
		k, err := pix.ParseKey(pix.KeyType(in.PixKeyType), in.PixKey)
		if err != nil {
			for f, m := range apperr.As(err).Fields {
				bad[f] = m
			}
			if len(apperr.As(err).Fields) == 0 {
				bad["pix_key"] = apperr.As(err).Message
			}
		} else {
			in.PixKey = k.Value
		}
	}
	if len(bad) > 0 {
		return Settings{}, apperr.Validation(bad)
	}
	now := db.Time(s.now())
	err := s.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO billing_settings (clinic_id, pix_key_type, pix_key, merchant_name, merchant_city, document, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (clinic_id) DO UPDATE SET pix_key_type = excluded.pix_key_type, pix_key = excluded.pix_key,
			merchant_name = excluded.merchant_name, merchant_city = excluded.merchant_city, document = excluded.document, updated_at = excluded.updated_at`,
			p.ClinicID, in.PixKeyType, in.PixKey, in.MerchantName, in.MerchantCity, in.Document, now); err != nil {
			return fmt.Errorf("billing: save settings: %w", err)
		}
		return audit.Record(ctx, tx, p.ClinicID, audit.ActionUpdate, "billing_settings", p.ClinicID, "")
	})
	if err != nil {
		return Settings{}, err
	}
	in.UpdatedAt = &now
	return in, nil
}

// PixCode is the Pix "copia e cola" of a charge's open balance.
type PixCode struct {
	ChargeID    string `json:"charge_id"`
	AmountCents int64  `json:"amount_cents"`
	TxID        string `json:"txid"`
	Payload     string `json:"payload"`
}

// errNoPix is the answer when the clinic has no Pix key.
var errNoPix = apperr.New(apperr.Conflict, "The clinic has no Pix key yet: set it in the billing settings.")

// TxID is the Pix reference of a charge: its id's 25 first letters and
// digits (a UUIDv7's are its time and first random bits: unique per clinic).
func TxID(chargeID string) string {
	s := strings.ReplaceAll(chargeID, "-", "")
	if len(s) > pix.MaxTxID {
		s = s[:pix.MaxTxID]
	}
	return s
}

// Pix returns the static Pix code for the charge's open balance (staff
// who see charges). A paid or cancelled charge, or a clinic without a
// key, answers 409.
func (s *Service) Pix(ctx context.Context, p kernel.Principal, chargeID string) (PixCode, Charge, error) {
	c, err := s.Charge(ctx, p, chargeID)
	if err != nil {
		return PixCode{}, Charge{}, err
	}
	if c.BalanceCents <= 0 {
		return PixCode{}, c, apperr.New(apperr.Conflict, "The charge has nothing left to pay.")
	}
	st, err := s.settings(ctx, p.ClinicID)
	if err != nil {
		return PixCode{}, c, err
	}
	if !st.PixReady() {
		return PixCode{}, c, errNoPix
	}
	code := PixCode{ChargeID: c.ID, AmountCents: c.BalanceCents, TxID: TxID(c.ID)}
	code.Payload, err = pix.Charge{Key: pix.Key{Type: pix.KeyType(st.PixKeyType), Value: st.PixKey}, MerchantName: st.MerchantName,
		MerchantCity: st.MerchantCity, AmountCents: c.BalanceCents, TxID: code.TxID, Description: c.Description}.Payload()
	if err != nil {
		return PixCode{}, c, err
	}
	return code, c, nil
}

// PixQR returns the charge's Pix code as a QR image: PNG (size pixels
// wide) or SVG.
func (s *Service) PixQR(ctx context.Context, p kernel.Principal, chargeID, format string, size int) ([]byte, error) {
	code, _, err := s.Pix(ctx, p, chargeID)
	if err != nil {
		return nil, err
	}
	if format == "svg" {
		return pix.QRSVG(code.Payload)
	}
	return pix.QRPNG(code.Payload, size)
}

// SendPix sends the charge's Pix code to its patient through the wired
// messenger (staff who see charges). Without a messenger: unavailable.
func (s *Service) SendPix(ctx context.Context, p kernel.Principal, chargeID string) error {
	if s.pixSend == nil {
		return apperr.New(apperr.Unavailable, "Sending Pix codes to patients is not set up.")
	}
	code, c, err := s.Pix(ctx, p, chargeID)
	if err != nil {
		return err
	}
	return s.pixSend(ctx, p, PixMessage{ClinicID: p.ClinicID, PatientID: c.PatientID, ChargeID: c.ID, AmountCents: code.AmountCents,
		Description: c.Description, Payload: code.Payload})
}
