package backup

import (
	"fmt"
	"slices"
)

// physical are the services whose spec backs their store up physically — continuous WAL
// archiving and daily base backups of the store's own PostgreSQL cluster — beside the
// daily dump. WAL is per cluster: a base backup or a WAL archive of a cluster several
// services share would be every service's, so only a store on its own cluster is listed.
// svc-payments' spec line: "Continuous WAL archiving, daily base backup, 7-year retention
// (financial)".
var physical = []string{"svc-payments"}

// Physical fails unless service's backup policy is physical (base backups and WAL archiving).
func Physical(service string) error {
	if !slices.Contains(physical, service) {
		return fmt.Errorf("backup: %s's backup policy is a daily pg_dump (novatrek backup %s); base backups and WAL archiving "+
			"are svc-payments' policy, whose store runs on its own cluster", service, service)
	}
	return nil
}

// PhysicalServices are the services backed up physically.
func PhysicalServices() []string { return slices.Clone(physical) }
