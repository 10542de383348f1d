package pgoutbox

// QuietBegin begins a transaction whose outbox inserts send no NOTIFY (the trigger of
// migration 0002 checks the setting). Only a committer that wakes the leading relay itself
// once it commits may use it, and only while that relay leads: a relay in another process
// would hear of the rows at its next poll.
const QuietBegin = "BEGIN; " + QuietSetting

// QuietSetting is QuietBegin's setting alone, for a transaction begun otherwise: a pipeline
// (pgx.Batch.BeginTx) runs one statement per query, so it queues the setting after its
// BEGIN.
const QuietSetting = "SET LOCAL novatrek.outbox_quiet = on"
