package patient

import (
	"context"
	"strings"

	"clinic/internal/audit"
)

// FieldsEntity is the audit entity of the record that lists the fields a
// change corrected: its entity_id is their names, comma-separated in
// Input's order (such as "full_name,phone,address.zip"), its patient_id the
// patient. With the update entry beside it, the trail says who corrected
// what and when (LGPD art. 18, III: the data subject's right of
// correction).
const FieldsEntity = "patient.fields"

// changedFields returns the names of the fields that differ between a and
// b, as Input names them (nested ones as "address.zip").
func changedFields(a, b Patient) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("full_name", a.FullName != b.FullName)
	add("social_name", a.SocialName != b.SocialName)
	add("cpf", a.CPF != b.CPF)
	add("birth_date", a.BirthDate != b.BirthDate)
	add("sex", a.Sex != b.Sex)
	add("phone", a.Phone != b.Phone)
	add("email", a.Email != b.Email)
	add("address.street", a.Address.Street != b.Address.Street)
	add("address.number", a.Address.Number != b.Address.Number)
	add("address.complement", a.Address.Complement != b.Address.Complement)
	add("address.district", a.Address.District != b.Address.District)
	add("address.city", a.Address.City != b.Address.City)
	add("address.state", a.Address.State != b.Address.State)
	add("address.zip", a.Address.Zip != b.Address.Zip)
	add("insurance.plan", a.Insurance.Plan != b.Insurance.Plan)
	add("insurance.card_number", a.Insurance.CardNumber != b.Insurance.CardNumber)
	add("insurance.valid_until", a.Insurance.ValidUntil != b.Insurance.ValidUntil)
	add("notes", a.Notes != b.Notes)
	add("consents.whatsapp", a.Consents.WhatsApp.Granted != b.Consents.WhatsApp.Granted)
	add("consents.sms", a.Consents.SMS.Granted != b.Consents.SMS.Granted)
	add("consents.email", a.Consents.Email.Granted != b.Consents.Email.Granted)
	return out
}

// recordCorrection audits which fields a change of a patient (before →
// after) corrected, in the change's transaction; nothing when none did.
func recordCorrection(ctx context.Context, q audit.Execer, before, after Patient) error {
	fields := changedFields(before, after)
	if len(fields) == 0 {
		return nil
	}
	return audit.Record(ctx, q, after.ClinicID, audit.ActionUpdate, FieldsEntity, strings.Join(fields, ","), after.ID)
}
