package location

import "errors"

// Why a coordinate is not one; NaN fails every comparison, so it is refused with the
// out-of-range values.
const (
	badLatitude  = "must be a number from -90 to 90"
	badLongitude = "must be a number from -180 to 180"
)

func validLatitude(v float64) bool  { return v >= -90 && v <= 90 }
func validLongitude(v float64) bool { return v >= -180 && v <= 180 }

// checkPoint says why (lat, lon) is not a WGS 84 position, or nil.
func checkPoint(lat, lon float64) error {
	switch {
	case !validLatitude(lat):
		return errors.New("latitude " + badLatitude)
	case !validLongitude(lon):
		return errors.New("longitude " + badLongitude)
	}
	return nil
}
