// Package providerfake holds local stand-ins for SendGrid, Twilio and Firebase Cloud
// Messaging that speak their real wire formats, for `novatrek dev` and the tests.
//
// Each fake is an http.Handler (serve it with httptest.NewServer, or all three on one
// listener with NewStack/Listen) that:
//
//   - checks credentials and request shape as the real API does and answers in its real
//     success and error shapes;
//   - records every request (Recorder), so a test can count what each recipient received
//     and assert exactly-once delivery (Recorder.Duplicates);
//   - can be switched into failure modes (Faults): a fixed latency, 429 with Retry-After,
//     5xx for the next N calls, an outage until healed, a permanent 4xx for one recipient,
//     a hang until the client gives up, and an echo of the credential in error bodies (to
//     prove clients redact it);
//   - sends the provider's status callbacks, signed as the real provider signs them (the
//     SendGrid fake with an ECDSA P-256 key it generates and whose public key it shows, the
//     Twilio fake with its auth token), so webhook verification is tested against real
//     signatures.
//
// The fakes implement the wire formats independently of the client packages, so a test of
// a client against its fake checks two readings of the provider's documentation against
// each other rather than one against itself.
package providerfake
