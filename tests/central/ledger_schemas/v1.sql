-- Central's ledger schema as released from 58dbf0f to f273d9b (user_version 0 on disk; version 1 here).
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tickets (
    id TEXT PRIMARY KEY, day TEXT NOT NULL, origin_queue TEXT NOT NULL, queue TEXT NOT NULL,
    number INTEGER NOT NULL, prefix TEXT NOT NULL, priority INTEGER NOT NULL,
    status TEXT NOT NULL, issued_at TEXT NOT NULL, offline INTEGER NOT NULL,
    node_id TEXT NOT NULL, request_id TEXT, counter TEXT, officer TEXT,
    called_at TEXT, started_at TEXT, finished_at TEXT,
    recalls INTEGER NOT NULL, transfers INTEGER NOT NULL, rating INTEGER,
    UNIQUE (day, origin_queue, number)
);
CREATE INDEX IF NOT EXISTS tickets_by_day ON tickets (day);
CREATE TABLE IF NOT EXISTS counters (
    id TEXT PRIMARY KEY, paused INTEGER NOT NULL, officer TEXT, ticket_id TEXT, since TEXT
);
CREATE TABLE IF NOT EXISTS numbering (
    day TEXT NOT NULL, queue TEXT NOT NULL, next INTEGER NOT NULL, PRIMARY KEY (day, queue)
);
CREATE TABLE IF NOT EXISTS leases (
    id TEXT PRIMARY KEY, node_id TEXT NOT NULL, queue TEXT NOT NULL, day TEXT NOT NULL,
    first INTEGER NOT NULL, last INTEGER NOT NULL, granted_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY, node_id TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,
    ticket_id TEXT, reply TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, day TEXT NOT NULL, kind TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (
    node_id TEXT PRIMARY KEY, body TEXT NOT NULL
);
