package forecast

import "testing"

// TestMemoKeysOnTheValuesAndForgetsTheLeastRecent: a changed value or kind is another
// key; beyond its bound the memo forgets the least recently used entry, not one just read.
func TestMemoKeysOnTheValuesAndForgetsTheLeastRecent(t *testing.T) {
	y := []float64{1, 2, 3}
	changed := []float64{1, 2, 3.0000001}
	if KeyOf("day", y) == KeyOf("day", changed) || KeyOf("day", y) == KeyOf("month", y) || KeyOf("day", y) != KeyOf("day", []float64{1, 2, 3}) {
		t.Fatal("keys do not follow the values and the kind")
	}
	m := NewMemo[int](2)
	a, b, c := KeyOf("a", nil), KeyOf("b", nil), KeyOf("c", nil)
	m.Put(a, 1)
	m.Put(b, 2)
	if v, ok := m.Get(a); !ok || v != 1 {
		t.Fatalf("Get(a) = %d, %v", v, ok)
	}
	m.Put(c, 3) // b is now the least recently used
	if _, ok := m.Get(b); ok {
		t.Error("b kept beyond the bound")
	}
	if v, ok := m.Get(a); !ok || v != 1 {
		t.Errorf("a (read just before) forgotten: %d, %v", v, ok)
	}
	if v, ok := m.Get(c); !ok || v != 3 {
		t.Errorf("Get(c) = %d, %v", v, ok)
	}
}
