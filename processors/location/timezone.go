package location

import (
	"fmt"
	"sync"
	"time"

	"github.com/ringsaturn/tzf"
)

// zoneFinder is tzf's default finder over the timezone-boundary-builder polygons (its lite
// data set, embedded in the binary). Building it costs about a second and 60 MB, so it is
// built on the first lookup, once per process: a service whose locations all carry an
// explicit time zone never pays for it.
var zoneFinder = sync.OnceValues(tzf.NewDefaultFinder)

// zoneAt is the IANA time zone at (lat, lon), one the Go runtime can load. Over the open sea
// the boundary data answers an Etc/GMT±N zone, which is still a correct clock.
func zoneAt(lat, lon float64) (string, error) {
	f, err := zoneFinder()
	if err != nil {
		return "", fmt.Errorf("time zone finder: %w", err)
	}
	name := f.GetTimezoneName(lon, lat)
	if name == "" {
		return "", fmt.Errorf("no time zone at %.5f,%.5f", lat, lon)
	}
	if _, err := time.LoadLocation(name); err != nil {
		return "", fmt.Errorf("time zone %q found at %.5f,%.5f: %w", name, lat, lon, err)
	}
	return name, nil
}
