-- 0005_sync.sql
-- Schema sync: the dual-write sync engine's change capture, map state and error queue.
--
-- Capture: sync.enable_capture(table, maps) adds three statement-level triggers with transition tables to a
-- source table. Each INSERT/UPDATE/DELETE statement appends the primary keys of the rows it touched to
-- sync.change_log, once per map that reads the table, in the same transaction as the change, and notifies
-- channel tieout_sync.
--
-- Consumption: a map's engine reads its log rows in id order and deletes the ones it applied in the same
-- transaction as the target rows (one database), or records their ids in sync.map_state in that transaction
-- and deletes them right after (two databases). A row only becomes visible when its transaction commits, and
-- every visible row stays until it is applied, so a transaction that took a lower id but committed later is
-- never skipped: there is no position to move past it.
--
-- State lives where the target rows are: sync.map_state and sync.error are written in the same transaction as
-- the target rows of each batch.

CREATE SCHEMA sync;
COMMENT ON SCHEMA sync IS
  'Dual-write sync engine: change capture (change_log), per-map state (map_state) and failed rows (error).';

CREATE TABLE sync.change_log (
    map          text        NOT NULL,
    id           bigint      GENERATED ALWAYS AS IDENTITY,
    op           text        NOT NULL,
    pk           text[]      NOT NULL,
    logged_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT change_log_pkey PRIMARY KEY (map, id),
    CONSTRAINT change_log_op_check CHECK (op IN ('I', 'U', 'D', 'R'))
);
COMMENT ON TABLE sync.change_log IS
  'Changes waiting to be applied: one row per changed source row, statement and map reading the table, written by '
  'the capture triggers in the same transaction as the change. A map''s engine deletes the rows it applied.';
COMMENT ON COLUMN sync.change_log.map IS 'The map that will apply the change (maps/<map>.yaml).';
COMMENT ON COLUMN sync.change_log.id IS 'Order of the change within the log (a sequence: commit order may differ).';
COMMENT ON COLUMN sync.change_log.op IS 'I insert, U update, D delete, R re-queued by `tieout sync skip`.';
COMMENT ON COLUMN sync.change_log.pk IS 'Primary key values of the changed row, as text, in primary key column order.';
COMMENT ON COLUMN sync.change_log.logged_at IS 'Start time of the transaction that made the change (for lag).';

CREATE TABLE sync.map_state (
    map                 text        NOT NULL,
    version             integer     NOT NULL,
    source_table        text        NOT NULL,
    target_table        text        NOT NULL,
    paused              boolean     NOT NULL DEFAULT false,
    pause_reason        text,
    paused_at           timestamptz,
    applied_log_ids     bigint[],
    applied_changes     bigint      NOT NULL DEFAULT 0,
    last_applied_at     timestamptz,
    initial_status      text        NOT NULL DEFAULT 'none',
    initial_last_key    text[],
    initial_rows        bigint      NOT NULL DEFAULT 0,
    initial_started_at  timestamptz,
    initial_finished_at timestamptz,
    registered_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT map_state_pkey PRIMARY KEY (map),
    CONSTRAINT map_state_initial_status_check CHECK (initial_status IN ('none', 'running', 'done'))
);
COMMENT ON TABLE sync.map_state IS
  'One row per table map: whether it is paused and why, what it applied, and its initial sync; updated in the same '
  'transaction as each batch it applies (so a crash never loses or repeats a batch).';
COMMENT ON COLUMN sync.map_state.map IS 'Map name (maps/<name>.yaml).';
COMMENT ON COLUMN sync.map_state.version IS 'Version of the map file that applied the last batch.';
COMMENT ON COLUMN sync.map_state.source_table IS 'Source table of the map (schema.table).';
COMMENT ON COLUMN sync.map_state.target_table IS 'Target table of the map (schema.table).';
COMMENT ON COLUMN sync.map_state.paused IS 'True while the map is paused: its changes queue in sync.change_log.';
COMMENT ON COLUMN sync.map_state.pause_reason IS 'Why the map is paused (by a user, or by the error threshold).';
COMMENT ON COLUMN sync.map_state.paused_at IS 'When the map was paused.';
COMMENT ON COLUMN sync.map_state.applied_log_ids IS
  'Two-database mode: ids of the change-log rows the last batch applied, recorded with its target rows; the engine '
  'deletes them from the source''s change log before it reads the next batch.';
