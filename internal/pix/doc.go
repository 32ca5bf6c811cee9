// Package pix builds and reads static Pix BR Codes, the "copia e cola" text
// and its QR code that a patient's banking app pays.
//
// A BR Code is an EMV® QRCPS merchant-presented payload: a sequence of TLV
// fields (two-digit tag, two-digit length, value), some of them templates of
// nested fields, closed by a CRC16-CCITT-FALSE over everything before it,
// "6304" included. Banco Central do Brasil's "Manual de Padrões para
// Iniciação do Pix" fixes the fields that Pix uses:
//
//	00 payload format indicator, "01"
//	01 point of initiation method, optional: "11" reusable, "12" single use
//	   (a static code omits it, as the manual's static example does)
//	26 merchant account information (a template):
//	     00 GUI "br.gov.bcb.pix", 01 the Pix key, 02 a description
//	52 merchant category code, "0000"
//	53 transaction currency, "986" (BRL)
//	54 transaction amount, "123.45" (omitted: the payer types the amount)
//	58 country code, "BR"
//	59 merchant name (≤ 25), 60 merchant city (≤ 15)
//	62 additional data field template: 05 reference label (txid, "***" when none)
//	63 CRC16 of everything before its value, as 4 uppercase hex digits
//
// ParseKey validates the receiver's key of each type (CPF, CNPJ, e-mail,
// phone, random key) and normalises it as the DICT stores it; Charge.Payload
// builds the payload; Parse reads one back and checks its CRC; QRPNG and
// QRSVG draw its QR code (error correction level M).
//
// The package depends on no other clinic package but apperr: its errors are
// apperr validation errors naming the offending field.
package pix
