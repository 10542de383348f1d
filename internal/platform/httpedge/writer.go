package httpedge

import "net/http"

// statusWriter passes a response through and notes its status and whether it has started:
// the panic screen, the metrics, the access log and the error writer all need to know.
type statusWriter struct {
	http.ResponseWriter
	status int // 0 until the response starts
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// wrote reports whether the response has started.
func (s *statusWriter) wrote() bool { return s.status != 0 }

// code is the status sent, 200 for a handler that wrote nothing.
func (s *statusWriter) code() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}

// Unwrap lets http.ResponseController reach the connection's writer (flush, deadlines).
func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }
