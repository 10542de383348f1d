package nws

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Grid is where a point's forecasts and stations are.
type Grid struct {
	Office         string `json:"office"`
	X              int    `json:"x"`
	Y              int    `json:"y"`
	ForecastHourly string `json:"forecast_hourly"`
	Stations       string `json:"stations"`
}

// Point resolves (lat, lon), at most 4 decimals as the API wants, to its grid.
func (c *Client) Point(ctx context.Context, lat, lon float64) (Grid, time.Duration, error) {
	var body struct {
		Properties struct {
			GridID              string `json:"gridId"`
			GridX               *int   `json:"gridX"`
			GridY               *int   `json:"gridY"`
			ForecastHourly      string `json:"forecastHourly"`
			ObservationStations string `json:"observationStations"`
		} `json:"properties"`
	}
	fresh, err := c.get(ctx, "/points/"+coord(lat)+","+coord(lon), &body)
	if err != nil {
		return Grid{}, 0, err
	}
	p := body.Properties
	if p.GridID == "" || p.GridX == nil || p.GridY == nil || p.ForecastHourly == "" || p.ObservationStations == "" {
		return Grid{}, 0, fmt.Errorf("%w: point %s,%s has no grid or links", ErrMalformed, coord(lat), coord(lon))
	}
	return Grid{Office: p.GridID, X: *p.GridX, Y: *p.GridY, ForecastHourly: p.ForecastHourly, Stations: p.ObservationStations}, fresh, nil
}

func coord(v float64) string { return strconv.FormatFloat(math.Round(v*1e4)/1e4, 'f', -1, 64) }

// Period is one hour of a forecast, in metric units. Optional values are nil when the
// provider does not forecast them (the NWS forecast has no visibility; gusts are often null).
type Period struct {
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	TempC       float64   `json:"temp_c"`
	HumidityPct *float64  `json:"humidity_pct,omitempty"`
	WindKmh     float64   `json:"wind_kmh"`
	GustKmh     *float64  `json:"gust_kmh,omitempty"`
	PrecipPct   float64   `json:"precip_pct"`
	VisibilityM *float64  `json:"visibility_m,omitempty"`
	Short       string    `json:"short"`
}

// Forecast is a grid's hourly forecast.
type Forecast struct {
	GeneratedAt time.Time `json:"generated_at"`
	Periods     []Period  `json:"periods"`
}

type quantity struct {
	UnitCode string   `json:"unitCode"`
	Value    *float64 `json:"value"`
}

// forecastBody is the API's hourly forecast document.
type forecastBody struct {
	Properties struct {
		GeneratedAt time.Time `json:"generatedAt"`
		Periods     []struct {
			StartTime       time.Time `json:"startTime"`
			EndTime         time.Time `json:"endTime"`
			Temperature     *float64  `json:"temperature"`
			TemperatureUnit string    `json:"temperatureUnit"`
			Humidity        quantity  `json:"relativeHumidity"`
			Precip          quantity  `json:"probabilityOfPrecipitation"`
			WindSpeed       string    `json:"windSpeed"`
			WindGust        *string   `json:"windGust"`
			Visibility      *quantity `json:"visibility"`
			ShortForecast   string    `json:"shortForecast"`
		} `json:"periods"`
	} `json:"properties"`
}

// HourlyForecast reads the hourly forecast at the grid's link.
func (c *Client) HourlyForecast(ctx context.Context, g Grid) (Forecast, time.Duration, error) {
	var body forecastBody
	fresh, err := c.get(ctx, g.ForecastHourly, &body)
	if err != nil {
		return Forecast{}, 0, err
	}
	f, err := body.forecast()
	return f, fresh, err
}

// forecast checks the document and converts it to metric periods: every period needs its
// times in order, a temperature and a wind speed; probabilities must be 0 to 100.
func (body *forecastBody) forecast() (Forecast, error) {
	f := Forecast{GeneratedAt: body.Properties.GeneratedAt}
	if len(body.Properties.Periods) == 0 {
		return Forecast{}, fmt.Errorf("%w: the forecast has no periods", ErrMalformed)
	}
	for i, p := range body.Properties.Periods {
		wind, werr := speedKmh(p.WindSpeed)
		if p.Temperature == nil || p.StartTime.IsZero() || !p.EndTime.After(p.StartTime) || werr != nil {
			return Forecast{}, fmt.Errorf("%w: forecast period %d: no temperature, times or wind speed", ErrMalformed, i+1)
		}
		if !percent(p.Precip.Value) || !percent(p.Humidity.Value) {
			return Forecast{}, fmt.Errorf("%w: forecast period %d: a probability outside 0-100", ErrMalformed, i+1)
		}
		temp := *p.Temperature
		if p.TemperatureUnit == "F" {
			temp = (temp - 32) * 5 / 9
		}
		out := Period{Start: p.StartTime.UTC(), End: p.EndTime.UTC(), TempC: math.Round(temp*10) / 10, HumidityPct: p.Humidity.Value,
			WindKmh: wind, Short: p.ShortForecast}
		if p.Precip.Value != nil {
			out.PrecipPct = *p.Precip.Value
		}
		if p.WindGust != nil && *p.WindGust != "" {
			g, err := speedKmh(*p.WindGust)
			if err != nil {
				return Forecast{}, fmt.Errorf("%w: forecast period %d: wind gust %q", ErrMalformed, i+1, *p.WindGust)
			}
			out.GustKmh = &g
		}
		if p.Visibility != nil && p.Visibility.Value != nil {
			if *p.Visibility.Value < 0 {
				return Forecast{}, fmt.Errorf("%w: forecast period %d: negative visibility", ErrMalformed, i+1)
			}
			out.VisibilityM = p.Visibility.Value
		}
		f.Periods = append(f.Periods, out)
	}
	return f, nil
}

