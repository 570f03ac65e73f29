-- Central's ledger schema as released in 9e5f249 (the first with user_version: 4).
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE tickets (
    id TEXT PRIMARY KEY, day TEXT NOT NULL, origin_queue TEXT NOT NULL, queue TEXT NOT NULL,
    number INTEGER NOT NULL, prefix TEXT NOT NULL, priority INTEGER NOT NULL,
    status TEXT NOT NULL, issued_at TEXT NOT NULL, offline INTEGER NOT NULL,
    node_id TEXT NOT NULL, request_id TEXT, counter TEXT, officer TEXT,
    called_at TEXT, started_at TEXT, finished_at TEXT,
    recalls INTEGER NOT NULL, transfers INTEGER NOT NULL, rating INTEGER,
    UNIQUE (day, origin_queue, number)
);
CREATE INDEX tickets_by_day ON tickets (day);
CREATE TABLE counters (
    id TEXT PRIMARY KEY, paused INTEGER NOT NULL, officer TEXT, ticket_id TEXT, since TEXT
);
CREATE TABLE numbering (
    day TEXT NOT NULL, queue TEXT NOT NULL, next INTEGER NOT NULL, PRIMARY KEY (day, queue)
);
CREATE TABLE leases (
    id TEXT PRIMARY KEY, node_id TEXT NOT NULL, queue TEXT NOT NULL, day TEXT NOT NULL,
    first INTEGER NOT NULL, last INTEGER NOT NULL, granted_at TEXT NOT NULL
);
CREATE INDEX leases_by_day ON leases (day);
CREATE TABLE requests (
    id TEXT NOT NULL, node_id TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL,
    ticket_id TEXT, reply TEXT NOT NULL,
    PRIMARY KEY (node_id, id)
);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, day TEXT NOT NULL, kind TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX events_by_day ON events (day, seq);
CREATE TABLE nodes (
    node_id TEXT PRIMARY KEY, body TEXT NOT NULL
);
CREATE TABLE removed_nodes (
    node_id TEXT PRIMARY KEY, session INTEGER NOT NULL
);
PRAGMA user_version = 4;
