-- 0011_lake.sql
-- Azure Synapse Link lake folders (docs/lake.md): what `tieout load lake DIR` records of the folders it loaded (so a
-- nightly run loads each completed folder exactly once), the newest version it loaded per row, the deletes it
-- applied; what `tieout lake write DIR` records of what it exported. Its functions are in sql/lake/.
-- Applied by the tieout migrator in one transaction (no BEGIN/COMMIT here).

CREATE SCHEMA lake;
COMMENT ON SCHEMA lake IS
  'Azure Synapse Link lake folders (docs/lake.md): the folders `tieout load lake` loaded, the row versions and '
  'deletes it applied, and what `tieout lake write` exported.';

------------------------------------------------------------------------------------------------
-- What `tieout load lake` loaded
------------------------------------------------------------------------------------------------
CREATE TABLE lake.loaded_folder (
    id             bigint      GENERATED ALWAYS AS IDENTITY,
    folder         text        NOT NULL,
    folder_time    timestamptz,
    model_checksum text        NOT NULL,
    loaded_at      timestamptz NOT NULL DEFAULT now(),
    rows           bigint      NOT NULL,
    CONSTRAINT loaded_folder_pkey PRIMARY KEY (id),
    CONSTRAINT loaded_folder_folder_checksum_key UNIQUE (folder, model_checksum),
    CONSTRAINT loaded_folder_time_check CHECK ((folder = '.') = (folder_time IS NULL))
);
COMMENT ON TABLE lake.loaded_folder IS
  'One row per lake folder `tieout load lake` loaded, written in the same transaction as the folder''s rows: a '
  'timestamp folder loads once; the root layout (folder ''.'') loads again when its model.json changes.';
COMMENT ON COLUMN lake.loaded_folder.id IS 'Load number (lake.loaded_table, lake.row_version, lake.deleted_row).';
COMMENT ON COLUMN lake.loaded_folder.folder IS
  'The folder''s name as written in the lake (2026-11-24T08.07.17Z), or ''.'' for the root layout.';
COMMENT ON COLUMN lake.loaded_folder.folder_time IS 'The time the folder''s name gives; NULL for the root layout.';
COMMENT ON COLUMN lake.loaded_folder.model_checksum IS 'SHA-256 (hex) of the folder''s model.json as loaded.';
COMMENT ON COLUMN lake.loaded_folder.loaded_at IS 'When it was loaded.';
COMMENT ON COLUMN lake.loaded_folder.rows IS 'Data rows read from its partition files (all tables).';

CREATE TABLE lake.loaded_table (
    load_id        bigint NOT NULL,
    table_name     text   NOT NULL,
    files          integer NOT NULL,
    rows           bigint NOT NULL,
    inserted       bigint NOT NULL,
    updated        bigint NOT NULL,
    unchanged      bigint NOT NULL,
    deleted        bigint NOT NULL,
    superseded     bigint NOT NULL,
    CONSTRAINT loaded_table_pkey PRIMARY KEY (load_id, table_name),
    CONSTRAINT loaded_table_load_fkey FOREIGN KEY (load_id) REFERENCES lake.loaded_folder (id)
);
COMMENT ON TABLE lake.loaded_table IS 'What each folder''s load did to each table it had rows for.';
COMMENT ON COLUMN lake.loaded_table.load_id IS 'The load (lake.loaded_folder.id).';
COMMENT ON COLUMN lake.loaded_table.table_name IS 'schema.table loaded.';
COMMENT ON COLUMN lake.loaded_table.files IS 'Partition files read.';
COMMENT ON COLUMN lake.loaded_table.rows IS 'Data rows read.';
COMMENT ON COLUMN lake.loaded_table.inserted IS 'Rows inserted.';
COMMENT ON COLUMN lake.loaded_table.updated IS 'Rows changed.';
COMMENT ON COLUMN lake.loaded_table.unchanged IS 'Rows that already held the same values.';
COMMENT ON COLUMN lake.loaded_table.deleted IS 'Rows deleted by IsDelete rows.';
COMMENT ON COLUMN lake.loaded_table.superseded IS
  'Rows not applied: an older version of a key the folder (or an earlier one) has a newer version of, or a delete '
  'of a row the table does not have.';

CREATE TABLE lake.table_number (
    table_no   smallint GENERATED ALWAYS AS IDENTITY,
    table_name text     NOT NULL,
    CONSTRAINT table_number_pkey PRIMARY KEY (table_no),
    CONSTRAINT table_number_table_name_key UNIQUE (table_name)
);
COMMENT ON TABLE lake.table_number IS
  'A small number for every table a lake load wrote, so lake.row_version''s key stays narrow.';
