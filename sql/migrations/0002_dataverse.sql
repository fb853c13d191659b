-- 0002_dataverse.sql
-- Schema dataverse: the Project Operations (Dataverse) side of the project invoice flow.
--
-- Conventions (see docs/domain.md):
--   * Table and column names are Microsoft's logical names, lower-cased.
--   * Primary key: the uuid "<table>id" column, DEFAULT gen_random_uuid().
--   * Lookups are Dataverse relationships and therefore FOREIGN KEYs, named <table>_<column>_fkey.
--     Parental relationships (a line belongs to its header) cascade deletes like Dataverse does;
--     all other lookups use NO ACTION.
--   * Option sets are integer with a named CHECK listing the allowed codes. For the option sets of
--     domain.md section 2 the codes are exactly those; the others use Microsoft's published codes.
--     statuscode (status reason) is only constrained where the value set is the plain 1 Active /
--     2 Inactive pair; on tables whose status reasons are extended by solutions it is left open.
--   * Money, quantities, prices and exchange rates are plain numeric (arbitrary precision, no
--     rounding on load; Dataverse itself keeps 4 decimals for money, 10 for exchange rates).
--   * Currency is stored as its ISO 4217 code in isocurrencycode (Dataverse stores a lookup to
--     transactioncurrency; the code is denormalised here, name inferred per domain.md).
--   * Dataverse exchangerate = units of the transaction currency per one unit of the base
--     (organization) currency, so <amount>_base = <amount> / exchangerate.
--   * Timestamps are timestamptz; pure dates (document, accounting, invoice dates) are date.

------------------------------------------------------------------------------------------------
-- account: customers
------------------------------------------------------------------------------------------------
CREATE TABLE dataverse.account (
    accountid         uuid        NOT NULL DEFAULT gen_random_uuid(),
    name              text        NOT NULL,
    accountnumber     text,
    isocurrencycode   text,
    statecode         integer     NOT NULL DEFAULT 0,
    statuscode        integer     NOT NULL DEFAULT 1,
    createdon         timestamptz NOT NULL DEFAULT now(),
    modifiedon        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT account_pkey PRIMARY KEY (accountid),
    CONSTRAINT account_isocurrencycode_check CHECK (isocurrencycode ~ '^[A-Z]{3}$'),
    CONSTRAINT account_statecode_check CHECK (statecode IN (0, 1)),
    CONSTRAINT account_statuscode_check CHECK (statuscode IN (1, 2))
);
CREATE INDEX account_accountnumber_idx ON dataverse.account (accountnumber);

COMMENT ON TABLE dataverse.account IS
  'Account (customer). The party a project contract is sold to and proforma invoices are addressed to. '
  'Synchronised with F&O customers (fno.custtable) by the dual-write map Customers V3 (accounts).';
COMMENT ON COLUMN dataverse.account.accountid IS 'Account id (primary key, Dataverse GUID).';
COMMENT ON COLUMN dataverse.account.name IS 'Account name (required in Dataverse).';
COMMENT ON COLUMN dataverse.account.accountnumber IS
  'Account number. With dual-write this is the F&O customer account (fno.custtable.accountnum).';
COMMENT ON COLUMN dataverse.account.isocurrencycode IS
  'ISO 4217 code of the account''s default currency (Dataverse lookup transactioncurrencyid, denormalised).';
COMMENT ON COLUMN dataverse.account.statecode IS 'Status: 0 Active, 1 Inactive.';
COMMENT ON COLUMN dataverse.account.statuscode IS 'Status reason: 1 Active, 2 Inactive.';
COMMENT ON COLUMN dataverse.account.createdon IS 'Date and time the record was created.';
COMMENT ON COLUMN dataverse.account.modifiedon IS 'Date and time the record was last modified.';

------------------------------------------------------------------------------------------------
-- bookableresource: the person (or other resource) who records time, expense, material
------------------------------------------------------------------------------------------------
CREATE TABLE dataverse.bookableresource (
    bookableresourceid uuid        NOT NULL DEFAULT gen_random_uuid(),
    name               text        NOT NULL,
    resourcetype       integer     NOT NULL DEFAULT 3,
    statecode          integer     NOT NULL DEFAULT 0,
    statuscode         integer     NOT NULL DEFAULT 1,
    createdon          timestamptz NOT NULL DEFAULT now(),
    modifiedon         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT bookableresource_pkey PRIMARY KEY (bookableresourceid),
    CONSTRAINT bookableresource_resourcetype_check CHECK (resourcetype IN (1, 2, 3, 4, 5, 6, 7, 8)),
    CONSTRAINT bookableresource_statecode_check CHECK (statecode IN (0, 1)),
    CONSTRAINT bookableresource_statuscode_check CHECK (statuscode IN (1, 2))
);

COMMENT ON TABLE dataverse.bookableresource IS
  'Bookable resource: the worker (or other resource) who records time entries, expenses and material usage; '
  'actuals and invoice line details carry it so the invoice can show who did the work. '
  'F&O receives only its name (fno.projcdsactualsimport.bookableresourcename).';
COMMENT ON COLUMN dataverse.bookableresource.bookableresourceid IS 'Bookable resource id (primary key, Dataverse GUID).';
COMMENT ON COLUMN dataverse.bookableresource.name IS 'Resource name as shown on entries, actuals and invoices.';
COMMENT ON COLUMN dataverse.bookableresource.resourcetype IS
  'Resource type option set: 1 Generic, 2 Contact, 3 User, 4 Equipment, 5 Account, 6 Crew, 7 Facility, 8 Pool.';
COMMENT ON COLUMN dataverse.bookableresource.statecode IS 'Status: 0 Active, 1 Inactive.';
COMMENT ON COLUMN dataverse.bookableresource.statuscode IS 'Status reason: 1 Active, 2 Inactive.';
COMMENT ON COLUMN dataverse.bookableresource.createdon IS 'Date and time the record was created.';
COMMENT ON COLUMN dataverse.bookableresource.modifiedon IS 'Date and time the record was last modified.';

------------------------------------------------------------------------------------------------
-- salesorder: project contract header
------------------------------------------------------------------------------------------------
CREATE TABLE dataverse.salesorder (
    salesorderid                        uuid        NOT NULL DEFAULT gen_random_uuid(),
    name                                text        NOT NULL,
    ordernumber                         text        NOT NULL,
    description                         text,
    customerid                          uuid        NOT NULL,
    msdyn_contractorganizationalunitid  uuid,
    isocurrencycode                     text        NOT NULL,
    exchangerate                        numeric,
    totallineitemamount                 numeric     NOT NULL DEFAULT 0,
    totaltax                            numeric     NOT NULL DEFAULT 0,
    totalamount                         numeric     NOT NULL DEFAULT 0,
    statecode                           integer     NOT NULL DEFAULT 0,
    statuscode                          integer     NOT NULL DEFAULT 1,
    createdon                           timestamptz NOT NULL DEFAULT now(),
    modifiedon                          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT salesorder_pkey PRIMARY KEY (salesorderid),
    CONSTRAINT salesorder_ordernumber_key UNIQUE (ordernumber),
    CONSTRAINT salesorder_customerid_fkey FOREIGN KEY (customerid) REFERENCES dataverse.account (accountid),
    CONSTRAINT salesorder_isocurrencycode_check CHECK (isocurrencycode ~ '^[A-Z]{3}$'),
    CONSTRAINT salesorder_statecode_check CHECK (statecode IN (0, 1, 2, 3, 4))
);
CREATE INDEX salesorder_customerid_idx ON dataverse.salesorder (customerid);

COMMENT ON TABLE dataverse.salesorder IS
  'Project contract (Dataverse sales order used by Project Operations). Header of the contract lines that are '
  'billed on proforma invoices. Synchronised to F&O as a project contract (fno.projinvoicetable) by the '
  'dual-write map Project contract headers (salesorders); its customers become F&O funding sources.';
COMMENT ON COLUMN dataverse.salesorder.salesorderid IS 'Project contract id (primary key, Dataverse GUID).';
COMMENT ON COLUMN dataverse.salesorder.name IS 'Project contract name.';
COMMENT ON COLUMN dataverse.salesorder.ordernumber IS
  'Project contract number (unique). Documented choice: it is the F&O contract id '
  '(fno.projinvoicetable.projinvoiceprojid, fno.projproposaljour.projinvoiceprojid).';
COMMENT ON COLUMN dataverse.salesorder.description IS 'Free-text description of the contract.';
COMMENT ON COLUMN dataverse.salesorder.customerid IS
  'Lookup to the contract customer (dataverse.account). Dataverse allows account or contact here; '
  'Project Operations contracts are with accounts, so the foreign key targets account.';
COMMENT ON COLUMN dataverse.salesorder.msdyn_contractorganizationalunitid IS
  'Contracting unit (organizational unit) that sells the contract; it determines the F&O legal entity '
  '(dataareaid) the contract is accounted in. Reference table not modelled yet, so no foreign key.';
COMMENT ON COLUMN dataverse.salesorder.isocurrencycode IS
  'ISO 4217 code of the contract currency; billed sales and invoices of the contract are in this currency.';
COMMENT ON COLUMN dataverse.salesorder.exchangerate IS
  'Exchange rate of the contract currency to the organization base currency '
  '(units of contract currency per base unit).';
COMMENT ON COLUMN dataverse.salesorder.totallineitemamount IS 'Sum of the contract line amounts, contract currency.';
COMMENT ON COLUMN dataverse.salesorder.totaltax IS 'Total tax of the contract, contract currency.';
COMMENT ON COLUMN dataverse.salesorder.totalamount IS 'Total contract amount including tax, contract currency.';
COMMENT ON COLUMN dataverse.salesorder.statecode IS
  'Status: 0 Active (draft), 1 Submitted (confirmed contract), 2 Canceled, 3 Fulfilled, 4 Invoiced.';
