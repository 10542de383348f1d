package procurement

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/novatrek/support/internal/platform/fault"
	"github.com/novatrek/support/internal/platform/outbound"
)

// catalog is svc-gear-inventory's item catalog ("Verify item catalog", synchronous in the
// spec): GET /v1/items/{sku}. The dev stand-in answers it in dev.
type catalog struct{ http *outbound.Client }

// item is the part of a catalog entry procurement uses.
type item struct {
	SKU    string `json:"sku"`
	Name   string `json:"name"`
	Active bool   `json:"active"`
}

// errUnknownItem is what lookup returns for a SKU the catalog does not have or no longer
// sells; the caller names the field.
var errUnknownItem = fmt.Errorf("not in the gear catalog")

// lookup returns sku's catalog entry. A 404 or an inactive item is errUnknownItem; anything
// else that is not an answer (a refused connection, a 5xx, a body that is not an item) is a
// 503 fault: the catalog cannot vouch for the item, so nothing may be written.
func (c catalog) lookup(ctx context.Context, sku string) (item, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.http.URL("/v1/items/"+url.PathEscape(sku)), nil)
	if err != nil {
		return item{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return item{}, unreachable(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return item{}, errUnknownItem
	case resp.StatusCode != http.StatusOK:
		return item{}, unreachable(fmt.Errorf("GET /v1/items/{sku} answered %d", resp.StatusCode))
	}
	var it item
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&it); err != nil || it.SKU != sku {
		return item{}, unreachable(fmt.Errorf("GET /v1/items/{sku}: not the item asked for (%v)", err))
	}
	if !it.Active {
		return item{}, errUnknownItem
	}
	return it, nil
}

func unreachable(cause error) error {
	return fault.Unavailable("catalog-unavailable", "Gear catalog unavailable",
		"svc-gear-inventory could not verify the items; nothing was written, retry later.").Because(cause)
}
