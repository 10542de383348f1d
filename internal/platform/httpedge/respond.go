package httpedge

import (
	"encoding/json"
	"net/http"
)

// WriteJSON answers status with v as its JSON body. It encodes before writing the status,
// so a value that cannot be encoded returns its error while the response is still unsent
// and the edge answers a 500 problem instead of a 200 with half a body.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(body, '\n'))
	return err
}
