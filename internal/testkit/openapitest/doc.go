// Package openapitest checks, in tests, that every response an API gives is one its OpenAPI
// 3.1 document allows: the status is documented for the operation, the body matches its
// schema (formats asserted, undeclared properties refused). The documents are written by
// hand; this is what keeps them from drifting from the code.
//
// It uses github.com/pb33f/libopenapi-validator, a maintained validator native to OpenAPI
// 3.1. Only test kits import this package.
package openapitest
