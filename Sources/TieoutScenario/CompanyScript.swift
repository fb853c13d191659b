/// The SQL that generates the seeded company's Dataverse master data and its month of entries.
///
/// Everything is derived from `pg_temp.seed_params` (seed, scale, month) through `pg_temp.seed_uuid` and
/// `pg_temp.seed_fraction`, two md5-based functions: the same seed, scale and month give the same company.
/// Sizes at scale N: 20N customers, 60N contracts each with one project, 60N resources, a month of working
/// days of time per resource, a weekly expense per resource, two material usages per project, a fee per
/// time-and-material contract and a tax charge on every fourth one. Contracts whose number is a multiple of
/// five are fixed price only, those one above a multiple of five have both a time-and-material and a fixed
/// price line, the rest are time and material; customers whose number is a multiple of four buy in EUR.
enum CompanyScript {
    static let functions = """
        CREATE FUNCTION pg_temp.seed_uuid(tag text, n bigint) RETURNS uuid LANGUAGE sql STABLE AS $$
            SELECT md5((SELECT seed FROM pg_temp.seed_params)::text || ':' || tag || ':' || n)::uuid
        $$;
        CREATE FUNCTION pg_temp.seed_fraction(tag text, n bigint) RETURNS numeric LANGUAGE sql STABLE AS $$
            SELECT ('x' || substr(md5((SELECT seed FROM pg_temp.seed_params)::text || ':' || tag || ':' || n), 1, 8))
                   ::bit(32)::bigint / 4294967296.0
        $$;
        """