COMMENT ON COLUMN dataverse.salesorder.statuscode IS
  'Status reason (solution-extended value set, e.g. 1 New, 2 Pending, 3 In Progress, 100001 Complete; '
  'not constrained).';
COMMENT ON COLUMN dataverse.salesorder.createdon IS 'Date and time the record was created.';
COMMENT ON COLUMN dataverse.salesorder.modifiedon IS 'Date and time the record was last modified.';

------------------------------------------------------------------------------------------------
-- msdyn_project
------------------------------------------------------------------------------------------------
CREATE TABLE dataverse.msdyn_project (
    msdyn_projectid       uuid        NOT NULL DEFAULT gen_random_uuid(),
    msdyn_subject         text        NOT NULL,
    msdyn_description     text,
    msdyn_customer        uuid,
    msdyn_salesorderid    uuid,
    msdyn_scheduledstart  date,
    msdyn_scheduledend    date,
    isocurrencycode       text,
    statecode             integer     NOT NULL DEFAULT 0,
    statuscode            integer     NOT NULL DEFAULT 1,
    createdon             timestamptz NOT NULL DEFAULT now(),
    modifiedon            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT msdyn_project_pkey PRIMARY KEY (msdyn_projectid),
    CONSTRAINT msdyn_project_msdyn_customer_fkey FOREIGN KEY (msdyn_customer) REFERENCES dataverse.account (accountid),
    CONSTRAINT msdyn_project_msdyn_salesorderid_fkey FOREIGN KEY (msdyn_salesorderid) REFERENCES dataverse.salesorder (salesorderid),
    CONSTRAINT msdyn_project_isocurrencycode_check CHECK (isocurrencycode ~ '^[A-Z]{3}$'),
    CONSTRAINT msdyn_project_statecode_check CHECK (statecode IN (0, 1))
);
CREATE INDEX msdyn_project_msdyn_customer_idx ON dataverse.msdyn_project (msdyn_customer);
CREATE INDEX msdyn_project_msdyn_salesorderid_idx ON dataverse.msdyn_project (msdyn_salesorderid);

COMMENT ON TABLE dataverse.msdyn_project IS
  'Project. Work is recorded against it (time, expense, material) and its actuals are billed through the '
  'contract lines it is linked to. Synchronised to F&O projects (fno.projtable) by dual-write.';
COMMENT ON COLUMN dataverse.msdyn_project.msdyn_projectid IS 'Project id (primary key, Dataverse GUID).';
COMMENT ON COLUMN dataverse.msdyn_project.msdyn_subject IS 'Project name (the project''s primary name column).';
COMMENT ON COLUMN dataverse.msdyn_project.msdyn_description IS 'Project description.';
COMMENT ON COLUMN dataverse.msdyn_project.msdyn_customer IS 'Lookup to the project customer (dataverse.account).';
COMMENT ON COLUMN dataverse.msdyn_project.msdyn_salesorderid IS
  'Lookup to the project contract the project is sold under (dataverse.salesorder); empty for internal projects.';
COMMENT ON COLUMN dataverse.msdyn_project.msdyn_scheduledstart IS 'Scheduled start date of the project.';
COMMENT ON COLUMN dataverse.msdyn_project.msdyn_scheduledend IS 'Scheduled finish date of the project.';
COMMENT ON COLUMN dataverse.msdyn_project.isocurrencycode IS 'ISO 4217 code of the project (cost) currency.';
COMMENT ON COLUMN dataverse.msdyn_project.statecode IS 'Status: 0 Active, 1 Inactive (closed).';
COMMENT ON COLUMN dataverse.msdyn_project.statuscode IS
  'Status reason (solution-extended value set, e.g. 1 Active, 2 Inactive; not constrained).';
COMMENT ON COLUMN dataverse.msdyn_project.createdon IS 'Date and time the record was created.';
COMMENT ON COLUMN dataverse.msdyn_project.modifiedon IS 'Date and time the record was last modified.';

------------------------------------------------------------------------------------------------
-- salesorderdetail: project contract line
------------------------------------------------------------------------------------------------
CREATE TABLE dataverse.salesorderdetail (
    salesorderdetailid     uuid        NOT NULL DEFAULT gen_random_uuid(),
    salesorderid           uuid        NOT NULL,
    productdescription     text        NOT NULL,
    description            text,
    lineitemnumber         integer,
    msdyn_billingmethod    integer     NOT NULL DEFAULT 192350000,
    msdyn_project          uuid,
    msdyn_includetime      boolean     NOT NULL DEFAULT false,
    msdyn_includeexpense   boolean     NOT NULL DEFAULT false,
    msdyn_includematerial  boolean     NOT NULL DEFAULT false,
    msdyn_includefee       boolean     NOT NULL DEFAULT false,
    quantity               numeric,
    priceperunit           numeric,
    baseamount             numeric     NOT NULL DEFAULT 0,
    tax                    numeric     NOT NULL DEFAULT 0,
    extendedamount         numeric     NOT NULL DEFAULT 0,
    isocurrencycode        text        NOT NULL,
    exchangerate           numeric,
    createdon              timestamptz NOT NULL DEFAULT now(),
    modifiedon             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT salesorderdetail_pkey PRIMARY KEY (salesorderdetailid),
    CONSTRAINT salesorderdetail_salesorderid_fkey FOREIGN KEY (salesorderid)
        REFERENCES dataverse.salesorder (salesorderid) ON DELETE CASCADE,
    CONSTRAINT salesorderdetail_msdyn_project_fkey FOREIGN KEY (msdyn_project)
        REFERENCES dataverse.msdyn_project (msdyn_projectid),
    CONSTRAINT salesorderdetail_msdyn_billingmethod_check CHECK (msdyn_billingmethod IN (192350000, 192350001)),
    CONSTRAINT salesorderdetail_isocurrencycode_check CHECK (isocurrencycode ~ '^[A-Z]{3}$')
);
CREATE INDEX salesorderdetail_salesorderid_idx ON dataverse.salesorderdetail (salesorderid);
CREATE INDEX salesorderdetail_msdyn_project_idx ON dataverse.salesorderdetail (msdyn_project);

COMMENT ON TABLE dataverse.salesorderdetail IS
  'Project contract line (Dataverse sales order line). Defines what is billed and how (time and material or '
  'fixed price) for one project. Every proforma invoice has exactly one invoice line per contract line of its '
  'contract (invariant I3). Synchronised to F&O contract lines by dual-write.';
COMMENT ON COLUMN dataverse.salesorderdetail.salesorderdetailid IS 'Contract line id (primary key, Dataverse GUID).';
COMMENT ON COLUMN dataverse.salesorderdetail.salesorderid IS
  'Lookup to the project contract (dataverse.salesorder) the line belongs to (parental: deleted with it).';
COMMENT ON COLUMN dataverse.salesorderdetail.productdescription IS
  'Contract line name (Project Operations contract lines are write-in products; this is their name).';
COMMENT ON COLUMN dataverse.salesorderdetail.description IS 'Free-text description of the contract line.';
COMMENT ON COLUMN dataverse.salesorderdetail.lineitemnumber IS 'Sequence number of the line on the contract.';
COMMENT ON COLUMN dataverse.salesorderdetail.msdyn_billingmethod IS
  'Billing method option set: 192350000 Time and Material, 192350001 Fixed Price. Time-and-material lines '
  'create unbilled sales actuals; fixed-price lines are billed through milestones.';
COMMENT ON COLUMN dataverse.salesorderdetail.msdyn_project IS
  'Lookup to the project (dataverse.msdyn_project) whose actuals this line bills.';
COMMENT ON COLUMN dataverse.salesorderdetail.msdyn_includetime IS 'True when the line bills time (labor) transactions.';
COMMENT ON COLUMN dataverse.salesorderdetail.msdyn_includeexpense IS 'True when the line bills expense transactions.';
COMMENT ON COLUMN dataverse.salesorderdetail.msdyn_includematerial IS 'True when the line bills material transactions.';
COMMENT ON COLUMN dataverse.salesorderdetail.msdyn_includefee IS 'True when the line bills fee transactions.';
COMMENT ON COLUMN dataverse.salesorderdetail.quantity IS 'Quantity on the contract line (estimate; informative).';
COMMENT ON COLUMN dataverse.salesorderdetail.priceperunit IS 'Price per unit on the contract line, contract currency.';
COMMENT ON COLUMN dataverse.salesorderdetail.baseamount IS 'Contract line amount before tax (contract value of the line), contract currency.';
COMMENT ON COLUMN dataverse.salesorderdetail.tax IS 'Tax on the contract line, contract currency.';
COMMENT ON COLUMN dataverse.salesorderdetail.extendedamount IS 'Contract line amount including tax, contract currency.';
COMMENT ON COLUMN dataverse.salesorderdetail.isocurrencycode IS 'ISO 4217 code of the line currency (the contract currency).';
COMMENT ON COLUMN dataverse.salesorderdetail.exchangerate IS
  'Exchange rate of the line currency to the organization base currency (units of line currency per base unit).';
COMMENT ON COLUMN dataverse.salesorderdetail.createdon IS 'Date and time the record was created.';
COMMENT ON COLUMN dataverse.salesorderdetail.modifiedon IS 'Date and time the record was last modified.';

