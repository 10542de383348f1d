package analytics

import (
	"context"
	"fmt"

	"github.com/novatrek/support/internal/platform/config"
	"github.com/novatrek/support/internal/platform/store"
)

// Checksum is a table's content fingerprint: its row count and the exact sum of the first
// 64 bits (as a signed integer) of each row's md5. It does not depend on row order or physical layout
// (a rebuild writes the same rows in another order) and needs no memory beyond one row,
// so it runs over a year of facts; equal checksums after two replays mean the same rows.
type Checksum struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
	Sum   string `json:"sum"`
}

// StoreChecksums fingerprints the tables of the store svc-analytics is configured with
// (ANALYTICS_STORE, ORACLE_DSN read through getenv): Checksums of pool's schema, or the
// Oracle store's, which `novatrek analytics checksum` prints.
func StoreChecksums(ctx context.Context, pool store.DB, getenv func(string) string) ([]Checksum, error) {
	var cfg Config
	if err := config.Load(getenv, &cfg); err != nil {
		return nil, err
	}
	if cfg.Store != storeOracle {
		return Checksums(ctx, pool)
	}
	ora, err := connectOracle(ctx, cfg.oracle)
	if err != nil {
		return nil, err
	}
	defer ora.db.Close()
	return ora.Checksums(ctx)
}

// Checksums fingerprints the six fact tables and the rollups, in a fixed order.
func Checksums(ctx context.Context, db store.DB) ([]Checksum, error) {
	var out []Checksum
	for _, name := range append(tableNames[:], "rollups") {
		c := Checksum{Table: name}
		err := db.QueryRow(ctx, `SELECT count(*), coalesce(sum(('x' || left(md5(t::text), 16))::bit(64)::bigint::numeric), 0)::text
			FROM analytics.`+name+` t`).Scan(&c.Rows, &c.Sum)
		if err != nil {
			return nil, fmt.Errorf("analytics: checksum %s: %w", name, err)
		}
		out = append(out, c)
	}
	return out, nil
}