func percent(v *float64) bool { return v == nil || (*v >= 0 && *v <= 100) }

// speedKmh reads a forecast wind speed: "10 mph", "5 to 10 mph" (the higher), "15 km/h".
func speedKmh(s string) (float64, error) {
	fields := strings.Fields(s)
	if len(fields) < 2 {
		return 0, fmt.Errorf("wind speed %q", s)
	}
	v, err := strconv.ParseFloat(fields[len(fields)-2], 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > 1000 {
		return 0, fmt.Errorf("wind speed %q", s)
	}
	switch fields[len(fields)-1] {
	case "mph":
		return math.Round(v*1.609344*10) / 10, nil
	case "km/h", "kph":
		return v, nil
	}
	return 0, fmt.Errorf("wind speed %q: unknown unit", s)
}

// Station is an observation station.
type Station struct {
	ID   string  `json:"id"`
	Name string  `json:"name"`
	Lat  float64 `json:"lat"`
	Lon  float64 `json:"lon"`
}

// Stations lists the grid's observation stations, nearest first as the API orders them.
func (c *Client) Stations(ctx context.Context, g Grid) ([]Station, time.Duration, error) {
	var body struct {
		Features []struct {
			Geometry struct {
				Coordinates []float64 `json:"coordinates"`
			} `json:"geometry"`
			Properties struct {
				ID   string `json:"stationIdentifier"`
				Name string `json:"name"`
			} `json:"properties"`
		} `json:"features"`
	}
	fresh, err := c.get(ctx, g.Stations, &body)
	if err != nil {
		return nil, 0, err
	}
	var out []Station
	for _, f := range body.Features {
		if f.Properties.ID == "" || len(f.Geometry.Coordinates) < 2 {
			return nil, 0, fmt.Errorf("%w: a station without id or position", ErrMalformed)
		}
		out = append(out, Station{ID: f.Properties.ID, Name: f.Properties.Name, Lat: f.Geometry.Coordinates[1], Lon: f.Geometry.Coordinates[0]})
	}
	return out, fresh, nil
}

// Observation is a station's observation in metric units; nil values were not measured.
type Observation struct {
	StationID   string    `json:"station_id"`
	ObservedAt  time.Time `json:"observed_at"`
	Text        string    `json:"text"`
	TempC       *float64  `json:"temp_c"`
	HumidityPct *float64  `json:"humidity_pct"`
	WindKmh     *float64  `json:"wind_kmh"`
	GustKmh     *float64  `json:"gust_kmh"`
	VisibilityM *float64  `json:"visibility_m"`
	PrecipMM    *float64  `json:"precip_last_hour_mm"`
}

// LatestObservation reads station's latest observation.
func (c *Client) LatestObservation(ctx context.Context, station string) (Observation, time.Duration, error) {
	var body struct {
		Properties struct {
			Timestamp   time.Time `json:"timestamp"`
			Text        string    `json:"textDescription"`
			Temperature quantity  `json:"temperature"`
			Humidity    quantity  `json:"relativeHumidity"`
			WindSpeed   quantity  `json:"windSpeed"`
			WindGust    quantity  `json:"windGust"`
			Visibility  quantity  `json:"visibility"`
			Precip      quantity  `json:"precipitationLastHour"`
		} `json:"properties"`
	}
	fresh, err := c.get(ctx, "/stations/"+station+"/observations/latest", &body)
	if err != nil {
		return Observation{}, 0, err
	}
	p := body.Properties
	if p.Timestamp.IsZero() {
		return Observation{}, 0, fmt.Errorf("%w: observation of %s has no timestamp", ErrMalformed, station)
	}
	o := Observation{StationID: station, ObservedAt: p.Timestamp.UTC(), Text: p.Text}
	for _, q := range []struct {
		in   quantity
		out  **float64
		unit string
	}{{p.Temperature, &o.TempC, "wmoUnit:degC"}, {p.Humidity, &o.HumidityPct, "wmoUnit:percent"},
		{p.WindSpeed, &o.WindKmh, "wmoUnit:km_h-1"}, {p.WindGust, &o.GustKmh, "wmoUnit:km_h-1"},
		{p.Visibility, &o.VisibilityM, "wmoUnit:m"}, {p.Precip, &o.PrecipMM, "wmoUnit:mm"}} {
		if q.in.Value == nil {
			continue
		}
		if q.in.UnitCode != q.unit {
			return Observation{}, 0, fmt.Errorf("%w: observation of %s: unit %q, want %s", ErrMalformed, station, q.in.UnitCode, q.unit)
		}
		v := *q.in.Value
		*q.out = &v
	}
	return o, fresh, nil
}