------------------------------------------------------------------------------------------------
-- msdyn_contractlinescheduleofvalue: milestones of fixed-price contract lines
------------------------------------------------------------------------------------------------
CREATE TABLE dataverse.msdyn_contractlinescheduleofvalue (
    msdyn_contractlinescheduleofvalueid uuid        NOT NULL DEFAULT gen_random_uuid(),
    msdyn_name                          text        NOT NULL,
    msdyn_contract                      uuid        NOT NULL,
    msdyn_contractlineid                uuid        NOT NULL,
    msdyn_projecttask                   uuid,
    msdyn_amount                        numeric     NOT NULL DEFAULT 0,
    msdyn_tax                           numeric     NOT NULL DEFAULT 0,
    msdyn_amount_after_tax              numeric,
    msdyn_invoicedate                   date,
    msdyn_invoicestatus                 integer     NOT NULL DEFAULT 192350000,
    msdyn_transactionclassification     integer     NOT NULL DEFAULT 192350003,
    msdyn_transactiontypecode           integer     NOT NULL DEFAULT 192350004,
    isocurrencycode                     text        NOT NULL,
    exchangerate                        numeric,
    statecode                           integer     NOT NULL DEFAULT 0,
    statuscode                          integer     NOT NULL DEFAULT 1,
    createdon                           timestamptz NOT NULL DEFAULT now(),
    modifiedon                          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT msdyn_contractlinescheduleofvalue_pkey PRIMARY KEY (msdyn_contractlinescheduleofvalueid),
    CONSTRAINT msdyn_contractlinescheduleofvalue_msdyn_contract_fkey FOREIGN KEY (msdyn_contract)
        REFERENCES dataverse.salesorder (salesorderid),
    CONSTRAINT msdyn_contractlinescheduleofvalue_msdyn_contractlineid_fkey FOREIGN KEY (msdyn_contractlineid)
        REFERENCES dataverse.salesorderdetail (salesorderdetailid) ON DELETE CASCADE,
    CONSTRAINT msdyn_contractlinescheduleofvalue_msdyn_invoicestatus_check
        CHECK (msdyn_invoicestatus IN (192350000, 192350001, 192350002, 192350003)),
    CONSTRAINT msdyn_contractlinescheduleofvalue_transclass_check
        CHECK (msdyn_transactionclassification IN (192350000, 192350001, 192350002, 192350003, 192350004, 690970002)),
    CONSTRAINT msdyn_contractlinescheduleofvalue_transtype_check
        CHECK (msdyn_transactiontypecode IN (192350000, 192350004, 192350005, 192350006, 192350007, 192350008)),
    CONSTRAINT msdyn_contractlinescheduleofvalue_isocurrencycode_check CHECK (isocurrencycode ~ '^[A-Z]{3}$'),
    CONSTRAINT msdyn_contractlinescheduleofvalue_statecode_check CHECK (statecode IN (0, 1)),
    CONSTRAINT msdyn_contractlinescheduleofvalue_statuscode_check CHECK (statuscode IN (1, 2))
);
CREATE INDEX msdyn_contractlinescheduleofvalue_msdyn_contract_idx
    ON dataverse.msdyn_contractlinescheduleofvalue (msdyn_contract);
CREATE INDEX msdyn_contractlinescheduleofvalue_msdyn_contractlineid_idx
    ON dataverse.msdyn_contractlinescheduleofvalue (msdyn_contractlineid);

COMMENT ON TABLE dataverse.msdyn_contractlinescheduleofvalue IS
  'Contract line milestone (Project Operations "contract line schedule of value") of a fixed-price contract line. '
  'A ready milestone is billed by one invoice line detail; confirming the invoice creates a billed sales actual '
  'for the milestone amount and sets the milestone to Customer invoice posted. Milestones can only be credited in full.';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.msdyn_contractlinescheduleofvalueid IS
  'Milestone id (primary key, Dataverse GUID).';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.msdyn_name IS 'Milestone name.';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.msdyn_contract IS
  'Lookup to the project contract (dataverse.salesorder) of the milestone.';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.msdyn_contractlineid IS
  'Lookup to the fixed-price contract line (dataverse.salesorderdetail) the milestone belongs to (parental).';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.msdyn_projecttask IS
  'Project task that tracks the work for this milestone (task table not modelled, so no foreign key).';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.msdyn_amount IS 'Milestone amount before tax, contract currency.';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.msdyn_tax IS 'Tax on the milestone, contract currency.';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.msdyn_amount_after_tax IS 'Milestone amount including tax, contract currency.';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.msdyn_invoicedate IS 'Milestone date: when the milestone is due to be invoiced.';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.msdyn_invoicestatus IS
  'Milestone invoice status option set: 192350000 Not Ready, 192350001 Ready, 192350002 Customer invoice created, '
  '192350003 Customer invoice posted.';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.msdyn_transactionclassification IS
  'Transaction class option set (normally 192350003 Milestone): 192350000 Time, 192350001 Expense, 192350002 Material, '
  '192350003 Milestone, 192350004 Fee, 690970002 Tax.';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.msdyn_transactiontypecode IS
  'Transaction type option set (normally 192350004 Project Contract): 192350000 Cost, 192350004 Project Contract, '
  '192350005 Unbilled Sales, 192350006 Billed Sales, 192350007 Resourcing Unit Cost, 192350008 Inter-Organizational Sales.';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.isocurrencycode IS 'ISO 4217 code of the milestone currency (the contract currency).';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.exchangerate IS
  'Exchange rate of the milestone currency to the organization base currency (units per base unit).';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.statecode IS 'Status: 0 Active, 1 Inactive.';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.statuscode IS 'Status reason: 1 Active, 2 Inactive.';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.createdon IS 'Date and time the record was created.';
COMMENT ON COLUMN dataverse.msdyn_contractlinescheduleofvalue.modifiedon IS 'Date and time the record was last modified.';

------------------------------------------------------------------------------------------------
-- Entries approved in step 1: time entries, expenses, material usage logs
------------------------------------------------------------------------------------------------
CREATE TABLE dataverse.msdyn_timeentry (
    msdyn_timeentryid         uuid        NOT NULL DEFAULT gen_random_uuid(),
    msdyn_description         text,
    msdyn_externaldescription text,
    msdyn_date                date        NOT NULL,
    msdyn_duration            integer     NOT NULL,
    msdyn_type                integer     NOT NULL DEFAULT 192350000,
    msdyn_entrystatus         integer     NOT NULL DEFAULT 192350000,
    msdyn_project             uuid,
    msdyn_projecttask         uuid,
    msdyn_bookableresource    uuid,
    msdyn_resourcecategory    uuid,
    statecode                 integer     NOT NULL DEFAULT 0,
    statuscode                integer     NOT NULL DEFAULT 1,
    createdon                 timestamptz NOT NULL DEFAULT now(),
    modifiedon                timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT msdyn_timeentry_pkey PRIMARY KEY (msdyn_timeentryid),
    CONSTRAINT msdyn_timeentry_msdyn_project_fkey FOREIGN KEY (msdyn_project)
        REFERENCES dataverse.msdyn_project (msdyn_projectid),
    CONSTRAINT msdyn_timeentry_msdyn_bookableresource_fkey FOREIGN KEY (msdyn_bookableresource)
        REFERENCES dataverse.bookableresource (bookableresourceid),
    CONSTRAINT msdyn_timeentry_msdyn_duration_check CHECK (msdyn_duration >= 0),
    CONSTRAINT msdyn_timeentry_msdyn_type_check CHECK (msdyn_type IN (192350000, 192350001, 192350002)),
    CONSTRAINT msdyn_timeentry_msdyn_entrystatus_check
        CHECK (msdyn_entrystatus IN (192350000, 192350001, 192350002, 192350003, 192350004)),
    CONSTRAINT msdyn_timeentry_statecode_check CHECK (statecode IN (0, 1)),
    CONSTRAINT msdyn_timeentry_statuscode_check CHECK (statuscode IN (1, 2))
);
CREATE INDEX msdyn_timeentry_msdyn_project_idx ON dataverse.msdyn_timeentry (msdyn_project);
CREATE INDEX msdyn_timeentry_msdyn_bookableresource_idx ON dataverse.msdyn_timeentry (msdyn_bookableresource);

COMMENT ON TABLE dataverse.msdyn_timeentry IS
  'Time entry recorded by a resource against a project. Approval creates a cost actual and, on a time-and-material '
  'contract line, an unbilled sales actual (linked to the entry through transaction connections).';
COMMENT ON COLUMN dataverse.msdyn_timeentry.msdyn_timeentryid IS 'Time entry id (primary key, Dataverse GUID).';
COMMENT ON COLUMN dataverse.msdyn_timeentry.msdyn_description IS 'Internal description of the work.';
COMMENT ON COLUMN dataverse.msdyn_timeentry.msdyn_externaldescription IS 'External (customer-facing) description, carried to the invoice.';
COMMENT ON COLUMN dataverse.msdyn_timeentry.msdyn_date IS 'Date the time was worked.';
COMMENT ON COLUMN dataverse.msdyn_timeentry.msdyn_duration IS 'Time spent, in minutes (Dataverse whole-number duration).';
COMMENT ON COLUMN dataverse.msdyn_timeentry.msdyn_type IS 'Time entry type option set: 192350000 Work, 192350001 Absence, 192350002 Vacation.';
COMMENT ON COLUMN dataverse.msdyn_timeentry.msdyn_entrystatus IS
  'Entry status option set: 192350000 Draft, 192350001 Returned, 192350002 Approved, 192350003 Submitted, '
  '192350004 Recall Requested. Approved entries have created actuals.';
COMMENT ON COLUMN dataverse.msdyn_timeentry.msdyn_project IS 'Lookup to the project (dataverse.msdyn_project) the time is recorded on.';
COMMENT ON COLUMN dataverse.msdyn_timeentry.msdyn_projecttask IS 'Project task (task table not modelled, so no foreign key).';
COMMENT ON COLUMN dataverse.msdyn_timeentry.msdyn_bookableresource IS 'Lookup to the resource who worked (dataverse.bookableresource).';
COMMENT ON COLUMN dataverse.msdyn_timeentry.msdyn_resourcecategory IS 'Role the resource worked as (role table not modelled, so no foreign key).';
COMMENT ON COLUMN dataverse.msdyn_timeentry.statecode IS 'Status: 0 Active, 1 Inactive.';
COMMENT ON COLUMN dataverse.msdyn_timeentry.statuscode IS 'Status reason: 1 Active, 2 Inactive.';
COMMENT ON COLUMN dataverse.msdyn_timeentry.createdon IS 'Date and time the record was created.';
COMMENT ON COLUMN dataverse.msdyn_timeentry.modifiedon IS 'Date and time the record was last modified.';

