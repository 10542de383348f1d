//go:build tools

package tools

import (
	_ "github.com/google/uuid"
	_ "github.com/hamba/avro/v2"
	_ "github.com/hamba/avro/v2/cmd/avrogen"
	_ "github.com/jackc/pgx/v5"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/spf13/cobra"
	_ "github.com/twmb/franz-go/pkg/kadm"
	_ "github.com/twmb/franz-go/pkg/kfake"
	_ "github.com/twmb/franz-go/pkg/kgo"
	_ "github.com/twmb/franz-go/pkg/sr"
	_ "github.com/twmb/franz-go/plugin/kprom"
	_ "github.com/valkey-io/valkey-go"
	_ "gopkg.in/yaml.v3"
)
