package serde

import (
	"encoding/binary"
	"fmt"
)

// headerLen is the magic byte plus the 4-byte schema id.
const headerLen = 5

const magic = 0

// SchemaID reads the schema id from a framed record, or fails with ErrMalformed.
func SchemaID(data []byte) (int, error) {
	if len(data) < headerLen {
		return 0, fmt.Errorf("%w: %d bytes, shorter than the 5-byte Confluent header", ErrMalformed, len(data))
	}
	if data[0] != magic {
		return 0, fmt.Errorf("%w: magic byte 0x%02x, want 0x00", ErrMalformed, data[0])
	}
	return int(binary.BigEndian.Uint32(data[1:headerLen])), nil
}

func appendHeader(dst []byte, id int) []byte {
	dst = append(dst, magic)
	return binary.BigEndian.AppendUint32(dst, uint32(id))
}