    /// Price lists, resources, customers, contracts, projects, contract lines and milestones.
    static let masterData = """
        INSERT INTO dataverse.pricelevel (pricelevelid, name, isocurrencycode, msdyn_module)
        SELECT pg_temp.seed_uuid('pricelist', k), name, currency, module
        FROM (VALUES (1, 'Cost rates USD', 'USD', 192350000), (2, 'Cost rates EUR', 'EUR', 192350000),
                     (3, 'Bill rates USD', 'USD', 192350001), (4, 'Bill rates EUR', 'EUR', 192350001))
             AS v (k, name, currency, module);

        INSERT INTO dataverse.msdyn_resourcecategorypricelevel
               (msdyn_resourcecategorypricelevelid, msdyn_pricelist, msdyn_resourcecategory, msdyn_name, msdyn_price)
        SELECT pg_temp.seed_uuid('roleprice', list * 10 + role), pg_temp.seed_uuid('pricelist', list),
               pg_temp.seed_uuid('role', role), name, price
        FROM (VALUES (1, 'Consultant', 55.00, 50.00, 120.00, 110.00),
                     (2, 'Senior consultant', 75.00, 68.00, 165.00, 150.00),
                     (3, 'Developer', 60.00, 55.00, 140.00, 128.00),
                     (4, 'Project manager', 90.00, 82.00, 195.00, 178.00)) AS r (role, name, cost_usd, cost_eur, bill_usd, bill_eur)
        CROSS JOIN LATERAL (VALUES (1, cost_usd), (2, cost_eur), (3, bill_usd), (4, bill_eur)) AS p (list, price);

        INSERT INTO dataverse.bookableresource (bookableresourceid, name)
        SELECT pg_temp.seed_uuid('resource', n), 'Resource ' || lpad(n::text, 5, '0')
        FROM generate_series(1, 60 * (SELECT scale FROM pg_temp.seed_params)) AS n;

        INSERT INTO dataverse.account (accountid, name, accountnumber, isocurrencycode)
        SELECT pg_temp.seed_uuid('customer', n), 'Customer ' || lpad(n::text, 5, '0'), 'C-' || lpad(n::text, 6, '0'),
               CASE WHEN n % 4 = 0 THEN 'EUR' ELSE 'USD' END
        FROM generate_series(1, 20 * (SELECT scale FROM pg_temp.seed_params)) AS n;

        CREATE TEMP TABLE seed_contract AS
        SELECT n, pg_temp.seed_uuid('contract', n) AS salesorderid, pg_temp.seed_uuid('project', n) AS projectid,
               c AS customer_n, CASE WHEN c % 4 = 0 THEN 'EUR' ELSE 'USD' END AS currency,
               n % 5 <> 0 AS has_tm, n % 5 IN (0, 1) AS has_fp
        FROM generate_series(1, 60 * (SELECT scale FROM pg_temp.seed_params)) AS n
        CROSS JOIN LATERAL (SELECT (n - 1) % (20 * (SELECT scale FROM pg_temp.seed_params)) + 1 AS c) AS customer;

        INSERT INTO dataverse.salesorder (salesorderid, name, ordernumber, customerid, isocurrencycode, pricelevelid, statecode)
        SELECT salesorderid, 'Contract ' || lpad(n::text, 6, '0'), 'PC-' || lpad(n::text, 6, '0'),
               pg_temp.seed_uuid('customer', customer_n), currency,
               pg_temp.seed_uuid('pricelist', CASE currency WHEN 'USD' THEN 3 ELSE 4 END), 1
        FROM seed_contract;

        INSERT INTO dataverse.msdyn_project (msdyn_projectid, msdyn_subject, msdyn_customer, msdyn_salesorderid,
                                             msdyn_projectnumber, isocurrencycode, msdyn_scheduledstart)
        SELECT projectid, 'Project ' || lpad(n::text, 6, '0'), pg_temp.seed_uuid('customer', customer_n), salesorderid,
               'PRJ-' || lpad(n::text, 6, '0'), currency, (SELECT month FROM pg_temp.seed_params)
        FROM seed_contract;

        INSERT INTO dataverse.salesorderdetail (salesorderdetailid, salesorderid, productdescription, lineitemnumber,
               msdyn_billingmethod, msdyn_project, msdyn_includetime, msdyn_includeexpense, msdyn_includematerial,
               msdyn_includefee, isocurrencycode)
        SELECT pg_temp.seed_uuid('tmline', n), salesorderid, 'Time and material', 1, 192350000, projectid,
               true, true, true, true, currency
        FROM seed_contract WHERE has_tm;

        INSERT INTO dataverse.salesorderdetail (salesorderdetailid, salesorderid, productdescription, lineitemnumber,
               msdyn_billingmethod, msdyn_project, isocurrencycode, baseamount, extendedamount)
        SELECT pg_temp.seed_uuid('fpline', n), salesorderid, 'Fixed price', 2, 192350001, projectid, currency,
               amounts.total, amounts.total
        FROM seed_contract
        CROSS JOIN LATERAL (
            SELECT sum(round(2000 + 8000 * pg_temp.seed_fraction('milestone', n * 10 + m), -1)) AS total
            FROM generate_series(1, 3) AS m) AS amounts
        WHERE has_fp;

        INSERT INTO dataverse.msdyn_contractlinescheduleofvalue (msdyn_contractlinescheduleofvalueid, msdyn_name,
               msdyn_contract, msdyn_contractlineid, msdyn_amount, msdyn_amount_after_tax, msdyn_invoicedate,
               isocurrencycode)
        SELECT pg_temp.seed_uuid('milestone', n * 10 + m), 'Milestone ' || m, salesorderid, pg_temp.seed_uuid('fpline', n),
               round(2000 + 8000 * pg_temp.seed_fraction('milestone', n * 10 + m), -1),
               round(2000 + 8000 * pg_temp.seed_fraction('milestone', n * 10 + m), -1),
               (SELECT month FROM pg_temp.seed_params) + CASE m WHEN 1 THEN 9 WHEN 2 THEN 19 ELSE 45 END,
               currency
        FROM seed_contract CROSS JOIN generate_series(1, 3) AS m
        WHERE has_fp;
        """

