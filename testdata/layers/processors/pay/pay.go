package pay

import (
	_ "net/http/httptest"

	_ "github.com/novatrek/support/internal/dev/fake"
	_ "github.com/novatrek/support/processors/ship"
)
