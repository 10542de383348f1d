// Package fakes starts the local fakes of third-party APIs a service's clients call (a
// payment provider, fraud screening, SendGrid, Twilio, FCM, a weather provider, S3) when the client's URL variable
// is unset, and hands back the variables that point the service at them; it also writes the
// dev value of a declared service.Setting (the staff directory file) when its variable is
// unset. `novatrek dev`, `novatrek run` and the tests go through Provide, so a service never
// starts a fake nor carries dev data itself: it only declares its clients (service.Client)
// and settings (service.Setting) and reads its environment.
//
// The fakes live in the sub-packages pspfake, fraudfake, providerfake, nwsfake and s3fake (a
// real S3 server, versitygw, fake only in its credentials); this package
// is the registry of them by key (service.Client.Fake) and the roles of the values each
// hands its clients.
package fakes
