package pgoutbox

// QuietBegin begins a transaction whose outbox inserts send no NOTIFY (the trigger of
// migration 0002 checks the setting). Only a committer that wakes the leading relay itself
// once it commits may use it, and only while that relay leads: a relay in another process
// would hear of the rows at its next poll.
const QuietBegin = "BEGIN; SET LOCAL novatrek.outbox_quiet = on"