COMMENT ON COLUMN lake.table_number.table_no IS 'The number (lake.row_version.table_no).';
COMMENT ON COLUMN lake.table_number.table_name IS 'schema.table.';

CREATE TABLE lake.row_version (
    table_no   smallint NOT NULL,
    id         uuid     NOT NULL,
    version    bigint,
    load_id    bigint   NOT NULL,
    CONSTRAINT row_version_pkey PRIMARY KEY (table_no, id)
);
COMMENT ON TABLE lake.row_version IS
  'The newest version loaded of every lake row (a delete included), by table and Id: a later folder''s older version '
  'of the row is skipped. Join lake.table_number for the table''s name (no foreign key: a million-row folder would '
  'check it a million times, and only the loader writes both).';
COMMENT ON COLUMN lake.row_version.table_no IS 'The table (lake.table_number).';
COMMENT ON COLUMN lake.row_version.id IS
  'The row''s lake Id: the Dataverse primary key; for F&O the RecId as a GUID (lake.recid(id) is the recid).';
COMMENT ON COLUMN lake.row_version.version IS
  'versionnumber (or sysrowversion) of the row loaded; NULL when its row carried none (an F&O delete).';
COMMENT ON COLUMN lake.row_version.load_id IS 'The load that wrote it (lake.loaded_folder.id).';

CREATE TABLE lake.deleted_row (
    load_id    bigint NOT NULL,
    table_name text   NOT NULL,
    row_key    text   NOT NULL,
    version    bigint,
    CONSTRAINT deleted_row_pkey PRIMARY KEY (load_id, table_name, row_key),
    CONSTRAINT deleted_row_load_fkey FOREIGN KEY (load_id) REFERENCES lake.loaded_folder (id)
);
COMMENT ON TABLE lake.deleted_row IS
  'Every delete a lake load applied (an IsDelete row of a key the table had): what the source systems deleted, '
  'actuals included. Join lake.loaded_folder for the folder.';
COMMENT ON COLUMN lake.deleted_row.load_id IS 'The load (lake.loaded_folder.id) whose folder held the delete.';
COMMENT ON COLUMN lake.deleted_row.table_name IS 'schema.table the row was deleted from.';
COMMENT ON COLUMN lake.deleted_row.row_key IS 'Its primary key as text.';
COMMENT ON COLUMN lake.deleted_row.version IS 'The delete row''s version, when it carried one.';

------------------------------------------------------------------------------------------------
-- What `tieout lake write` exported
------------------------------------------------------------------------------------------------
CREATE TABLE lake.export_folder (
    folder      text        NOT NULL,
    written_at  timestamptz NOT NULL DEFAULT now(),
    rows        bigint      NOT NULL,
    deletes     bigint      NOT NULL,
    next_folder text        NOT NULL,
    CONSTRAINT export_folder_pkey PRIMARY KEY (folder)
);
COMMENT ON TABLE lake.export_folder IS 'One row per folder `tieout lake write` wrote from this database.';
COMMENT ON COLUMN lake.export_folder.folder IS 'The folder''s name (2026-11-24T08.07.17Z).';
COMMENT ON COLUMN lake.export_folder.written_at IS 'When it was written.';
COMMENT ON COLUMN lake.export_folder.rows IS 'Rows written (inserts and updates).';
COMMENT ON COLUMN lake.export_folder.deletes IS 'IsDelete rows written.';
COMMENT ON COLUMN lake.export_folder.next_folder IS
  'The empty folder created after it (Changelog/changelog.info names it): the next `tieout lake write` fills it.';

CREATE SEQUENCE lake.export_version;
COMMENT ON SEQUENCE lake.export_version IS
  'versionnumber (and F&O sysrowversion) of the rows `tieout lake write` exports: every exported change takes the '
  'next value.';

CREATE TABLE lake.export_row (
    table_name text   NOT NULL,
    row_key    text   NOT NULL,
    row_hash   text   NOT NULL,
    version    bigint NOT NULL,
    CONSTRAINT export_row_pkey PRIMARY KEY (table_name, row_key)
);
COMMENT ON TABLE lake.export_row IS
  'Every row as `tieout lake write` last exported it: a row whose hash differs is exported again as an update, a '
  'row that is gone as a delete.';
COMMENT ON COLUMN lake.export_row.table_name IS 'schema.table.';
COMMENT ON COLUMN lake.export_row.row_key IS 'Its primary key as text.';
COMMENT ON COLUMN lake.export_row.row_hash IS 'md5 of the row''s text when it was exported.';
COMMENT ON COLUMN lake.export_row.version IS 'The version it was exported with.';
