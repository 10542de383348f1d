// Package fcm delivers push notifications through Firebase Cloud Messaging's HTTP v1 API.
//
// Sending (Client.Send): POST {BaseURL}/v1/projects/{project}/messages:send with an OAuth2
// access token as bearer (scope firebase.messaging) and the body
// {"message":{"token":…,"notification":{"title","body"},"data":{…},"android":{…},"apns":{…}}}.
// FCM answers 200 with {"name":"projects/{project}/messages/{id}"}. Errors use Google's
// JSON error shape {"error":{"code","message","status","details":[{"@type":
// "type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":…}]}}: UNREGISTERED
// (the device token is gone: delete it, see Unregistered), INVALID_ARGUMENT and
// SENDER_ID_MISMATCH are permanent; QUOTA_EXCEEDED, UNAVAILABLE and INTERNAL are retryable,
// after Retry-After when FCM sends one.
//
// Access tokens come from a TokenSource: StaticToken in dev and tests, ServiceAccountTokens
// in production (a service-account key exchanged for tokens by the OAuth2 JWT-bearer
// grant, cached until shortly before they expire). FCM has no delivery receipts over HTTP:
// an accepted push is final as far as this package knows.
package fcm