COMMENT ON COLUMN sync.map_state.applied_changes IS 'Number of change-log rows applied so far.';
COMMENT ON COLUMN sync.map_state.last_applied_at IS 'When the last batch was applied.';
COMMENT ON COLUMN sync.map_state.initial_status IS 'Initial sync: none, running (resumable) or done.';
COMMENT ON COLUMN sync.map_state.initial_last_key IS 'Initial sync: source primary key of the last row copied.';
COMMENT ON COLUMN sync.map_state.initial_rows IS 'Initial sync: source rows read so far.';
COMMENT ON COLUMN sync.map_state.initial_started_at IS 'Initial sync: when it started.';
COMMENT ON COLUMN sync.map_state.initial_finished_at IS 'Initial sync: when it finished.';
COMMENT ON COLUMN sync.map_state.registered_at IS 'When the engine first saw the map.';

CREATE TABLE sync.error (
    id              bigint      GENERATED ALWAYS AS IDENTITY,
    map             text        NOT NULL,
    key             text[]      NOT NULL,
    sqlstate        text        NOT NULL,
    message         text        NOT NULL,
    detail          text,
    payload         jsonb,
    status          text        NOT NULL DEFAULT 'open',
    attempts        integer     NOT NULL DEFAULT 1,
    held_changes    integer     NOT NULL DEFAULT 0,
    first_failed_at timestamptz NOT NULL DEFAULT now(),
    last_failed_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at     timestamptz,
    CONSTRAINT error_pkey PRIMARY KEY (id),
    CONSTRAINT error_status_check CHECK (status IN ('open', 'resolved', 'skipped'))
);
CREATE UNIQUE INDEX error_open_key_idx ON sync.error (map, key) WHERE status = 'open';
CREATE INDEX error_map_failed_idx ON sync.error (map, first_failed_at);
COMMENT ON TABLE sync.error IS
  'Rows a map could not apply. While a row''s error is open, later changes of the same key wait behind it. '
  '`tieout sync retry` applies the row''s current state again; `tieout sync skip` gives up on it.';
COMMENT ON COLUMN sync.error.id IS 'Error id (used by `tieout sync retry --id` and `skip --id`).';
COMMENT ON COLUMN sync.error.map IS 'Map that failed.';
COMMENT ON COLUMN sync.error.key IS 'Source primary key values of the failed row.';
COMMENT ON COLUMN sync.error.sqlstate IS
  'SQLSTATE of the failure: the server''s, or 22023 (no value-map entry) and 23503 (missing reference) from the engine.';
COMMENT ON COLUMN sync.error.message IS 'What went wrong, in one line.';
COMMENT ON COLUMN sync.error.detail IS 'The server''s detail text, when it gave one.';
COMMENT ON COLUMN sync.error.payload IS 'The source row as JSON when it failed.';
COMMENT ON COLUMN sync.error.status IS 'open, resolved (a retry applied it) or skipped (a user gave up on it).';
COMMENT ON COLUMN sync.error.attempts IS 'How many times the row failed.';
COMMENT ON COLUMN sync.error.held_changes IS 'Later changes of the same key that arrived while the error was open.';
COMMENT ON COLUMN sync.error.first_failed_at IS 'When the row first failed.';
COMMENT ON COLUMN sync.error.last_failed_at IS 'When the row last failed.';
COMMENT ON COLUMN sync.error.resolved_at IS 'When the error was resolved or skipped.';