CREATE TABLE dataverse.msdyn_expense (
    msdyn_expenseid            uuid        NOT NULL DEFAULT gen_random_uuid(),
    msdyn_name                 text        NOT NULL,
    msdyn_externaldescription  text,
    msdyn_transactiondate      date        NOT NULL,
    msdyn_expensecategory      uuid,
    msdyn_expensestatus        integer     NOT NULL DEFAULT 192350000,
    msdyn_project              uuid,
    msdyn_bookableresource     uuid,
    msdyn_quantity             numeric     NOT NULL DEFAULT 1,
    msdyn_price                numeric,
    msdyn_amount               numeric     NOT NULL DEFAULT 0,
    msdyn_amount_base          numeric,
    msdyn_salestaxamount       numeric     NOT NULL DEFAULT 0,
    msdyn_totalamount          numeric,
    isocurrencycode            text        NOT NULL,
    exchangerate               numeric,
    statecode                  integer     NOT NULL DEFAULT 0,
    statuscode                 integer,
    createdon                  timestamptz NOT NULL DEFAULT now(),
    modifiedon                 timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT msdyn_expense_pkey PRIMARY KEY (msdyn_expenseid),
    CONSTRAINT msdyn_expense_msdyn_project_fkey FOREIGN KEY (msdyn_project)
        REFERENCES dataverse.msdyn_project (msdyn_projectid),
    CONSTRAINT msdyn_expense_msdyn_bookableresource_fkey FOREIGN KEY (msdyn_bookableresource)
        REFERENCES dataverse.bookableresource (bookableresourceid),
    CONSTRAINT msdyn_expense_msdyn_expensestatus_check
        CHECK (msdyn_expensestatus IN (192350000, 192350001, 192350002, 192350003, 192350004, 192350005, 192350006)),
    CONSTRAINT msdyn_expense_isocurrencycode_check CHECK (isocurrencycode ~ '^[A-Z]{3}$'),
    CONSTRAINT msdyn_expense_statecode_check CHECK (statecode IN (0, 1))
);
CREATE INDEX msdyn_expense_msdyn_project_idx ON dataverse.msdyn_expense (msdyn_project);
CREATE INDEX msdyn_expense_msdyn_bookableresource_idx ON dataverse.msdyn_expense (msdyn_bookableresource);

COMMENT ON TABLE dataverse.msdyn_expense IS
  'Expense entry recorded by a resource against a project. Approval creates a cost actual and, on a '
  'time-and-material contract line, an unbilled sales actual.';
COMMENT ON COLUMN dataverse.msdyn_expense.msdyn_expenseid IS 'Expense id (primary key, Dataverse GUID).';
COMMENT ON COLUMN dataverse.msdyn_expense.msdyn_name IS 'Expense purpose (the expense''s primary name).';
COMMENT ON COLUMN dataverse.msdyn_expense.msdyn_externaldescription IS 'External (customer-facing) comment, carried to the invoice.';
COMMENT ON COLUMN dataverse.msdyn_expense.msdyn_transactiondate IS 'Date the expense was incurred.';
COMMENT ON COLUMN dataverse.msdyn_expense.msdyn_expensecategory IS 'Expense category (category table not modelled, so no foreign key).';
COMMENT ON COLUMN dataverse.msdyn_expense.msdyn_expensestatus IS
  'Expense status option set: 192350000 Draft, 192350001 Submitted, 192350002 Approved, 192350003 Rejected, '
  '192350004 Posted, 192350005 Paid, 192350006 Recall Requested.';
COMMENT ON COLUMN dataverse.msdyn_expense.msdyn_project IS 'Lookup to the project (dataverse.msdyn_project) the expense is charged to.';
COMMENT ON COLUMN dataverse.msdyn_expense.msdyn_bookableresource IS 'Lookup to the resource who had the expense (dataverse.bookableresource).';
COMMENT ON COLUMN dataverse.msdyn_expense.msdyn_quantity IS 'Quantity (units of the expense category).';
COMMENT ON COLUMN dataverse.msdyn_expense.msdyn_price IS 'Unit price, transaction currency.';
COMMENT ON COLUMN dataverse.msdyn_expense.msdyn_amount IS 'Expense amount before tax, transaction currency.';
COMMENT ON COLUMN dataverse.msdyn_expense.msdyn_amount_base IS 'Expense amount in the organization base currency (msdyn_amount / exchangerate).';
COMMENT ON COLUMN dataverse.msdyn_expense.msdyn_salestaxamount IS 'Sales tax on the expense, transaction currency.';
COMMENT ON COLUMN dataverse.msdyn_expense.msdyn_totalamount IS 'Total expense amount including tax, transaction currency.';
COMMENT ON COLUMN dataverse.msdyn_expense.isocurrencycode IS 'ISO 4217 code of the expense (transaction) currency.';
COMMENT ON COLUMN dataverse.msdyn_expense.exchangerate IS
  'Exchange rate of the transaction currency to the organization base currency (units per base unit).';
COMMENT ON COLUMN dataverse.msdyn_expense.statecode IS 'Status: 0 Active, 1 Inactive.';
COMMENT ON COLUMN dataverse.msdyn_expense.statuscode IS
  'Status reason (value set differs between Project Operations versions; not constrained).';
COMMENT ON COLUMN dataverse.msdyn_expense.createdon IS 'Date and time the record was created.';
COMMENT ON COLUMN dataverse.msdyn_expense.modifiedon IS 'Date and time the record was last modified.';

CREATE TABLE dataverse.msdyn_materialusagelog (
    msdyn_materialusagelogid          uuid        NOT NULL DEFAULT gen_random_uuid(),
    msdyn_name                        text        NOT NULL,
    msdyn_date                        date        NOT NULL,
    msdyn_project                     uuid,
    msdyn_projecttask                 uuid,
    msdyn_product                     uuid,
    msdyn_writeinproductdescription   text,
    msdyn_bookableresource            uuid,
    msdyn_quantity                    numeric     NOT NULL DEFAULT 0,
    msdyn_unitcost                    numeric,
    msdyn_totalcost                   numeric,
    msdyn_status                      integer     NOT NULL DEFAULT 192350000,
    isocurrencycode                   text,
    statecode                         integer     NOT NULL DEFAULT 0,
    statuscode                        integer,
    createdon                         timestamptz NOT NULL DEFAULT now(),
    modifiedon                        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT msdyn_materialusagelog_pkey PRIMARY KEY (msdyn_materialusagelogid),
    CONSTRAINT msdyn_materialusagelog_msdyn_project_fkey FOREIGN KEY (msdyn_project)
        REFERENCES dataverse.msdyn_project (msdyn_projectid),
    CONSTRAINT msdyn_materialusagelog_msdyn_bookableresource_fkey FOREIGN KEY (msdyn_bookableresource)
        REFERENCES dataverse.bookableresource (bookableresourceid),
    CONSTRAINT msdyn_materialusagelog_msdyn_status_check
        CHECK (msdyn_status IN (192350000, 192350001, 192350002, 192350003, 192350004)),
    CONSTRAINT msdyn_materialusagelog_isocurrencycode_check CHECK (isocurrencycode ~ '^[A-Z]{3}$'),
    CONSTRAINT msdyn_materialusagelog_statecode_check CHECK (statecode IN (0, 1))
);
CREATE INDEX msdyn_materialusagelog_msdyn_project_idx ON dataverse.msdyn_materialusagelog (msdyn_project);
CREATE INDEX msdyn_materialusagelog_msdyn_bookableresource_idx ON dataverse.msdyn_materialusagelog (msdyn_bookableresource);

COMMENT ON TABLE dataverse.msdyn_materialusagelog IS
  'Material usage log (Project Operations table msdyn_materialusagelog, dual-write map "Project material usage '
  'create (msdyn_materialusagelogs)"): non-stocked catalog or write-in material used on a project. Approval '
  'creates a material cost actual and, on a time-and-material contract line, an unbilled sales actual. '
  'Column names other than the id, project, product, resource and quantity are inferred from the UI labels.';
COMMENT ON COLUMN dataverse.msdyn_materialusagelog.msdyn_materialusagelogid IS 'Material usage log id (primary key, Dataverse GUID).';
COMMENT ON COLUMN dataverse.msdyn_materialusagelog.msdyn_name IS 'Description of the material usage (primary name).';
COMMENT ON COLUMN dataverse.msdyn_materialusagelog.msdyn_date IS 'Date the material was used.';
COMMENT ON COLUMN dataverse.msdyn_materialusagelog.msdyn_project IS 'Lookup to the project (dataverse.msdyn_project) the material was used on.';
COMMENT ON COLUMN dataverse.msdyn_materialusagelog.msdyn_projecttask IS 'Project task (task table not modelled, so no foreign key).';
COMMENT ON COLUMN dataverse.msdyn_materialusagelog.msdyn_product IS 'Catalog product used (product table not modelled, so no foreign key); empty for write-in products.';
COMMENT ON COLUMN dataverse.msdyn_materialusagelog.msdyn_writeinproductdescription IS 'Name of a write-in (non-catalog) product (inferred name).';
COMMENT ON COLUMN dataverse.msdyn_materialusagelog.msdyn_bookableresource IS 'Lookup to the resource who used the material (dataverse.bookableresource).';
COMMENT ON COLUMN dataverse.msdyn_materialusagelog.msdyn_quantity IS 'Quantity used, in the selected unit.';
COMMENT ON COLUMN dataverse.msdyn_materialusagelog.msdyn_unitcost IS 'Unit cost from the cost price list, project cost currency (inferred name).';
COMMENT ON COLUMN dataverse.msdyn_materialusagelog.msdyn_totalcost IS 'Cost amount = quantity * unit cost, project cost currency (inferred name).';
COMMENT ON COLUMN dataverse.msdyn_materialusagelog.msdyn_status IS
  'Approval status option set (inferred, same codes as time entry status): 192350000 Draft, 192350001 Returned, '
  '192350002 Approved, 192350003 Submitted, 192350004 Recall Requested.';
