package pix

import "fmt"

// CRC16 returns the CRC16-CCITT-FALSE (polynomial 0x1021, initial value
// 0xFFFF, no reflection, no final XOR) of data's bytes as 4 uppercase hex
// digits: the value of a BR Code's field 63, computed over the payload up to
// and including "6304".
func CRC16(data string) string {
	crc := uint16(0xFFFF)
	for i := 0; i < len(data); i++ {
		crc ^= uint16(data[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return fmt.Sprintf("%04X", crc)
}
