// Package inapp is the in-app channel: delivering a message stores it in the recipient's
// inbox (table inapp_messages in the service schema), and the notifications API reads the
// inbox back for the app. It is a provider.Sender like the HTTP providers, so the pipeline
// treats all four channels alike; unlike them, its delivery can join the caller's
// transaction (SendTx), and it is final at once (there is no callback to wait for).
//
// Send is idempotent on Message.ID: a job delivered twice stores one row and returns the
// same Result both times.
package inapp
