package reminder

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html"
	"strings"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"clinic/internal/apperr"
	"clinic/internal/audit"
	"clinic/internal/i18n"
	"clinic/internal/kernel"
	"clinic/internal/notify"
	"clinic/internal/pix"
	"clinic/internal/platform/db"
	"clinic/internal/platform/queue"
)

// KindPix is a payment request: a charge's amount, description and Pix
// "copia e cola", with its QR code by e-mail.
const KindPix = "pix"

// PixPlaceholders are the placeholders a pix message's template may write
// besides Placeholders: the amount (formatted in the template's locale),
// the charge (its description) and the "copia e cola" code.
var PixPlaceholders = []string{"amount", "charge", "pix_code"}

// PlaceholdersFor returns the placeholders of kind's templates.
func PlaceholdersFor(kind string) []string {
	if kind == KindPix {
		return append(append([]string(nil), Placeholders...), PixPlaceholders...)
	}
	return Placeholders
}

// PixMessage asks a patient to pay a charge by Pix.
type PixMessage struct {
	// ClinicID is the charge's clinic: the principal's ("" means it).
	ClinicID  string
	PatientID string
	// ChargeID is the billing charge the message asks to pay.
	ChargeID    string
	AmountCents int64
	// Description is what the charge is for ("Consulta 12/03"), one line.
	Description string
	// Payload is the charge's BR Code (pix.Charge.Payload); its amount, when
	// it has one, must be AmountCents.
	Payload string
}

// maxPixDescription bounds a pix message's description.
const maxPixDescription = 200 // a charge's description (billing) fits

// pixQRContentID is the Content-ID of the QR code image of a pix e-mail.
const pixQRContentID = "pix-qr"

var errPixRole = apperr.New(apperr.Forbidden, "Your role cannot send payment requests.")

// sendsPix reports whether r may send a patient a payment request: the
// roles that handle money at the desk.
func sendsPix(r kernel.Role) bool {
	return r == kernel.RoleOwner || r == kernel.RoleFinancial || r == kernel.RoleReceptionist
}

// SendPix records a payment request to the patient in the ledger (kind
// pix) and queues its sending, in one transaction: the send job picks the
// patient's channel as for every message (the policy's order, consent,
// address; skipped when the clinic's messaging is off), and writes the
// clinic's pix template with the amount, the description and the "copia e
// cola"; the e-mail also carries the QR code as an inline image. Owners,
// financial users and receptionists may send; others get Forbidden. Bad
// input (an id, the amount, a payload that is not a valid BR Code or whose
// amount differs) is Invalid, nothing written. A request for the same
// charge and code while one is still on its way returns that message
// instead of a second one (a double click, a retried request).
func (s *Service) SendPix(ctx context.Context, p kernel.Principal, m PixMessage) (Message, error) {
	if !sendsPix(p.Role) {
		return Message{}, errPixRole
	}
	fields := map[string]string{}
	if m.ClinicID != "" && m.ClinicID != p.ClinicID {
		// Another clinic's charge or patient: as if it did not exist.
		return Message{}, apperr.Validation(map[string]string{"patient_id": "No such patient."})
	}
	if !kernel.IsID(m.PatientID) {
		fields["patient_id"] = "Must be an id."
	}
	if !kernel.IsID(m.ChargeID) {
		fields["charge_id"] = "Must be an id."
	}
	if m.AmountCents <= 0 || m.AmountCents > pix.MaxAmountCents {
		fields["amount_cents"] = "Must be a positive amount in cents."
	}
	m.Description = strings.Join(strings.Fields(m.Description), " ")
	if utf8.RuneCountInString(m.Description) > maxPixDescription {
		fields["description"] = fmt.Sprintf("At most %d characters.", maxPixDescription)
	}
	m.Payload = strings.TrimSpace(m.Payload)
	if f, err := pix.Parse(m.Payload); err != nil {
		fields["payload"] = apperr.As(err).Fields[pix.FieldPayload]
		if fields["payload"] == "" {
			return Message{}, err
		}
	} else if a := f.AmountCents(); a != 0 && a != m.AmountCents && fields["amount_cents"] == "" {
		fields["payload"] = "The Pix code's amount is not the charge's."
	}
	if len(fields) > 0 {
		return Message{}, apperr.Validation(fields)
	}
	if _, err := s.patients.Get(ctx, p, m.PatientID); err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return Message{}, apperr.Validation(map[string]string{"patient_id": "No such patient."})
		}
		return Message{}, err
	}

	now := db.Time(s.now())
	id := kernel.NewID()
	err := s.db.TxBatch(ctx, func(tx *db.BatchTx) error {
		var existing string
		err := tx.QueryRowContext(ctx, `SELECT x.message_id FROM message_pix x JOIN messages m ON m.id = x.message_id
			WHERE x.clinic_id = $1 AND x.charge_id = $2 AND x.payload = $3 AND m.patient_id = $4
			AND m.status IN ('pending', 'queued', 'sending') LIMIT 1`, p.ClinicID, m.ChargeID, m.Payload, m.PatientID).Scan(&existing)
		switch {
		case err == nil:
			id = existing
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("reminder: pix message: %w", err)
		}
		status := StatusQueued
		if s.jobs == nil {
			status = StatusPending // the dispatcher queues it
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO messages (id, clinic_id, patient_id, kind, status, due_at, created_at, updated_at)
			VALUES ($1, $2, $3, 'pix', $4, $5, $5, $5)`, id, p.ClinicID, m.PatientID, status, now); err != nil {
			return fmt.Errorf("reminder: pix message: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO message_pix (message_id, clinic_id, charge_id, amount_cents, description, payload)
			VALUES ($1, $2, $3, $4, $5, $6)`, id, p.ClinicID, m.ChargeID, m.AmountCents, m.Description, m.Payload); err != nil {
			return fmt.Errorf("reminder: pix message: %w", err)
		}
		if err := audit.Record(ctx, tx, p.ClinicID, audit.ActionCreate, "message", id, m.PatientID); err != nil {
			return err
		}
		if s.jobs == nil {
			return nil
		}
		_, err = s.jobs.InsertManyTx(ctx, tx.Tx, []river.InsertManyParams{{Args: SendArgs{MessageID: id, ClinicID: p.ClinicID},
			InsertOpts: queue.WithClinic(&river.InsertOpts{Queue: QueueMessages, UniqueOpts: sendUnique}, p.ClinicID)}})
		return err
	})
	if err != nil {
		return Message{}, err
	}
	return s.message(ctx, p.ClinicID, id)
}

