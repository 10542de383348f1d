package simulate

import (
	"strconv"

	"github.com/google/uuid"
)

// idSpace namespaces the simulator's derived ids (uuid v5), so a seed always yields the same
// ids and two seeds never collide.
var idSpace = uuid.MustParse("3c1f8a0e-7b52-4d3e-9a61-5e0d2c4b8f17")

// id returns the next id of kind: a uuid derived from the seed, the kind and a counter.
func (g *Generator) id(kind string) string {
	g.ids++
	return uuid.NewSHA1(idSpace, []byte(g.seed+"/"+kind+"/"+strconv.FormatUint(g.ids, 10))).String()
}
