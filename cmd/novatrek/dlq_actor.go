package main

import (
	"cmp"
	"os"
	"os/user"
)

// redriveActor is who a re-drive is recorded as when --by is not given: $USER, else the
// account the process runs as (containers and cron often have no $USER), else
// "unknown@<host>". A re-drive always names someone, and never fails for want of a name.
func redriveActor() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	host, _ := os.Hostname()
	return "unknown@" + cmp.Or(host, "localhost")
}
