// Package nwsfake is a local weather provider with the shape of the US National Weather
// Service API (api.weather.gov): a point resolves to a forecast office grid
// (GET /points/{lat},{lon}), the grid has an hourly forecast
// (GET /gridpoints/{office}/{x},{y}/forecast/hourly) and observation stations
// (GET /gridpoints/{office}/{x},{y}/stations), a station its latest observation
// (GET /stations/{id}/observations/latest), and active alerts are CAP messages in GeoJSON
// (GET /alerts/active?point={lat},{lon}) with sender, identifier, messageType and references.
// Units are the NWS's: forecasts in °F and "mph" strings, observations in wmoUnit
// quantities (degC, km_h-1, m, mm). Answers carry Cache-Control max-age and Expires.
//
// The weather is computed from the grid cell and the hour, so the same point always gets the
// same forecast; a test pins a cell's weather (SetWeather), the active alerts (SetAlerts),
// and injects latency, 5xx, 429 with Retry-After, outages and malformed bodies. Counters
// say how many requests of each kind arrived, which is how the tests count upstream calls.
//
// In its dev mode (SetStorms, which `novatrek dev` turns on through fakes.Options.Storms) it
// raises a storm now and then over the known areas: a watch, its upgrade to a warning and
// its cancellation, so the alert chain and the trips' risk changes show without a test.
//
// svc-weather's tests get it through servicetest (the Spec's client names the fake "nws");
// `novatrek dev` starts one when WEATHER_PROVIDER_URL is unset.
package nwsfake
