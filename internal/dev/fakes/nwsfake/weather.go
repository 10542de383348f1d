package nwsfake

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Weather is a cell's weather in metric units; the fake converts to the API's units.
type Weather struct {
	TempC       float64
	HumidityPct float64
	WindKmh     float64
	// GustKmh 0: no gust in the forecast (windGust null).
	GustKmh   float64
	PrecipPct float64
	// Thunder makes the forecast text mention thunderstorms.
	Thunder bool
	// VisibilityM 0: not forecast.
	VisibilityM float64
	Short       string
}

// ForecastHours is how many hourly periods a forecast holds (the NWS gives 156).
const ForecastHours = 156

// weatherAt is the pinned weather of cell (x, y), else a calm, computed one that varies
// with the cell and the hour.
func (s *Server) weatherAt(x, y int, at time.Time) Weather {
	s.mu.Lock()
	w, ok := s.weather[gridKey(x, y)]
	s.mu.Unlock()
	if ok {
		return w
	}
	lat, _ := gridCenter(x, y)
	h := float64(at.UTC().Hour())
	return Weather{TempC: 22 - math.Abs(lat)/3 + 6*math.Sin((h-9)/24*2*math.Pi), HumidityPct: 45,
		WindKmh: 8 + float64((x+y)%7), PrecipPct: float64((x*7 + y*3) % 20), Short: "Mostly Sunny"}
}

func (s *Server) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

func (s *Server) points(_ http.ResponseWriter, r *http.Request) (any, int) {
	lat, lon, err := parsePoint(r.PathValue("point"))
	if err != nil {
		return err.Error(), http.StatusBadRequest
	}
	x, y := Grid(lat, lon)
	base := "http://" + r.Host
	grid := fmt.Sprintf("%s/gridpoints/%s/%d,%d", base, Office, x, y)
	return map[string]any{
		"@context": []any{"https://geojson.org/geojson-ld/geojson-context.jsonld"},
		"id":       base + "/points/" + r.PathValue("point"),
		"type":     "Feature",
		"geometry": map[string]any{"type": "Point", "coordinates": []float64{lon, lat}},
		"properties": map[string]any{
			"gridId": Office, "gridX": x, "gridY": y, "cwa": Office,
			"forecast":            grid + "/forecast",
			"forecastHourly":      grid + "/forecast/hourly",
			"forecastGridData":    grid,
			"observationStations": grid + "/stations",
			"timeZone":            "UTC",
		},
	}, http.StatusOK
}

// gridOf reads the office and "x,y" of a gridpoints path.
func gridOf(r *http.Request) (x, y int, ok bool) {
	if r.PathValue("office") != Office {
		return 0, 0, false
	}
	a, b, found := strings.Cut(r.PathValue("xy"), ",")
	x, errX := strconv.Atoi(a)
	y, errY := strconv.Atoi(b)
	return x, y, found && errX == nil && errY == nil
}

func (s *Server) forecast(_ http.ResponseWriter, r *http.Request) (any, int) {
	x, y, ok := gridOf(r)
	if !ok {
		return "unknown grid", http.StatusNotFound
	}
	now := s.clock().UTC()
	start := now.Truncate(time.Hour)
	periods := make([]map[string]any, ForecastHours)
	for i := range periods {
		at := start.Add(time.Duration(i) * time.Hour)
		w := s.weatherAt(x, y, at)
		short := w.Short
		if w.Thunder {
			short = "Chance Showers And Thunderstorms"
		}
		var gust any
		if w.GustKmh > 0 {
			gust = mph(w.GustKmh)
		}
		p := map[string]any{
			"number": i + 1, "name": "", "startTime": at.Format(time.RFC3339), "endTime": at.Add(time.Hour).Format(time.RFC3339),
			"isDaytime": at.Hour() >= 6 && at.Hour() < 18, "temperature": math.Round(w.TempC*9/5 + 32), "temperatureUnit": "F",
			"probabilityOfPrecipitation": quantity("wmoUnit:percent", w.PrecipPct),
			"relativeHumidity":           quantity("wmoUnit:percent", w.HumidityPct),
			"windSpeed":                  mph(w.WindKmh), "windGust": gust, "windDirection": "SW", "shortForecast": short,
		}
		if w.VisibilityM > 0 {
			p["visibility"] = quantity("wmoUnit:m", w.VisibilityM)
		}
		periods[i] = p
	}
	return map[string]any{"type": "Feature", "properties": map[string]any{
		"units": "us", "forecastGenerator": "HourlyForecastGenerator",
		"generatedAt": now.Format(time.RFC3339), "updateTime": now.Add(-10 * time.Minute).Format(time.RFC3339),
		"periods": periods,
	}}, http.StatusOK
}

