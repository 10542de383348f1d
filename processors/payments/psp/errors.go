package psp

import (
	"errors"
	"fmt"
)

// Error is an error answered by the PSP ({"error": {...}}).
type Error struct {
	// HTTPStatus is the response status, e.g. 402 for a card decline.
	HTTPStatus int `json:"-"`
	// Type is card_error, invalid_request_error, idempotency_error, api_error, ...
	Type string `json:"type"`
	// Code is e.g. card_declined, expired_card, amount_too_large, resource_missing.
	Code string `json:"code"`
	// DeclineCode is the issuer's reason for a card_declined, e.g. insufficient_funds.
	DeclineCode string `json:"decline_code"`
	// Message is for people; it never holds card data.
	Message string `json:"message"`
	// PaymentIntent is the intent after a failed confirm, when the PSP includes it.
	PaymentIntent *PaymentIntent `json:"payment_intent,omitempty"`
}

func (e *Error) Error() string {
	s := fmt.Sprintf("psp: %d %s", e.HTTPStatus, e.Type)
	if e.Code != "" {
		s += "/" + e.Code
	}
	if e.DeclineCode != "" {
		s += " (" + e.DeclineCode + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Declined reports whether the card was declined: a final answer for this payment method.
func (e *Error) Declined() bool { return e.Type == "card_error" }

// Reason is the most specific reason code: the decline code, else the error code.
func (e *Error) Reason() string {
	if e.DeclineCode != "" {
		return e.DeclineCode
	}
	if e.Code != "" {
		return e.Code
	}
	return e.Type
}

// ErrUnavailable marks a failure that may heal: the PSP could not be reached, timed out or
// answered 409/429/5xx on every attempt. The operation's outcome is unknown; retry it later
// with the same idempotency key.
var ErrUnavailable = errors.New("psp: unavailable")

// AsDecline returns the PSP error if err is a card decline.
func AsDecline(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) && e.Declined() {
		return e, true
	}
	return nil, false
}
