// Package document keeps the files attached to a patient (and optionally to
// an encounter of package record): scanned insurance cards, IDs, referrals,
// exams. It stores them through the platform file store (blob.Store) under
// random keys, sniffs their type from the content (PDF, JPEG and PNG only),
// reads their text with OCR in a job on its own queue (QueueOCR), indexes
// that text for the clinic's search, and suggests from it what a
// receptionist may copy into the patient's record with one click (CPF,
// dates, insurance card number, phone), through patient.Service.Update.
//
// # Who sees what
//
// A document is clinical content when it is attached to an encounter, marked
// clinical, or an exam: the clinic's owner and the professionals of the
// patient (a professional with an appointment with the patient) read it.
// Administrative documents (insurance card, ID, referral, other) are read by
// owners, admins, receptionists and the patient's professionals. Financial
// users read none. Every download and every read of clinical content is
// audited. Another clinic's document is not found.
//
// # OCR
//
// PDFs with a text layer are read with pdftotext; PDFs without one are
// rendered with pdftoppm (300 dpi) and each page read by Tesseract; images
// go to Tesseract directly. The tools run as processes with a time-out. A
// machine without them still takes uploads: their OCR state is
// not_available, and POST …/ocr runs it again once they are installed.
//
// # Tables
//
// Tables: documents, document_words, document_suggestions.
package document
