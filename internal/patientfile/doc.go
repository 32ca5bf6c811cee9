// Package patientfile composes a patient's file out of the packages that
// hold parts of it: one chronological timeline (appointments, messages,
// waitlist entries and, through their Sources, encounters, documents and
// charges), the LGPD export of everything the clinic holds on the patient
// as one zip, the anonymisation of the patient everywhere their data was
// copied, and the clinic-wide search over patients and, through Searchers,
// documents and clinical notes.
//
// It owns no table. Every part is read and written through its owner's
// service, with the caller's kernel.Principal: each owner checks the role
// and the clinic itself. patientfile adds the rules of the whole file:
//
//   - Clinical content (a Source or a Searcher that says Clinical, or an
//     Entry marked Clinical) is for owners and the patient's professionals
//     (CanReadClinical); for everybody else it is left out, never shown
//     redacted, and asking for a clinical kind by name is Forbidden.
//   - Export and anonymisation are for owners only, and audited.
//   - Another clinic's patient is NotFound (the patient service's answer).
//
// It has no tables of its own.
package patientfile
