-- fno/guards.sql
-- Guard: invoice proposals come only from the dual-write sync and are never deleted.

CREATE OR REPLACE FUNCTION process.fno_projproposaljour_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF coalesce(current_setting('tieout.origin', true), '') NOT LIKE 'sync:%' THEN
            RAISE EXCEPTION 'invoice proposal % cannot be created in F&O: proposals come only from confirmed proforma '
                            'invoices in Dataverse (map invoice-proposal-v2)', NEW.proposalid;
        END IF;
        RETURN NEW;
    ELSIF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'invoice proposal % cannot be deleted: deleting invoice proposals in F&O is not supported '
                        '(correct the invoice in Dataverse with a corrective invoice)', OLD.proposalid;
    END IF;
    RAISE EXCEPTION 'invoice proposals cannot be deleted: deleting invoice proposals in F&O is not supported '
                    '(correct the invoice in Dataverse with a corrective invoice)';
END
$$;
COMMENT ON FUNCTION process.fno_projproposaljour_guard() IS
  'Trigger function on fno.projproposaljour: refuses an insert unless the transaction is the dual-write sync''s '
  '(setting tieout.origin = sync:<map>), and refuses every delete and truncate (SQLSTATE P0001).';

CREATE OR REPLACE TRIGGER projproposaljour_guard
    BEFORE INSERT OR DELETE ON fno.projproposaljour
    FOR EACH ROW WHEN (NOT load.loading())
    EXECUTE FUNCTION process.fno_projproposaljour_guard();
COMMENT ON TRIGGER projproposaljour_guard ON fno.projproposaljour IS
  'Invoice proposals are created only by the map invoice-proposal-v2 from confirmed proforma invoices and never '
  'deleted. Skipped while loading (load.loading()): a load writes the proposals F&O holds.';

CREATE OR REPLACE TRIGGER projproposaljour_guard_truncate
    BEFORE TRUNCATE ON fno.projproposaljour
    FOR EACH STATEMENT WHEN (NOT load.loading())
    EXECUTE FUNCTION process.fno_projproposaljour_guard();
COMMENT ON TRIGGER projproposaljour_guard_truncate ON fno.projproposaljour IS
  'TRUNCATE deletes invoice proposals too, so it is refused like a delete. Skipped while loading (load.loading()).';