    /// A month of submitted time entries, expenses and material usages, and a draft fee journal.
    static let entries = """
        CREATE TEMP TABLE seed_day AS
        SELECT d::date AS day, row_number() OVER (ORDER BY d) AS k
        FROM generate_series((SELECT month FROM pg_temp.seed_params),
                             (SELECT month FROM pg_temp.seed_params) + interval '1 month' - interval '1 day',
                             interval '1 day') AS d
        WHERE extract(isodow FROM d) < 6;

        CREATE TEMP TABLE seed_resource AS
        SELECT r, pg_temp.seed_uuid('resource', r) AS resourceid, pg_temp.seed_uuid('role', (r - 1) % 4 + 1) AS role,
               c.projectid AS home, o.projectid AS other, c.currency, o.currency AS other_currency
        FROM generate_series(1, 60 * (SELECT scale FROM pg_temp.seed_params)) AS r
        JOIN seed_contract c ON c.n = r
        JOIN seed_contract o ON o.n = r % (60 * (SELECT scale FROM pg_temp.seed_params)) + 1;

        -- Time: a working day each, 4 to 8 hours in half hours; Fridays on a second project; one day in fifty
        -- is an absence (approved, no actuals).
        INSERT INTO dataverse.msdyn_timeentry (msdyn_timeentryid, msdyn_description, msdyn_date, msdyn_duration,
               msdyn_type, msdyn_entrystatus, msdyn_project, msdyn_bookableresource, msdyn_resourcecategory)
        SELECT pg_temp.seed_uuid('time', r * 100 + k), 'Project work', day,
               240 + 30 * floor(9 * pg_temp.seed_fraction('hours', r * 100 + k))::integer,
               CASE WHEN pg_temp.seed_fraction('absence', r * 100 + k) < 0.02 THEN 192350001 ELSE 192350000 END,
               192350003, CASE WHEN extract(isodow FROM day) = 5 THEN other ELSE home END, resourceid, role
        FROM seed_resource CROSS JOIN seed_day;

        -- Expenses: one a week per resource (Wednesdays), 20 to 300 in the project currency.
        INSERT INTO dataverse.msdyn_expense (msdyn_expenseid, msdyn_name, msdyn_transactiondate, msdyn_expensestatus,
               msdyn_project, msdyn_bookableresource, msdyn_quantity, msdyn_price, msdyn_amount, msdyn_totalamount,
               isocurrencycode)
        SELECT pg_temp.seed_uuid('expense', r * 100 + k), 'Travel', day, 192350001, home, resourceid, 1, amount, amount,
               amount, currency
        FROM seed_resource CROSS JOIN seed_day
        CROSS JOIN LATERAL (SELECT round(20 + 280 * pg_temp.seed_fraction('expense', r * 100 + k), 2) AS amount) AS a
        WHERE extract(isodow FROM day) = 3;

        -- Material: two usages per project, 1 to 10 units at 5 to 100.
        INSERT INTO dataverse.msdyn_materialusagelog (msdyn_materialusagelogid, msdyn_name, msdyn_date, msdyn_project,
               msdyn_writeinproductdescription, msdyn_bookableresource, msdyn_quantity, msdyn_unitcost, msdyn_totalcost,
               msdyn_status, isocurrencycode)
        SELECT pg_temp.seed_uuid('material', r * 100 + k), 'Material', day, home, 'Cabling', resourceid, quantity, cost,
               round(quantity * cost, 2), 192350003, currency
        FROM seed_resource JOIN seed_day ON seed_day.k IN (3, 14)
        CROSS JOIN LATERAL (
            SELECT 1 + floor(10 * pg_temp.seed_fraction('units', r * 100 + k)) AS quantity,
                   round(5 + 95 * pg_temp.seed_fraction('unitcost', r * 100 + k), 2) AS cost) AS m;

        -- Fees on every time-and-material contract, a tax charge on every fourth.
        INSERT INTO dataverse.msdyn_journal (msdyn_journalid, msdyn_description)
        SELECT pg_temp.seed_uuid('journal', 1), 'Fees ' || to_char((SELECT month FROM pg_temp.seed_params), 'YYYY-MM');

        INSERT INTO dataverse.msdyn_journalline (msdyn_journallineid, msdyn_journal, msdyn_description,
               msdyn_transactionclassification, msdyn_project, msdyn_documentdate, msdyn_quantity, msdyn_price,
               msdyn_amount, isocurrencycode)
        SELECT pg_temp.seed_uuid('fee', n), pg_temp.seed_uuid('journal', 1), 'Project management fee', 192350004,
               projectid, (SELECT month FROM pg_temp.seed_params) + 14, 1, fee, fee, currency
        FROM seed_contract
        CROSS JOIN LATERAL (SELECT round(250 + 750 * pg_temp.seed_fraction('fee', n), 2) AS fee) AS f
        WHERE has_tm
        UNION ALL
        SELECT pg_temp.seed_uuid('taxline', n), pg_temp.seed_uuid('journal', 1), 'Environmental levy', 690970002,
               projectid, (SELECT month FROM pg_temp.seed_params) + 20, 1, 35.00, 35.00, currency
        FROM seed_contract WHERE has_tm AND n % 4 = 2;
        """
}