COMMENT ON COLUMN dataverse.msdyn_materialusagelog.isocurrencycode IS 'ISO 4217 code of the project cost currency the cost is in.';
COMMENT ON COLUMN dataverse.msdyn_materialusagelog.statecode IS 'Status: 0 Active, 1 Inactive.';
COMMENT ON COLUMN dataverse.msdyn_materialusagelog.statuscode IS 'Status reason (not constrained).';
COMMENT ON COLUMN dataverse.msdyn_materialusagelog.createdon IS 'Date and time the record was created.';
COMMENT ON COLUMN dataverse.msdyn_materialusagelog.modifiedon IS 'Date and time the record was last modified.';

------------------------------------------------------------------------------------------------
-- invoice: proforma invoice header
------------------------------------------------------------------------------------------------
CREATE TABLE dataverse.invoice (
    invoiceid                        uuid        NOT NULL DEFAULT gen_random_uuid(),
    invoicenumber                    text        NOT NULL,
    name                             text        NOT NULL,
    description                      text,
    salesorderid                     uuid        NOT NULL,
    customerid                       uuid        NOT NULL,
    isocurrencycode                  text        NOT NULL,
    exchangerate                     numeric,
    msdyn_projectinvoicestatus       integer     NOT NULL DEFAULT 192350000,
    msdyn_invoicedate                date,
    duedate                          date,
    totallineitemamount              numeric     NOT NULL DEFAULT 0,
    totaltax                         numeric     NOT NULL DEFAULT 0,
    totalamount                      numeric     NOT NULL DEFAULT 0,
    discountamount                   numeric,
    discountpercentage               numeric,
    freightamount                    numeric,
    msdyn_customerinvoicenumber      text,
    msdyn_customerinvoicedate        date,
    msdyn_customerinvoicetaxamount   numeric,
    statecode                        integer     NOT NULL DEFAULT 0,
    statuscode                       integer,
    createdon                        timestamptz NOT NULL DEFAULT now(),
    modifiedon                       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invoice_pkey PRIMARY KEY (invoiceid),
    CONSTRAINT invoice_invoicenumber_key UNIQUE (invoicenumber),
    CONSTRAINT invoice_salesorderid_fkey FOREIGN KEY (salesorderid) REFERENCES dataverse.salesorder (salesorderid),
    CONSTRAINT invoice_customerid_fkey FOREIGN KEY (customerid) REFERENCES dataverse.account (accountid),
    CONSTRAINT invoice_isocurrencycode_check CHECK (isocurrencycode ~ '^[A-Z]{3}$'),
    CONSTRAINT invoice_msdyn_projectinvoicestatus_check
        CHECK (msdyn_projectinvoicestatus IN (192350000, 192350001, 192350002, 192350003, 192350004)),
    CONSTRAINT invoice_statecode_check CHECK (statecode IN (0, 1, 2, 3))
);
CREATE INDEX invoice_salesorderid_idx ON dataverse.invoice (salesorderid);
CREATE INDEX invoice_customerid_idx ON dataverse.invoice (customerid);
CREATE INDEX invoice_msdyn_customerinvoicenumber_idx ON dataverse.invoice (msdyn_customerinvoicenumber);

COMMENT ON TABLE dataverse.invoice IS
  'Proforma invoice header (Dataverse invoice as extended by Project Operations). Created by the project manager '
  'from the billing backlog of one project contract; editable while Draft or In Review; confirming it (one way) '
  'creates billed sales actuals and, through the dual-write map Project invoice proposal V2 (invoices), the F&O '
  'invoice proposal whose proposalid equals invoicenumber. A revised (corrective) invoice is another row.';
COMMENT ON COLUMN dataverse.invoice.invoiceid IS 'Proforma invoice id (primary key, Dataverse GUID).';
COMMENT ON COLUMN dataverse.invoice.invoicenumber IS
  'Proforma invoice number (unique). Equals fno.projproposaljour.proposalid of the proposal created on confirmation.';
COMMENT ON COLUMN dataverse.invoice.name IS 'Invoice name (required in Dataverse).';
COMMENT ON COLUMN dataverse.invoice.description IS 'Free-text description of the invoice.';
COMMENT ON COLUMN dataverse.invoice.salesorderid IS 'Lookup to the project contract (dataverse.salesorder) being invoiced.';
COMMENT ON COLUMN dataverse.invoice.customerid IS
  'Lookup to the invoiced customer (dataverse.account; the contract customer). Dataverse allows account or '
  'contact; Project Operations invoices accounts, so the foreign key targets account.';
COMMENT ON COLUMN dataverse.invoice.isocurrencycode IS 'ISO 4217 code of the invoice currency (the contract currency).';
COMMENT ON COLUMN dataverse.invoice.exchangerate IS
  'Exchange rate of the invoice currency to the organization base currency (units per base unit).';
COMMENT ON COLUMN dataverse.invoice.msdyn_projectinvoicestatus IS
  'Project invoice status option set: 192350000 Draft, 192350001 In Review, 192350002 Confirmed, 192350003 Invoice Paid, '
  '192350004 Posted (inferred code; set by the F&O write-back of the enhanced proforma map once the invoice is posted). '
  'Draft and In Review are editable; Confirmed and later are read-only.';
COMMENT ON COLUMN dataverse.invoice.msdyn_invoicedate IS 'Proforma invoice date chosen by the project manager.';
COMMENT ON COLUMN dataverse.invoice.duedate IS 'Payment due date.';
COMMENT ON COLUMN dataverse.invoice.totallineitemamount IS
  'Detail amount: sum of the invoice line amounts before tax, invoice currency (invariant I2).';
COMMENT ON COLUMN dataverse.invoice.totaltax IS 'Total tax computed in Dataverse: sum of the line taxes, invoice currency.';
COMMENT ON COLUMN dataverse.invoice.totalamount IS 'Total amount = totallineitemamount + totaltax, invoice currency (invariant I2).';
COMMENT ON COLUMN dataverse.invoice.discountamount IS
  'Header discount amount. Not supported on project proforma invoices: must stay empty or zero.';
COMMENT ON COLUMN dataverse.invoice.discountpercentage IS
  'Header discount percentage. Not supported on project proforma invoices: must stay empty or zero.';
COMMENT ON COLUMN dataverse.invoice.freightamount IS
  'Header freight amount. Not supported on project proforma invoices: must stay empty or zero.';
COMMENT ON COLUMN dataverse.invoice.msdyn_customerinvoicenumber IS
  'Customer invoice number: the posted F&O project invoice id (fno.projinvoicejour.projinvoiceid). Written back '
  'from F&O by dual-write (invoice proposal export entity, msdyn_customerinvoices) after the proposal is posted.';
COMMENT ON COLUMN dataverse.invoice.msdyn_customerinvoicedate IS
  'Date of the posted customer invoice (fno.projinvoicejour.invoicedate). Written back from F&O by dual-write '
  'after posting (inferred name).';
COMMENT ON COLUMN dataverse.invoice.msdyn_customerinvoicetaxamount IS
  'Sales tax of the posted customer invoice as recomputed by F&O (fno.projinvoicejour.sumtax), invoice currency. '
  'Written back from F&O by dual-write after posting (inferred name); compared with totaltax for TAX_DIFFERENCE.';
COMMENT ON COLUMN dataverse.invoice.statecode IS 'Status: 0 Active, 1 Closed, 2 Paid, 3 Canceled.';
COMMENT ON COLUMN dataverse.invoice.statuscode IS
  'Status reason (solution-extended value set, e.g. 1 New, 2 Partially Shipped, 4 Billed, 100001 Complete; '
  'not constrained).';
COMMENT ON COLUMN dataverse.invoice.createdon IS 'Date and time the record was created.';
COMMENT ON COLUMN dataverse.invoice.modifiedon IS 'Date and time the record was last modified.';

------------------------------------------------------------------------------------------------
-- invoicedetail: proforma invoice line, one per contract line
------------------------------------------------------------------------------------------------
CREATE TABLE dataverse.invoicedetail (
    invoicedetailid            uuid        NOT NULL DEFAULT gen_random_uuid(),
    invoiceid                  uuid        NOT NULL,
    salesorderdetailid         uuid        NOT NULL,
    productdescription         text,
    lineitemnumber             integer,
    msdyn_billingmethod        integer     NOT NULL,
    msdyn_project              uuid,
    msdyn_contractlineamount   numeric,
    msdyn_invoicedtilldate     numeric,
    msdyn_chargeableamount     numeric     NOT NULL DEFAULT 0,
    msdyn_nonchargeableamount  numeric     NOT NULL DEFAULT 0,
    msdyn_complimentaryamount  numeric     NOT NULL DEFAULT 0,
    baseamount                 numeric     NOT NULL DEFAULT 0,
    tax                        numeric     NOT NULL DEFAULT 0,
    extendedamount             numeric     NOT NULL DEFAULT 0,
    isocurrencycode            text        NOT NULL,
    exchangerate               numeric,
    createdon                  timestamptz NOT NULL DEFAULT now(),
    modifiedon                 timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invoicedetail_pkey PRIMARY KEY (invoicedetailid),
    CONSTRAINT invoicedetail_invoiceid_fkey FOREIGN KEY (invoiceid)
        REFERENCES dataverse.invoice (invoiceid) ON DELETE CASCADE,
    CONSTRAINT invoicedetail_salesorderdetailid_fkey FOREIGN KEY (salesorderdetailid)
        REFERENCES dataverse.salesorderdetail (salesorderdetailid),
    CONSTRAINT invoicedetail_msdyn_project_fkey FOREIGN KEY (msdyn_project)
        REFERENCES dataverse.msdyn_project (msdyn_projectid),
    CONSTRAINT invoicedetail_msdyn_billingmethod_check CHECK (msdyn_billingmethod IN (192350000, 192350001)),
    CONSTRAINT invoicedetail_isocurrencycode_check CHECK (isocurrencycode ~ '^[A-Z]{3}$')
);
CREATE INDEX invoicedetail_invoiceid_idx ON dataverse.invoicedetail (invoiceid);
CREATE INDEX invoicedetail_salesorderdetailid_idx ON dataverse.invoicedetail (salesorderdetailid);
CREATE INDEX invoicedetail_msdyn_project_idx ON dataverse.invoicedetail (msdyn_project);

