package procurement

import "slices"

// Status is a purchase order's state.
type Status string

// The states of a purchase order. AwaitingSecond is the "to approve": an order
// above the double-validation threshold that one approver has approved.
const (
	Draft             Status = "draft"
	Submitted         Status = "submitted"
	AwaitingSecond    Status = "awaiting_second_approval"
	Approved          Status = "approved"
	Rejected          Status = "rejected"
	Sent              Status = "sent"
	PartiallyReceived Status = "partially_received"
	Received          Status = "received"
	Cancelled         Status = "cancelled"
)

// Action is what a transition request asks for.
type Action string

// The actions of the transition endpoint. Receive moves an order through the receiving
// states; its lines say how much arrived.
const (
	Submit  Action = "submit"
	Approve Action = "approve"
	Reject  Action = "reject"
	Send    Action = "send"
	Cancel  Action = "cancel"
	Receive Action = "receive"
)

// Actions lists every action, in the order the API documents them.
var Actions = []Action{Submit, Approve, Reject, Send, Cancel, Receive}

// Statuses lists every state.
var Statuses = []Status{Draft, Submitted, AwaitingSecond, Approved, Rejected, Sent, PartiallyReceived, Received, Cancelled}

// transitions is the whole state machine, in one place: for each state, the actions it
// allows and the states each may lead to. Approve from Submitted leads to Approved or, above
// the threshold, AwaitingSecond; Receive leads to PartiallyReceived or Received by what is
// still outstanding. Cancel is allowed until goods have arrived: after a partial receipt the
// order is closed by receiving the rest, not cancelled. Rejected, Received and Cancelled are
// final.
var transitions = map[Status]map[Action][]Status{
	Draft:             {Submit: {Submitted}, Cancel: {Cancelled}},
	Submitted:         {Approve: {Approved, AwaitingSecond}, Reject: {Rejected}, Cancel: {Cancelled}},
	AwaitingSecond:    {Approve: {Approved}, Reject: {Rejected}, Cancel: {Cancelled}},
	Approved:          {Send: {Sent}, Cancel: {Cancelled}},
	Sent:              {Receive: {PartiallyReceived, Received}, Cancel: {Cancelled}},
	PartiallyReceived: {Receive: {PartiallyReceived, Received}},
}

// Allowed lists the actions s allows, in Actions order (the 409's "allowed").
func Allowed(s Status) []Action {
	var out []Action
	for _, a := range Actions {
		if _, ok := transitions[s][a]; ok {
			out = append(out, a)
		}
	}
	return out
}

// Targets are the states a from s may lead to; none: the transition is illegal.
func Targets(s Status, a Action) []Status { return transitions[s][a] }

// legal reports whether a from s may lead to next.
func legal(s Status, a Action, next Status) bool { return slices.Contains(transitions[s][a], next) }

// open reports whether an order in s still promises stock: it covers a reorder point.
func (s Status) open() bool {
	switch s {
	case Submitted, AwaitingSecond, Approved, Sent, PartiallyReceived:
		return true
	}
	return false
}

// eventStatus is s in purchase-order.status-changed's enum: "sent" is ORDERED there;
// AwaitingSecond is AWAITING_SECOND_APPROVAL, a symbol of schema v2 (a consumer still
// reading with v1 resolves it to the enum's default, UNKNOWN).
func (s Status) eventStatus() string {
	switch s {
	case AwaitingSecond:
		return "AWAITING_SECOND_APPROVAL"
	case Sent:
		return "ORDERED"
	}
	return map[Status]string{Draft: "DRAFT", Submitted: "SUBMITTED", Approved: "APPROVED", Rejected: "REJECTED",
		PartiallyReceived: "PARTIALLY_RECEIVED", Received: "RECEIVED", Cancelled: "CANCELLED"}[s]
}
