// Package soak runs the whole support domain under load and faults, then checks that
// nothing was lost or duplicated (`novatrek soak`, `make soak`).
//
// Everything it runs is its own, in one temporary directory: a PostgreSQL cluster (initdb
// into the directory, on a free port) and a Valkey server, the schema registry and the dev
// stack's Kafka broker as child processes of the novatrek binary, and every service as one
// or more `novatrek run` processes. The machine's shared PostgreSQL and Valkey are never
// touched, so a soak can stop and start its own as faults while other work goes on.
//
// While the simulator plays the neighbouring domains (events on their topics, calls to the
// services' APIs through a small proxy that spreads them over the ready instances: at a
// rate for a time, or exactly N spec days of traffic, Config.Days), a fault
// injector kills service processes (SIGKILL, then a restart), stops PostgreSQL, Valkey and
// the registry for a while, and churns instances so the groups rebalance. When the traffic
// ends and the services have caught up, the invariants are checked against the stores and
// the topics (see Report), and Run returns the report.
package soak