COMMENT ON TABLE dataverse.invoicedetail IS
  'Proforma invoice line (Dataverse invoice product). Exactly one per contract line of the invoiced contract, even '
  'when there is nothing to bill (invariant I3). Its amounts are the roll-up of its invoice line details (I1).';
COMMENT ON COLUMN dataverse.invoicedetail.invoicedetailid IS 'Invoice line id (primary key, Dataverse GUID).';
COMMENT ON COLUMN dataverse.invoicedetail.invoiceid IS
  'Lookup to the proforma invoice header (dataverse.invoice) (parental: deleted with it).';
COMMENT ON COLUMN dataverse.invoicedetail.salesorderdetailid IS
  'Lookup to the contract line (dataverse.salesorderdetail) this invoice line bills.';
COMMENT ON COLUMN dataverse.invoicedetail.productdescription IS 'Line name (write-in product name, copied from the contract line).';
COMMENT ON COLUMN dataverse.invoicedetail.lineitemnumber IS 'Sequence number of the line on the invoice.';
COMMENT ON COLUMN dataverse.invoicedetail.msdyn_billingmethod IS
  'Billing method of the line, copied from the contract line: 192350000 Time and Material, 192350001 Fixed Price.';
COMMENT ON COLUMN dataverse.invoicedetail.msdyn_project IS 'Lookup to the project (dataverse.msdyn_project) of the line.';
COMMENT ON COLUMN dataverse.invoicedetail.msdyn_contractlineamount IS 'Amount of the related contract line, invoice currency (informative).';
COMMENT ON COLUMN dataverse.invoicedetail.msdyn_invoicedtilldate IS
  'Amount already invoiced to the customer for the same contract line on earlier invoices, invoice currency.';
COMMENT ON COLUMN dataverse.invoicedetail.msdyn_chargeableamount IS
  'Sum of the amounts of the chargeable invoice line details (billing type 192350001), invoice currency.';
COMMENT ON COLUMN dataverse.invoicedetail.msdyn_nonchargeableamount IS
  'Sum of the amounts of the non-chargeable line details (billing type 192350000); never billed.';
COMMENT ON COLUMN dataverse.invoicedetail.msdyn_complimentaryamount IS
  'Sum of the amounts of the complimentary line details (billing type 192350002); never billed.';
COMMENT ON COLUMN dataverse.invoicedetail.baseamount IS
  'Line amount before tax = chargeable amount (invariant I1), invoice currency.';
COMMENT ON COLUMN dataverse.invoicedetail.tax IS 'Line tax = sum of the tax of its line details, invoice currency.';
COMMENT ON COLUMN dataverse.invoicedetail.extendedamount IS 'Line amount including tax = baseamount + tax, invoice currency.';
COMMENT ON COLUMN dataverse.invoicedetail.isocurrencycode IS 'ISO 4217 code of the line currency (the invoice currency).';
COMMENT ON COLUMN dataverse.invoicedetail.exchangerate IS
  'Exchange rate of the line currency to the organization base currency (units per base unit).';
COMMENT ON COLUMN dataverse.invoicedetail.createdon IS 'Date and time the record was created.';
COMMENT ON COLUMN dataverse.invoicedetail.modifiedon IS 'Date and time the record was last modified.';

------------------------------------------------------------------------------------------------
-- msdyn_actual: actuals (cost, unbilled sales, billed sales, ...)
------------------------------------------------------------------------------------------------
CREATE TABLE dataverse.msdyn_actual (
    msdyn_actualid                    uuid        NOT NULL DEFAULT gen_random_uuid(),
    msdyn_description                 text,
    msdyn_externaldescription         text,
    msdyn_transactiontypecode         integer     NOT NULL,
    msdyn_transactionclassification   integer     NOT NULL,
    msdyn_billingtype                 integer,
    msdyn_billingstatus               integer,
    msdyn_adjustmentstatus            integer,
    msdyn_quantity                    numeric     NOT NULL DEFAULT 0,
    msdyn_price                       numeric     NOT NULL DEFAULT 0,
    msdyn_amount                      numeric     NOT NULL DEFAULT 0,
    msdyn_amount_base                 numeric,
    msdyn_salestaxamount              numeric,
    exchangerate                      numeric,
    msdyn_exchangeratedate            date,
    isocurrencycode                   text        NOT NULL,
    msdyn_project                     uuid        NOT NULL,
    msdyn_task                        uuid,
    msdyn_salescontract               uuid,
    msdyn_salescontractlineid         uuid,
    msdyn_accountcustomer             uuid,
    msdyn_bookableresource            uuid,
    msdyn_transactioncategory         uuid,
    msdyn_invoice                     uuid,
    msdyn_documentdate                date        NOT NULL,
    msdyn_accountingdate              date,
    msdyn_externalreferenceid         text,
    msdyn_externalreferencedate       date,
    msdyn_isjournalized               boolean     NOT NULL DEFAULT false,
    msdyn_skipsync                    boolean     NOT NULL DEFAULT false,
    statecode                         integer     NOT NULL DEFAULT 0,
    statuscode                        integer     NOT NULL DEFAULT 1,
    createdon                         timestamptz NOT NULL DEFAULT now(),
    modifiedon                        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT msdyn_actual_pkey PRIMARY KEY (msdyn_actualid),
    CONSTRAINT msdyn_actual_msdyn_project_fkey FOREIGN KEY (msdyn_project)
        REFERENCES dataverse.msdyn_project (msdyn_projectid),
    CONSTRAINT msdyn_actual_msdyn_salescontract_fkey FOREIGN KEY (msdyn_salescontract)
        REFERENCES dataverse.salesorder (salesorderid),
    CONSTRAINT msdyn_actual_msdyn_salescontractlineid_fkey FOREIGN KEY (msdyn_salescontractlineid)
        REFERENCES dataverse.salesorderdetail (salesorderdetailid),
    CONSTRAINT msdyn_actual_msdyn_accountcustomer_fkey FOREIGN KEY (msdyn_accountcustomer)
        REFERENCES dataverse.account (accountid),
    CONSTRAINT msdyn_actual_msdyn_bookableresource_fkey FOREIGN KEY (msdyn_bookableresource)
        REFERENCES dataverse.bookableresource (bookableresourceid),
    CONSTRAINT msdyn_actual_msdyn_invoice_fkey FOREIGN KEY (msdyn_invoice)
        REFERENCES dataverse.invoice (invoiceid),
    CONSTRAINT msdyn_actual_msdyn_transactiontypecode_check
        CHECK (msdyn_transactiontypecode IN (192350000, 192350004, 192350005, 192350006, 192350007, 192350008)),
    CONSTRAINT msdyn_actual_msdyn_transactionclassification_check
        CHECK (msdyn_transactionclassification IN (192350000, 192350001, 192350002, 192350003, 192350004, 690970002)),
    CONSTRAINT msdyn_actual_msdyn_billingtype_check
        CHECK (msdyn_billingtype IN (192350000, 192350001, 192350002, 192350003)),
    CONSTRAINT msdyn_actual_msdyn_billingstatus_check
        CHECK (msdyn_billingstatus IN (192350000, 192350001, 192350002, 192350003, 192350004)),
    CONSTRAINT msdyn_actual_msdyn_adjustmentstatus_check
        CHECK (msdyn_adjustmentstatus IN (192350000, 192350001, 192350002)),
    CONSTRAINT msdyn_actual_isocurrencycode_check CHECK (isocurrencycode ~ '^[A-Z]{3}$'),
    CONSTRAINT msdyn_actual_statecode_check CHECK (statecode IN (0, 1)),
    CONSTRAINT msdyn_actual_statuscode_check CHECK (statuscode IN (1, 2))
);
CREATE INDEX msdyn_actual_msdyn_project_idx ON dataverse.msdyn_actual (msdyn_project);
CREATE INDEX msdyn_actual_msdyn_salescontract_idx ON dataverse.msdyn_actual (msdyn_salescontract);
CREATE INDEX msdyn_actual_msdyn_salescontractlineid_idx ON dataverse.msdyn_actual (msdyn_salescontractlineid);
CREATE INDEX msdyn_actual_msdyn_accountcustomer_idx ON dataverse.msdyn_actual (msdyn_accountcustomer);
CREATE INDEX msdyn_actual_msdyn_bookableresource_idx ON dataverse.msdyn_actual (msdyn_bookableresource);
CREATE INDEX msdyn_actual_msdyn_invoice_idx ON dataverse.msdyn_actual (msdyn_invoice);
CREATE INDEX msdyn_actual_msdyn_externalreferenceid_idx ON dataverse.msdyn_actual (msdyn_externalreferenceid);
CREATE INDEX msdyn_actual_type_status_idx
    ON dataverse.msdyn_actual (msdyn_transactiontypecode, msdyn_billingstatus);

