package bad

import (
	_ "github.com/novatrek/support/internal/testkit/kit"
	_ "github.com/novatrek/support/processors/pay"
)