// message reads one message of the clinic (without its history), for the
// callers that may write a message but not read the ledger.
func (s *Service) message(ctx context.Context, clinicID, id string) (Message, error) {
	m, err := scanMessage(s.db.QueryRowContext(ctx, `SELECT `+messageCols+` FROM messages WHERE id = $1 AND clinic_id = $2`, id, clinicID))
	if errors.Is(err, sql.ErrNoRows) {
		return Message{}, errMessageNotFound
	}
	if err != nil {
		return Message{}, fmt.Errorf("reminder: get message: %w", err)
	}
	return m, nil
}

// pixRow is what a pix message says.
type pixRow struct {
	amountCents          int64
	description, payload string
}

// pixOf reads the payment request of a pix message; ok is false when the
// row is gone.
func (s *Service) pixOf(ctx context.Context, clinicID, messageID string) (pixRow, bool, error) {
	var r pixRow
	err := s.db.QueryRowContext(ctx, `SELECT amount_cents, description, payload FROM message_pix WHERE message_id = $1 AND clinic_id = $2`,
		messageID, clinicID).Scan(&r.amountCents, &r.description, &r.payload)
	if errors.Is(err, sql.ErrNoRows) {
		return pixRow{}, false, nil
	}
	if err != nil {
		return pixRow{}, false, fmt.Errorf("reminder: read pix message: %w", err)
	}
	return r, true, nil
}

// withPixQR adds the QR code of payload to a pix e-mail: an inline PNG
// shown under the text, and the code in the HTML kept from overflowing a
// phone's width.
func withPixQR(msg notify.Message, payload string, l *i18n.Localizer) (notify.Message, error) {
	png, err := pix.QRPNG(payload, 480)
	if err != nil {
		return msg, err
	}
	msg.Inline = append(msg.Inline, notify.InlineFile{ContentID: pixQRContentID, Name: "pix-qr.png", ContentType: "image/png", Data: png})
	code := html.EscapeString(payload)
	msg.HTML = strings.ReplaceAll(msg.HTML, code, `<code style="word-break:break-all;font-size:13px">`+code+`</code>`)
	img := `<p>` + html.EscapeString(l.T("message.pix.qr_caption")) + `</p><p><img src="cid:` + pixQRContentID +
		`" width="240" height="240" alt="` + html.EscapeString(l.T("message.pix.qr_alt")) + `"></p>`
	msg.HTML = strings.Replace(msg.HTML, "</body></html>", img+"</body></html>", 1)
	return msg, nil
}

// examplePixCode is the "copia e cola" of previews: the static example of
// Banco Central's manual.
const examplePixCode = "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000" +
	"5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D"

// pixExample fills a preview's pix placeholders with example values.
func pixExample(v *Vars, l *i18n.Localizer) {
	v.Amount, v.Charge, v.PixCode = l.Money(15000), l.T("message.pix.example_description"), examplePixCode
}
