// Package support is the root of the NovaTrek support domain module. It embeds topics.yaml,
// the single source of truth for every Kafka topic the domain produces or consumes, so every
// binary and test reads the same declarations (see internal/platform/topology for the parsed form).
package support

import _ "embed"

// TopicsYAML is the content of topics.yaml at the module root.
//
//go:embed topics.yaml
var TopicsYAML []byte