COMMENT ON TABLE dataverse.msdyn_actual IS
  'Actual: an immutable project transaction (cost, unbilled sales, billed sales, ...). Approving entries creates '
  'cost and unbilled sales actuals; confirming a proforma invoice creates billed sales actuals and negative '
  'unbilled sales reversals. Every actual with msdyn_skipsync = false is copied to F&O staging '
  '(fno.projcdsactualsimport, key actualid) by the dual-write map Project Operations integration actuals '
  '(msdyn_actuals); accounting results flow back after posting. Deleting actuals is not supported.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_actualid IS
  'Actual id (primary key, Dataverse GUID). Equals fno.projcdsactualsimport.actualid and the actualid of every '
  'F&O record derived from it.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_description IS 'Internal description of the transaction.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_externaldescription IS 'External (customer-facing) description of the transaction.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_transactiontypecode IS
  'Transaction type option set: 192350000 Cost, 192350004 Project Contract, 192350005 Unbilled Sales, '
  '192350006 Billed Sales, 192350007 Resourcing Unit Cost, 192350008 Inter-Organizational Sales.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_transactionclassification IS
  'Transaction class option set: 192350000 Time, 192350001 Expense, 192350002 Material, 192350003 Milestone, '
  '192350004 Fee, 690970002 Tax.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_billingtype IS
  'Billing type option set: 192350000 Non Chargeable, 192350001 Chargeable, 192350002 Complimentary, '
  '192350003 Not Available. Empty on pure cost actuals in some versions.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_billingstatus IS
  'Billing status option set (sales actuals): 192350000 Unbilled Sales Created, 192350001 Customer Invoice Created, '
  '192350002 Customer Invoice Posted, 192350003 Canceled, 192350004 Ready to Invoice.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_adjustmentstatus IS
  'Adjustment status option set: 192350000 In Process, 192350001 Adjusted (quantity or price edited on the invoice), '
  '192350002 Unadjustable.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_quantity IS 'Quantity (hours for time); negative on reversals and credits.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_price IS 'Unit price (cost price for cost, sales price for sales), transaction currency.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_amount IS
  'Amount in the transaction currency (billed sales: the contract currency, invariant I11); negative on reversals.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_amount_base IS
  'Amount in the base / accounting currency. Written back from F&O by dual-write after journal posting (cost, '
  'unbilled sales) or invoice posting (billed sales): the accounting-currency amount of the posted voucher.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_salestaxamount IS
  'Sales tax of the transaction, transaction currency. Written back from F&O by dual-write after posting '
  '(fno.projcdsactualsimport.salestaxamount); inferred name.';
COMMENT ON COLUMN dataverse.msdyn_actual.exchangerate IS
  'Exchange rate between transaction and accounting currency (units of transaction currency per accounting unit). '
  'Written back from F&O by dual-write after posting with the rate F&O used.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_exchangeratedate IS 'Date of the exchange rate used for this transaction.';
COMMENT ON COLUMN dataverse.msdyn_actual.isocurrencycode IS 'ISO 4217 code of the transaction currency (inferred column name, per domain.md).';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_project IS 'Lookup to the project (dataverse.msdyn_project) of the transaction.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_task IS 'Project task (task table not modelled, so no foreign key).';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_salescontract IS 'Lookup to the project contract (dataverse.salesorder); empty on cost of internal projects.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_salescontractlineid IS 'Lookup to the contract line (dataverse.salesorderdetail) that bills the transaction.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_accountcustomer IS 'Lookup to the customer (dataverse.account) of sales transactions.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_bookableresource IS 'Lookup to the resource (dataverse.bookableresource) the actual is recorded for.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_transactioncategory IS 'Transaction category (category table not modelled, so no foreign key); maps to the F&O project category.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_invoice IS
  'Lookup to the proforma invoice (dataverse.invoice) that includes this actual; stamped when the actual is put '
  'on an invoice (billing status Customer Invoice Created) and kept on the billed sales actuals it creates.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_documentdate IS 'Document (transaction) date of the business event.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_accountingdate IS
  'Accounting date: the ledger date of the transaction (may move to the next open period in F&O).';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_externalreferenceid IS
  'External reference: the F&O voucher number of the posted transaction. Written back from F&O by dual-write after '
  'journal posting (cost, unbilled sales) or invoice posting (billed sales); empty until then (invariant I9).';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_externalreferencedate IS
  'Date from F&O for the external reference (the voucher date). Written back from F&O by dual-write after posting.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_isjournalized IS
  'True once F&O has put the actual on a posted integration journal. Written back from F&O by dual-write.';
COMMENT ON COLUMN dataverse.msdyn_actual.msdyn_skipsync IS
  'Skip sync (inferred name): true for actuals the actuals map must not send to F&O, e.g. the negative unbilled '
  'sales reversals created on invoice confirmation (F&O marks the sale fully invoiced instead). Such actuals must '
  'never appear in fno.projcdsactualsimport (SKIPPED_RECORD_LEAKED).';
COMMENT ON COLUMN dataverse.msdyn_actual.statecode IS 'Status: 0 Active, 1 Inactive.';
COMMENT ON COLUMN dataverse.msdyn_actual.statuscode IS 'Status reason: 1 Active, 2 Inactive.';
COMMENT ON COLUMN dataverse.msdyn_actual.createdon IS 'Date and time the actual was created (start of the grace window for in-flight checks).';
COMMENT ON COLUMN dataverse.msdyn_actual.modifiedon IS 'Date and time the actual was last modified (e.g. by a write-back).';

------------------------------------------------------------------------------------------------
-- msdyn_invoicelinetransaction: invoice line detail (ILD)
------------------------------------------------------------------------------------------------
CREATE TABLE dataverse.msdyn_invoicelinetransaction (
    msdyn_invoicelinetransactionid    uuid        NOT NULL DEFAULT gen_random_uuid(),
    msdyn_invoice                     uuid        NOT NULL,
    msdyn_invoicelineid               uuid        NOT NULL,
    msdyn_description                 text,
    msdyn_externaldescription         text,
    msdyn_transactiontypecode         integer,
    msdyn_transactionclassification   integer     NOT NULL,
    msdyn_billingtype                 integer     NOT NULL DEFAULT 192350001,
    msdyn_quantity                    numeric     NOT NULL DEFAULT 0,
    msdyn_price                       numeric     NOT NULL DEFAULT 0,
    msdyn_amount                      numeric     NOT NULL DEFAULT 0,
    msdyn_amount_base                 numeric,
    msdyn_tax                         numeric     NOT NULL DEFAULT 0,
    msdyn_invoiceamount               numeric,
    msdyn_previousamount              numeric,
    msdyn_correction                  boolean     NOT NULL DEFAULT false,
    msdyn_originalinvoicelinedetail   uuid,
    msdyn_project                     uuid,
    msdyn_task                        uuid,
    msdyn_salescontract               uuid,
    msdyn_salescontractlineid         uuid,
    msdyn_accountcustomer             uuid,
    msdyn_bookableresource            uuid,
    msdyn_transactioncategory         uuid,
    msdyn_documentdate                date,
    isocurrencycode                   text        NOT NULL,
    exchangerate                      numeric,
    statecode                         integer     NOT NULL DEFAULT 0,
    statuscode                        integer     NOT NULL DEFAULT 1,
    createdon                         timestamptz NOT NULL DEFAULT now(),
    modifiedon                        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT msdyn_invoicelinetransaction_pkey PRIMARY KEY (msdyn_invoicelinetransactionid),
    CONSTRAINT msdyn_invoicelinetransaction_msdyn_invoice_fkey FOREIGN KEY (msdyn_invoice)
        REFERENCES dataverse.invoice (invoiceid) ON DELETE CASCADE,
    CONSTRAINT msdyn_invoicelinetransaction_msdyn_invoicelineid_fkey FOREIGN KEY (msdyn_invoicelineid)
        REFERENCES dataverse.invoicedetail (invoicedetailid) ON DELETE CASCADE,
    CONSTRAINT msdyn_invoicelinetransaction_originalinvoicelinedetail_fkey FOREIGN KEY (msdyn_originalinvoicelinedetail)
        REFERENCES dataverse.msdyn_invoicelinetransaction (msdyn_invoicelinetransactionid),
    CONSTRAINT msdyn_invoicelinetransaction_msdyn_project_fkey FOREIGN KEY (msdyn_project)
        REFERENCES dataverse.msdyn_project (msdyn_projectid),
    CONSTRAINT msdyn_invoicelinetransaction_msdyn_salescontract_fkey FOREIGN KEY (msdyn_salescontract)
        REFERENCES dataverse.salesorder (salesorderid),
    CONSTRAINT msdyn_invoicelinetransaction_msdyn_salescontractlineid_fkey FOREIGN KEY (msdyn_salescontractlineid)
        REFERENCES dataverse.salesorderdetail (salesorderdetailid),
    CONSTRAINT msdyn_invoicelinetransaction_msdyn_accountcustomer_fkey FOREIGN KEY (msdyn_accountcustomer)
        REFERENCES dataverse.account (accountid),
    CONSTRAINT msdyn_invoicelinetransaction_msdyn_bookableresource_fkey FOREIGN KEY (msdyn_bookableresource)
        REFERENCES dataverse.bookableresource (bookableresourceid),
    CONSTRAINT msdyn_invoicelinetransaction_msdyn_transactiontypecode_check
        CHECK (msdyn_transactiontypecode IN (192350000, 192350004, 192350005, 192350006, 192350007, 192350008)),
    CONSTRAINT msdyn_invoicelinetransaction_transactionclassification_check
        CHECK (msdyn_transactionclassification IN (192350000, 192350001, 192350002, 192350003, 192350004, 690970002)),
    CONSTRAINT msdyn_invoicelinetransaction_msdyn_billingtype_check
        CHECK (msdyn_billingtype IN (192350000, 192350001, 192350002, 192350003)),
    CONSTRAINT msdyn_invoicelinetransaction_isocurrencycode_check CHECK (isocurrencycode ~ '^[A-Z]{3}$'),
    CONSTRAINT msdyn_invoicelinetransaction_statecode_check CHECK (statecode IN (0, 1)),
    CONSTRAINT msdyn_invoicelinetransaction_statuscode_check CHECK (statuscode IN (1, 2))
);
CREATE INDEX msdyn_invoicelinetransaction_msdyn_invoice_idx ON dataverse.msdyn_invoicelinetransaction (msdyn_invoice);
CREATE INDEX msdyn_invoicelinetransaction_msdyn_invoicelineid_idx ON dataverse.msdyn_invoicelinetransaction (msdyn_invoicelineid);
CREATE INDEX msdyn_invoicelinetransaction_originalinvoicelinedetail_idx
    ON dataverse.msdyn_invoicelinetransaction (msdyn_originalinvoicelinedetail);
