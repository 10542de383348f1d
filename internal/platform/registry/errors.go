package registry

import (
	"fmt"
	"net/http"
)

// apiError is Confluent's error body. Its HTTP status is the first three digits of a five
// digit code (40401 → 404) or the code itself (409).
type apiError struct {
	Code    int    `json:"error_code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Message }

func (e *apiError) status() int {
	if e.Code >= 10000 {
		return e.Code / 100
	}
	return e.Code
}

// Confluent's error codes, with its message wording where clients or people may look for it.
const (
	codeSubjectNotFound               = 40401
	codeVersionNotFound               = 40402
	codeSchemaNotFound                = 40403
	codeSubjectSoftDeleted            = 40404
	codeSubjectNotSoftDeleted         = 40405
	codeVersionSoftDeleted            = 40406
	codeVersionNotSoftDeleted         = 40407
	codeSubjectCompatibilityNotConfig = 40408
	codeIncompatible                  = 409
	codeInvalidSchema                 = 42201
	codeInvalidVersion                = 42202
	codeInvalidCompatibility          = 42203
	codeInvalidMode                   = 42204
	codeOperationNotPermitted         = 42205
	codeSchemaTooLarge                = 42209
	codeStoreError                    = 50001
)

func errSubjectNotFound(subject string) *apiError {
	return &apiError{codeSubjectNotFound, fmt.Sprintf("Subject '%s' not found.", subject)}
}

func errVersionNotFound(version int) *apiError {
	return &apiError{codeVersionNotFound, fmt.Sprintf("Version %d not found.", version)}
}

func errSchemaIDNotFound(id int) *apiError {
	return &apiError{codeSchemaNotFound, fmt.Sprintf("Schema %d not found", id)}
}

func errSchemaNotFound() *apiError {
	return &apiError{codeSchemaNotFound, "Schema not found"}
}

func errInvalidSchema(format string, args ...any) *apiError {
	return &apiError{codeInvalidSchema, "Invalid schema: " + fmt.Sprintf(format, args...)}
}

func errInvalidVersion(raw string) *apiError {
	return &apiError{codeInvalidVersion, fmt.Sprintf(
		"The specified version '%s' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"", raw)}
}

func errInvalidCompatibility(raw string) *apiError {
	return &apiError{codeInvalidCompatibility, fmt.Sprintf(
		"Invalid compatibility level %q. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive", raw)}
}

func errBadRequest(format string, args ...any) *apiError {
	return &apiError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

func errStore(err error) *apiError {
	return &apiError{codeStoreError, "Error in the backend data store: " + err.Error()}
}
