package weather

import (
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/novatrek/support/processors/weather/nws"
)

// The conditions answer is the hot read (svc-wildlife-tracking asks at every sighting), so
// it is written without reflection: the observation is encoded once per cached value
// (entry.encoded), and the rest is two coordinates, a time, a number and a flag appended to
// a pooled buffer. conditionsBody is byte for byte what encoding/json makes of the map it
// replaces (TestConditionsBodyIsWhatEncodingJSONWrites).

// observationJSON is a cached observation as the API writes it: decoded into nws.Observation
// and encoded again, so the answer has the type's shape whatever version of the service
// wrote the entry.
func observationJSON(data []byte) ([]byte, error) {
	var o nws.Observation
	if err := json.Unmarshal(data, &o); err != nil {
		return nil, err
	}
	return json.Marshal(o)
}

// null is a JSON null (a point given by coordinates has no location_id).
var null = []byte("null")

// bodies are the buffers answers are written from; a conditions answer is about 500 bytes.
var bodies = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// conditionsBody appends {"cell", "freshness", "location_id", "observation"} (the keys in
// encoding/json's map order) and a newline, as httpedge.WriteJSON ends its bodies, to b.
// loc and obs are JSON already. A cell's coordinates are multiples of 0.01 within ±180,
// which encoding/json writes in strconv's shortest 'f' form, as appended here.
func conditionsBody(b []byte, cell Point, f freshness, loc, obs []byte) []byte {
	b = append(b, `{"cell":{"lat":`...)
	b = strconv.AppendFloat(b, cell.Lat, 'f', -1, 64)
	b = append(b, `,"lon":`...)
	b = strconv.AppendFloat(b, cell.Lon, 'f', -1, 64)
	b = append(b, `},"freshness":{"fetched_at":"`...)
	b = f.FetchedAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","age_seconds":`...)
	b = strconv.AppendInt(b, f.AgeSeconds, 10)
	b = append(b, `,"stale":`...)
	b = strconv.AppendBool(b, f.Stale)
	b = append(b, `},"location_id":`...)
	b = append(b, loc...)
	b = append(b, `,"observation":`...)
	b = append(b, obs...)
	return append(b, "}\n"...)
}
