package schemas

import (
	"fmt"

	"github.com/hamba/avro/v2"
)

// checkNamedTypes makes sure that, across the latest versions, a full name has one
// definition and a short name belongs to one full name. Generated Go types are named by
// the short name, and the generator keeps the first definition it sees, so two different
// types called e.g. "Participant" would silently become one.
func (c *Catalog) checkNamedTypes() error {
	defs := map[string]string{}   // full name -> canonical form
	owners := map[string]string{} // full name -> schema that first defined it
	short := map[string]string{}  // short name -> full name
	for _, name := range c.Names() {
		latest, _ := c.Latest(name)
		var err error
		walkNamed(latest.Schema, func(n avro.NamedSchema) {
			if err != nil {
				return
			}
			full, canon := n.FullName(), n.String()
			if prev, ok := defs[full]; ok {
				if prev != canon {
					err = fmt.Errorf("schemas: %s defines %s differently from %s; a named type must have one definition (or a new name)", name, full, owners[full])
				}
				return
			}
			defs[full], owners[full] = canon, name
			if other, ok := short[n.Name()]; ok && other != full {
				err = fmt.Errorf("schemas: %s defines %s, whose short name clashes with %s (from %s); generated Go types are named by the short name", name, full, other, owners[other])
				return
			}
			short[n.Name()] = full
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// walkNamed calls fn for every named type defined (not merely referenced) in s.
func walkNamed(s avro.Schema, fn func(avro.NamedSchema)) {
	switch t := s.(type) {
	case *avro.RecordSchema:
		fn(t)
		for _, f := range t.Fields() {
			walkNamed(f.Type(), fn)
		}
	case *avro.EnumSchema:
		fn(t)
	case *avro.FixedSchema:
		fn(t)
	case *avro.ArraySchema:
		walkNamed(t.Items(), fn)
	case *avro.MapSchema:
		walkNamed(t.Values(), fn)
	case *avro.UnionSchema:
		for _, u := range t.Types() {
			walkNamed(u, fn)
		}
	}
}
