package procurement

import (
	"strings"
	"testing"
)

// TestConfigRefusesMalformedSettings: each malformed setting is one error naming its
// variable; the defaults parse.
func TestConfigRefusesMalformedSettings(t *testing.T) {
	t.Parallel()
	ok := Config{SecondApprovalAbove: "5000.00 USD", ServiceLevel: "0.95", DemandWindowDays: 28}
	s, err := ok.parse()
	if err != nil || s.threshold.Minor != 500000 || s.window != 28 || s.z < 1.644 || s.z > 1.645 {
		t.Fatalf("defaults: %+v, %v", s, err)
	}
	for _, c := range []struct {
		change func(*Config)
		names  string
	}{
		{func(c *Config) { c.SecondApprovalAbove = "5000" }, "PROCUREMENT_SECOND_APPROVAL_ABOVE"},
		{func(c *Config) { c.SecondApprovalAbove = "50.001 USD" }, "PROCUREMENT_SECOND_APPROVAL_ABOVE"},
		{func(c *Config) { c.SecondApprovalAbove = "-1 USD" }, "PROCUREMENT_SECOND_APPROVAL_ABOVE"},
		{func(c *Config) { c.ServiceLevel = "95%" }, "PROCUREMENT_SERVICE_LEVEL"},
		{func(c *Config) { c.ServiceLevel = "1" }, "PROCUREMENT_SERVICE_LEVEL"},
		{func(c *Config) { c.DemandWindowDays = 1 }, "PROCUREMENT_DEMAND_WINDOW_DAYS"},
	} {
		bad := ok
		c.change(&bad)
		if _, err := bad.parse(); err == nil || !strings.Contains(err.Error(), c.names) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: error %v; want one line naming %s", bad, err, c.names)
		}
	}
}

// TestSecondApprovalThresholdFromTheEnvironment: the setting reaches the running service
// (a lower threshold makes a small order need two approvers).
func TestSecondApprovalThresholdFromTheEnvironment(t *testing.T) {
	t.Parallel()
	h := start(t, harnessOption{env: []string{"PROCUREMENT_SECOND_APPROVAL_ABOVE", "5.00 USD"}})
	h.supplier(sup(1), 9)
	o := h.order(sup(1), "WH-1", line{"GEAR-TENT-2P", 1, "10"})
	h.must(200, "POST", "/v1/purchase-orders/"+o.ID+"/transitions", map[string]any{"action": "submit", "actor": "ana"}, nil)
	h.must(200, "POST", "/v1/purchase-orders/"+o.ID+"/transitions", map[string]any{"action": "approve", "actor": "bo"}, &o)
	if o.Status != AwaitingSecond {
		t.Errorf("a 10 USD order above a 5 USD threshold is %s after one approval", o.Status)
	}
}
