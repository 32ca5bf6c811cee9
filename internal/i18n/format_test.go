package i18n

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDatesAndTimes(t *testing.T) {
	t.Parallel()
	sp, err := time.LoadLocation("America/Sao_Paulo")
	require.NoError(t, err)
	afternoon := time.Date(2026, 12, 1, 14, 30, 0, 0, sp) // a Tuesday
	morning := time.Date(2027, 1, 9, 8, 5, 0, 0, time.UTC)
	midnight := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	noon := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		l      Locale
		format func(*Localizer, time.Time) string
		in     time.Time
		want   string
	}{
		{"Date pt-BR", PtBR, (*Localizer).Date, afternoon, "01/12/2026"},
		{"Date pt-BR zero-padded", PtBR, (*Localizer).Date, morning, "09/01/2027"},
		{"Date en", En, (*Localizer).Date, afternoon, "Dec 1, 2026"},
		{"Date en January", En, (*Localizer).Date, morning, "Jan 9, 2027"},
		{"Time pt-BR", PtBR, (*Localizer).Time, afternoon, "14:30"},
		{"Time pt-BR morning", PtBR, (*Localizer).Time, morning, "08:05"},
		{"Time pt-BR midnight", PtBR, (*Localizer).Time, midnight, "00:00"},
		{"Time en", En, (*Localizer).Time, afternoon, "2:30 PM"},
		{"Time en morning", En, (*Localizer).Time, morning, "8:05 AM"},
		{"Time en midnight", En, (*Localizer).Time, midnight, "12:00 AM"},
		{"Time en noon", En, (*Localizer).Time, noon, "12:00 PM"},
		{"DateTime pt-BR", PtBR, (*Localizer).DateTime, afternoon, "01/12/2026 14:30"},
		{"DateTime en", En, (*Localizer).DateTime, afternoon, "Dec 1, 2026, 2:30 PM"},
		{"DateLong pt-BR", PtBR, (*Localizer).DateLong, afternoon, "terça-feira, 1 de dezembro de 2026"},
		{"DateLong pt-BR Saturday", PtBR, (*Localizer).DateLong, morning, "sábado, 9 de janeiro de 2027"},
		{"DateLong en", En, (*Localizer).DateLong, afternoon, "Tuesday, December 1, 2026"},
		{"DateLong en Saturday", En, (*Localizer).DateLong, morning, "Saturday, January 9, 2027"},
		// The location of t is the one shown: 14:30 in São Paulo is 17:30 UTC.
		{"Time in t's location", PtBR, (*Localizer).Time, afternoon.UTC(), "17:30"},
		{"Date in t's location", PtBR, (*Localizer).Date, time.Date(2026, 12, 31, 23, 0, 0, 0, sp).UTC(), "01/01/2027"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.format(For(tt.l), tt.in))
		})
	}
}

func TestWeekdayAndMonth(t *testing.T) {
	t.Parallel()
	pt, en := For(PtBR), For(En)
	wantPt := []string{"domingo", "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado"}
	wantPtShort := []string{"dom", "seg", "ter", "qua", "qui", "sex", "sáb"}
	for d := time.Sunday; d <= time.Saturday; d++ {
		assert.Equal(t, wantPt[d], pt.Weekday(d))
		assert.Equal(t, wantPtShort[d], pt.WeekdayShort(d))
		assert.Equal(t, d.String(), en.Weekday(d))
		assert.Equal(t, d.String()[:3], en.WeekdayShort(d))
	}
	wantMonths := []string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"}
	for m := time.January; m <= time.December; m++ {
		assert.Equal(t, wantMonths[m-1], pt.Month(m))
		assert.Equal(t, wantMonths[m-1][:3], pt.MonthShort(m))
		assert.Equal(t, m.String(), en.Month(m))
		assert.Equal(t, m.String()[:3], en.MonthShort(m))
	}
	// Out of range values fall back to Go's own names, never panic.
	assert.Equal(t, time.Weekday(9).String(), pt.Weekday(9))
	assert.Equal(t, time.Weekday(-1).String(), pt.WeekdayShort(-1))
	assert.Equal(t, time.Month(13).String(), pt.Month(13))
	assert.Equal(t, time.Month(0).String(), pt.MonthShort(0))
}

func TestMoneyAndNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n              int64
		moneyPt, money string
		numberPt, num  string
	}{
		{0, "R$ 0,00", "R$0.00", "0", "0"},
		{5, "R$ 0,05", "R$0.05", "5", "5"},
		{99, "R$ 0,99", "R$0.99", "99", "99"},
		{100, "R$ 1,00", "R$1.00", "100", "100"},
		{999, "R$ 9,99", "R$9.99", "999", "999"},
		{123456, "R$ 1.234,56", "R$1,234.56", "123.456", "123,456"},
		{100000, "R$ 1.000,00", "R$1,000.00", "100.000", "100,000"},
		{1234567, "R$ 12.345,67", "R$12,345.67", "1.234.567", "1,234,567"},
		{100000000, "R$ 1.000.000,00", "R$1,000,000.00", "100.000.000", "100,000,000"},
		{-1, "-R$ 0,01", "-R$0.01", "-1", "-1"},
		{-123456, "-R$ 1.234,56", "-R$1,234.56", "-123.456", "-123,456"},
		{math.MaxInt64, "R$ 92.233.720.368.547.758,07", "R$92,233,720,368,547,758.07", "9.223.372.036.854.775.807", "9,223,372,036,854,775,807"},
		{math.MinInt64, "-R$ 92.233.720.368.547.758,08", "-R$92,233,720,368,547,758.08", "-9.223.372.036.854.775.808", "-9,223,372,036,854,775,808"},
	}
	pt, en := For(PtBR), For(En)
	for _, tt := range tests {
		assert.Equal(t, tt.moneyPt, pt.Money(tt.n), "pt-BR Money(%d)", tt.n)
		assert.Equal(t, tt.money, en.Money(tt.n), "en Money(%d)", tt.n)
		assert.Equal(t, tt.numberPt, pt.Number(tt.n), "pt-BR Number(%d)", tt.n)
		assert.Equal(t, tt.num, en.Number(tt.n), "en Number(%d)", tt.n)
	}
}

func TestCPF(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"12345678909", "123.456.789-09"},
		{"00000000191", "000.000.001-91"},
		{"123.456.789-09", "123.456.789-09"}, // already formatted
		{"1234567890", "1234567890"},         // 10 digits
		{"123456789012", "123456789012"},     // 12 digits
		{"1234567890a", "1234567890a"},
		{"١٢٣٤٥٦٧٨٩٠٩", "١٢٣٤٥٦٧٨٩٠٩"}, // not ASCII digits
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, CPF(tt.in), "CPF(%q)", tt.in)
	}
}

func TestPhone(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"+5511987654321", "(11) 98765-4321"}, // mobile
		{"+551133334444", "(11) 3333-4444"},   // landline
		{"+5521912345678", "(21) 91234-5678"},
		{"+351912345678", "+351 912 345 678"}, // Portugal
		{"+14155552671", "+1 415-555-2671"},   // United States
		{"+447911123456", "+44 7911 123456"},  // United Kingdom
		{"11987654321", "11987654321"},        // not E.164
		{"(11) 98765-4321", "(11) 98765-4321"},
		{"+55 11 98765-4321", "+55 11 98765-4321"},
		{"+", "+"},
		{"", ""},
		{"+0000", "+0000"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Phone(tt.in), "Phone(%q)", tt.in)
	}
}