CREATE INDEX msdyn_invoicelinetransaction_msdyn_project_idx ON dataverse.msdyn_invoicelinetransaction (msdyn_project);
CREATE INDEX msdyn_invoicelinetransaction_msdyn_salescontract_idx ON dataverse.msdyn_invoicelinetransaction (msdyn_salescontract);
CREATE INDEX msdyn_invoicelinetransaction_msdyn_salescontractlineid_idx
    ON dataverse.msdyn_invoicelinetransaction (msdyn_salescontractlineid);
CREATE INDEX msdyn_invoicelinetransaction_msdyn_accountcustomer_idx ON dataverse.msdyn_invoicelinetransaction (msdyn_accountcustomer);
CREATE INDEX msdyn_invoicelinetransaction_msdyn_bookableresource_idx
    ON dataverse.msdyn_invoicelinetransaction (msdyn_bookableresource);

COMMENT ON TABLE dataverse.msdyn_invoicelinetransaction IS
  'Invoice line detail (ILD): one ready-to-invoice actual or milestone on a proforma invoice line. Editable while the '
  'invoice is Draft or In Review (billing type, quantity, price; delete; add); the transaction class can never '
  'change. On confirmation each ILD yields a billed sales actual with the same quantity, amount, class and billing '
  'type, linked by a transaction connection (invariant I4). On a corrective invoice ILDs are copies of the '
  'originals (msdyn_correction, msdyn_originalinvoicelinedetail).';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_invoicelinetransactionid IS 'Invoice line detail id (primary key, Dataverse GUID).';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_invoice IS
  'Lookup to the proforma invoice header (dataverse.invoice) of the line detail (parental).';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_invoicelineid IS
  'Lookup to the invoice line (dataverse.invoicedetail) the detail belongs to (parental); its invoiceid must equal msdyn_invoice.';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_description IS 'Description of the invoiced transaction.';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_externaldescription IS 'External (customer-facing) description printed on the invoice.';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_transactiontypecode IS
  'Transaction type of the backing record option set: 192350000 Cost, 192350004 Project Contract (milestone), '
  '192350005 Unbilled Sales, 192350006 Billed Sales, 192350007 Resourcing Unit Cost, 192350008 Inter-Organizational Sales.';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_transactionclassification IS
  'Transaction class option set (cannot be changed on an ILD): 192350000 Time, 192350001 Expense, 192350002 Material, '
  '192350003 Milestone, 192350004 Fee, 690970002 Tax.';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_billingtype IS
  'Billing type option set: 192350000 Non Chargeable, 192350001 Chargeable, 192350002 Complimentary, 192350003 Not '
  'Available. Only chargeable details add to the invoice total (invariant I1).';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_quantity IS 'Quantity invoiced (0 on a corrective copy means credit all).';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_price IS 'Unit sales price, invoice currency.';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_amount IS 'Line detail amount before tax, invoice currency.';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_amount_base IS 'Amount in the organization base currency (msdyn_amount / exchangerate).';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_tax IS 'Tax on the line detail computed in Dataverse, invoice currency (inferred name).';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_invoiceamount IS
  'Amount to be invoiced: the amount less the previously invoiced amount when this is a correction, invoice currency.';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_previousamount IS
  'Amount invoiced previously for the corrected detail (corrections only), invoice currency.';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_correction IS 'True when the detail corrects a detail of an earlier confirmed invoice.';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_originalinvoicelinedetail IS
  'Lookup to the original line detail (dataverse.msdyn_invoicelinetransaction) this correction corrects; the correction chain.';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_project IS 'Lookup to the project (dataverse.msdyn_project) of the transaction.';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_task IS 'Project task (task table not modelled, so no foreign key).';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_salescontract IS 'Lookup to the project contract (dataverse.salesorder).';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_salescontractlineid IS 'Lookup to the contract line (dataverse.salesorderdetail).';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_accountcustomer IS 'Lookup to the invoiced customer (dataverse.account).';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_bookableresource IS 'Lookup to the resource (dataverse.bookableresource) who performed the work.';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_transactioncategory IS 'Transaction category (category table not modelled, so no foreign key).';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.msdyn_documentdate IS 'Document date of the invoiced transaction.';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.isocurrencycode IS 'ISO 4217 code of the detail currency (the invoice currency).';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.exchangerate IS
  'Exchange rate of the detail currency to the organization base currency (units per base unit).';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.statecode IS 'Status: 0 Active, 1 Inactive.';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.statuscode IS 'Status reason: 1 Active, 2 Inactive.';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.createdon IS 'Date and time the record was created.';
COMMENT ON COLUMN dataverse.msdyn_invoicelinetransaction.modifiedon IS 'Date and time the record was last modified.';

------------------------------------------------------------------------------------------------
-- msdyn_transactionconnection: links between actuals, ILDs, entries and milestones
------------------------------------------------------------------------------------------------
CREATE TABLE dataverse.msdyn_transactionconnection (
    msdyn_transactionconnectionid uuid        NOT NULL DEFAULT gen_random_uuid(),
    msdyn_name                    text,
    msdyn_transaction1            uuid        NOT NULL,
    msdyn_transaction1role        text,
    msdyn_transaction1type        text        NOT NULL,
    msdyn_transaction2            uuid        NOT NULL,
    msdyn_transaction2role        text,
    msdyn_transaction2type        text        NOT NULL,
    statecode                     integer     NOT NULL DEFAULT 0,
    statuscode                    integer     NOT NULL DEFAULT 1,
    createdon                     timestamptz NOT NULL DEFAULT now(),
    modifiedon                    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT msdyn_transactionconnection_pkey PRIMARY KEY (msdyn_transactionconnectionid),
    CONSTRAINT msdyn_transactionconnection_statecode_check CHECK (statecode IN (0, 1)),
    CONSTRAINT msdyn_transactionconnection_statuscode_check CHECK (statuscode IN (1, 2))
);
CREATE INDEX msdyn_transactionconnection_msdyn_transaction1_idx ON dataverse.msdyn_transactionconnection (msdyn_transaction1);
CREATE INDEX msdyn_transactionconnection_msdyn_transaction2_idx ON dataverse.msdyn_transactionconnection (msdyn_transaction2);

COMMENT ON TABLE dataverse.msdyn_transactionconnection IS
  'Transaction connection: a link between two transactions, e.g. unbilled sales actual <-> its cost actual, '
  'ILD <-> the billed sales actual created on confirmation, unbilled sale <-> its reversal, time entry <-> actual. '
  'Each side is a record id plus the logical name of its table, so the link is polymorphic and Dataverse does not '
  'enforce it: no foreign keys (reconciliation detects dangling links).';
COMMENT ON COLUMN dataverse.msdyn_transactionconnection.msdyn_transactionconnectionid IS 'Transaction connection id (primary key, Dataverse GUID).';
COMMENT ON COLUMN dataverse.msdyn_transactionconnection.msdyn_name IS 'Name of the connection (informative).';
COMMENT ON COLUMN dataverse.msdyn_transactionconnection.msdyn_transaction1 IS
  'Id of the first transaction (Dataverse stores the GUID as text; loaded as uuid). Table given by msdyn_transaction1type.';
COMMENT ON COLUMN dataverse.msdyn_transactionconnection.msdyn_transaction1role IS
  'Role of the first transaction in the link, as stored by Project Operations (text; typically the transaction '
  'type code of that record, e.g. ''192350005'' unbilled sales, ''192350006'' billed sales).';
COMMENT ON COLUMN dataverse.msdyn_transactionconnection.msdyn_transaction1type IS
  'Logical name of the table of the first transaction, e.g. msdyn_actual, msdyn_invoicelinetransaction, msdyn_timeentry, '
  'msdyn_contractlinescheduleofvalue.';
COMMENT ON COLUMN dataverse.msdyn_transactionconnection.msdyn_transaction2 IS
  'Id of the second transaction (GUID, table given by msdyn_transaction2type).';
COMMENT ON COLUMN dataverse.msdyn_transactionconnection.msdyn_transaction2role IS
  'Role of the second transaction in the link (text, same encoding as msdyn_transaction1role).';
COMMENT ON COLUMN dataverse.msdyn_transactionconnection.msdyn_transaction2type IS 'Logical name of the table of the second transaction.';
COMMENT ON COLUMN dataverse.msdyn_transactionconnection.statecode IS 'Status: 0 Active, 1 Inactive.';
COMMENT ON COLUMN dataverse.msdyn_transactionconnection.statuscode IS 'Status reason: 1 Active, 2 Inactive.';
COMMENT ON COLUMN dataverse.msdyn_transactionconnection.createdon IS 'Date and time the record was created.';
COMMENT ON COLUMN dataverse.msdyn_transactionconnection.modifiedon IS 'Date and time the record was last modified.';
