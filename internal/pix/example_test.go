package pix_test

import (
	"fmt"

	"clinic/internal/pix"
)

// A charge of R$ 150,00 to the clinic's CNPJ key: the "copia e cola" and
// what a banking app reads back from it.
func ExampleCharge_Payload() {
	key, err := pix.ParseKey(pix.KeyCNPJ, "11.222.333/0001-81")
	if err != nil {
		panic(err)
	}
	code, err := pix.Charge{Key: key, MerchantName: "Clínica São Lucas", MerchantCity: "São Paulo",
		AmountCents: 15000, TxID: "COB42", Description: "Consulta"}.Payload()
	if err != nil {
		panic(err)
	}
	fmt.Println(code)
	f, err := pix.Parse(code)
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Key(), f.AmountCents(), f.MerchantName(), f.MerchantCity(), f.TxID())
	// Output:
	// 00020126480014br.gov.bcb.pix0114112223330001810208Consulta5204000053039865406150.005802BR5917Clinica Sao Lucas6009Sao Paulo62090505COB4263045364
	// 11222333000181 15000 Clinica Sao Lucas Sao Paulo COB42
}