// StationID is the id of the observation station of cell (x, y): one per cell.
func StationID(x, y int) string { return fmt.Sprintf("K%03X%03X", x%4096, y%4096) }

func (s *Server) stations(_ http.ResponseWriter, r *http.Request) (any, int) {
	x, y, ok := gridOf(r)
	if !ok {
		return "unknown grid", http.StatusNotFound
	}
	lat, lon := gridCenter(x, y)
	id := StationID(x, y)
	return map[string]any{"type": "FeatureCollection", "features": []any{map[string]any{
		"id": "http://" + r.Host + "/stations/" + id, "type": "Feature",
		"geometry": map[string]any{"type": "Point", "coordinates": []float64{lon, lat}},
		"properties": map[string]any{"stationIdentifier": id, "name": "NovaTrek fake station " + id,
			"elevation": quantity("wmoUnit:m", 1200), "timeZone": "UTC"},
	}}}, http.StatusOK
}

func (s *Server) latest(_ http.ResponseWriter, r *http.Request) (any, int) {
	id := r.PathValue("id")
	var x, y int
	if _, err := fmt.Sscanf(id, "K%03X%03X", &x, &y); err != nil || StationID(x, y) != id {
		return "unknown station", http.StatusNotFound
	}
	now := s.clock().UTC()
	w := s.weatherAt(x, y, now)
	vis := w.VisibilityM
	if vis == 0 {
		vis = 16090
	}
	lat, lon := gridCenter(x, y)
	return map[string]any{"type": "Feature",
		"geometry": map[string]any{"type": "Point", "coordinates": []float64{lon, lat}},
		"properties": map[string]any{
			"station": "http://" + r.Host + "/stations/" + id, "timestamp": now.Add(-7 * time.Minute).Truncate(time.Minute).Format(time.RFC3339),
			"textDescription":       w.Short,
			"temperature":           quantity("wmoUnit:degC", w.TempC),
			"relativeHumidity":      quantity("wmoUnit:percent", w.HumidityPct),
			"windSpeed":             quantity("wmoUnit:km_h-1", w.WindKmh),
			"windGust":              optional("wmoUnit:km_h-1", w.GustKmh),
			"visibility":            quantity("wmoUnit:m", vis),
			"precipitationLastHour": quantity("wmoUnit:mm", w.PrecipPct/20),
		}}, http.StatusOK
}

func quantity(unit string, v float64) map[string]any {
	return map[string]any{"unitCode": unit, "value": v, "qualityControl": "V"}
}

// optional is a quantity that was not measured when v is 0, as the API says it: a null value.
func optional(unit string, v float64) map[string]any {
	if v == 0 {
		return map[string]any{"unitCode": unit, "value": nil, "qualityControl": "Z"}
	}
	return quantity(unit, v)
}

// mph is a wind speed as the forecast writes it: "12 mph".
func mph(kmh float64) string { return strconv.Itoa(int(math.Round(kmh/1.609344))) + " mph" }

func writeJSON(w http.ResponseWriter, v any) { _ = json.NewEncoder(w).Encode(v) }

// problem answers an RFC 7807 problem, as the NWS API does.
func problem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	writeJSON(w, map[string]any{"type": "https://api.weather.gov/problems/" + strings.ReplaceAll(title, " ", ""),
		"title": title, "status": status, "detail": detail})
}
