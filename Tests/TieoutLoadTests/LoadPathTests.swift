import Foundation
import Testing
import TieoutPostgres
import TieoutTestSupport

@testable import TieoutLoad

/// The definitions of every foreign key and secondary index of both schemas, with their comments.
func schemaObjects(_ connection: PostgresConnection) throws -> [String] {
    try rows(
        connection,
        """
        SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated,
               coalesce(obj_description(oid, 'pg_constraint'), '')
          FROM pg_constraint WHERE contype = 'f' AND connamespace::regnamespace::text IN ('dataverse', 'fno')
        UNION ALL
        SELECT indrelid::regclass::text, indexrelid::regclass::text, pg_get_indexdef(indexrelid), indisvalid,
               coalesce(obj_description(indexrelid, 'pg_class'), '')
          FROM pg_index WHERE indrelid::regclass::text ~ '^(dataverse|fno)\\.'
         ORDER BY 1, 2
        """)
}

/// fno.tieouttest_parent keyed on (dataareaid, code), and fno.tieouttest_child referring to it by both columns.
func createParentAndChild(_ connection: PostgresConnection) throws {
    try connection.query(
        "CREATE TABLE fno.tieouttest_parent (dataareaid text, code text, PRIMARY KEY (dataareaid, code))")
    try connection.query(
        """
        CREATE TABLE fno.tieouttest_child (
            id integer PRIMARY KEY, dataareaid text, code text,
            FOREIGN KEY (dataareaid, code) REFERENCES fno.tieouttest_parent)
        """)
}

@Suite("load paths")
struct LoadPathTests {
    /// A big file (here: any file, with the minimum lowered) takes the bulk path: foreign keys and secondary
    /// indexes are dropped and re-created, exactly as they were, comments included, and the rows are the same.
    @Test func theBulkPathLoadsTheSameRowsAndRestoresForeignKeysAndIndexesExactly() throws {
        try withLoadDatabase { connection, loader in
            let before = try schemaObjects(connection)
            #expect(before.contains { $0.contains("projcdsactualsimport_billed_invoiceid_idx") && $0.hasSuffix("it.") })
            let bulk = Loader.Options(bulkMinimumRows: 1)
            let dataverse = try loader.load(
                .dataverse, from: fixtures.appendingPathComponent("dataverse"), options: bulk)
            let fno = try loader.load(.fno, from: fixtures.appendingPathComponent("fno"), options: bulk)
            #expect(dataverse.map(\.bulk) == [true, true, true, true, true])
            #expect(dataverse.map(\.inserted) == [2, 1, 1, 1, 3])
            #expect(fno.map(\.bulk) == [true, true])
            #expect(try schemaObjects(connection) == before)
            let actuals = try rows(
                connection,
                """
                SELECT msdyn_actualid, msdyn_transactiontypecode, msdyn_billingtype, msdyn_billingstatus, msdyn_amount,
                       msdyn_documentdate, msdyn_skipsync, createdon
                  FROM dataverse.msdyn_actual ORDER BY 1
                """)
            #expect(
                actuals == [
                    "a0000000-0000-4000-8000-000000000001|192350000|192350003|∅|760.00|2026-11-03|f|2026-11-03 17:00:00+00",
                    "a0000000-0000-4000-8000-000000000002|192350005|192350001|192350000|1250.00|2026-11-03|f|2026-11-03 17:00:00+00",
                    "a0000000-0000-4000-8000-000000000003|192350000|192350003|∅|312.40|2026-11-04|f|2026-11-04 18:30:00+00",
                ])
            // Loaded again through the bulk path: nothing changes.
            let again = try loader.load(.dataverse, from: fixtures.appendingPathComponent("dataverse"), options: bulk)
            #expect(again.map(\.unchanged) == [2, 1, 1, 1, 3])
            #expect(try schemaObjects(connection) == before)
        }
    }

    /// A row that refers to a record the database does not have is named with its line, on either path, and the
    /// foreign keys and indexes are as they were.
    @Test(arguments: [1, 10_000])
    func aRowReferringToNoParentIsNamedWithItsLine(_ bulkMinimumRows: Int) throws {
        try withLoadDatabase { connection, loader in
            let before = try schemaObjects(connection)
            let directory = try copyOfFixtures("dataverse")
            defer { try? FileManager.default.removeItem(at: directory) }
            let url = directory.appendingPathComponent("msdyn_actual.csv")
            var lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
            lines[2] = lines[2].replacingOccurrences(
                of: "9a000000-0000-4000-8000-000000000001", with: "9a000000-0000-4000-8000-000000000099")
            try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
            let error = #expect(throws: LoadError.self) {
                try loader.load(.dataverse, from: directory, options: .init(bulkMinimumRows: bulkMinimumRows))
            }
            #expect(
                error?.description
                    == "msdyn_actual.csv line 3, column msdyn_project: '9a000000-0000-4000-8000-000000000099' is not in "
                    + "dataverse.msdyn_project (no row has that msdyn_projectid)")
            #expect(try rows(connection, "SELECT count(*) FROM dataverse.account") == ["0"])
            #expect(try schemaObjects(connection) == before)
        }
    }

    /// A foreign key of several columns (F&O relates on the company and a code) names every value of the line.
    @Test func aMissingParentOfSeveralColumnsNamesEachValue() throws {
        try withLoadDatabase { connection, loader in
            try createParentAndChild(connection)
            let directory = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            try "DATAAREAID,CODE\nusmf,C-1\n".write(
                to: directory.appendingPathComponent("tieouttest_parent.csv"), atomically: true, encoding: .utf8)
            try "ID,DATAAREAID,CODE\n1,usmf,C-1\n2,usmf,C-2\n".write(
                to: directory.appendingPathComponent("tieouttest_child.csv"), atomically: true, encoding: .utf8)
            let error = #expect(throws: LoadError.self) { try loader.load(.fno, from: directory) }
            #expect(
                error?.description
                    == "tieouttest_child.csv line 3, column dataareaid, code: 'usmf', 'C-2' is not in "
                    + "fno.tieouttest_parent (no row has that dataareaid, code)")
            #expect(try rows(connection, "SELECT count(*) FROM fno.tieouttest_parent") == ["0"])
        }
    }

    /// `--replace` deletes children before their parents, so a parent whose children leave with it can leave; a
    /// parent another table still refers to is named.
    @Test func replaceDeletesChildrenBeforeParents() throws {
        try withLoadDatabase { connection, loader in
            try createParentAndChild(connection)
            let directory = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let parents = directory.appendingPathComponent("tieouttest_parent.csv")
            let children = directory.appendingPathComponent("tieouttest_child.csv")
            try "DATAAREAID,CODE\nusmf,C-1\nusmf,C-2\nusmf,C-3\n".write(to: parents, atomically: true, encoding: .utf8)
            try "ID,DATAAREAID,CODE\n1,usmf,C-1\n2,usmf,C-2\n3,usmf,C-3\n".write(
                to: children, atomically: true, encoding: .utf8)
            _ = try loader.load(.fno, from: directory)

            try "DATAAREAID,CODE\nusmf,C-1\nusmf,C-3\n".write(to: parents, atomically: true, encoding: .utf8)
            try "ID,DATAAREAID,CODE\n1,usmf,C-1\n3,usmf,C-3\n".write(to: children, atomically: true, encoding: .utf8)
            let replaced = try loader.load(.fno, from: directory, options: .init(replace: true))
            #expect(replaced.map(\.table) == ["fno.tieouttest_parent", "fno.tieouttest_child"])
            #expect(replaced.map(\.deleted) == [1, 1])
            #expect(try rows(connection, "SELECT code FROM fno.tieouttest_parent ORDER BY 1") == ["C-1", "C-3"])

            // Without the children's file, the child of C-3 still refers to it.
            try FileManager.default.removeItem(at: children)
            try "DATAAREAID,CODE\nusmf,C-1\n".write(to: parents, atomically: true, encoding: .utf8)
            let error = #expect(throws: LoadError.self) {
                try loader.load(.fno, from: directory, options: .init(replace: true))
            }
            #expect(
                error?.description
                    == "tieouttest_parent.csv: --replace would delete the row with dataareaid, code 'usmf', 'C-3', "
                    + "but fno.tieouttest_child still refers to it; keep it in the file, or load fno.tieouttest_child's "
                    + "file without the rows that refer to it")
            #expect(try rows(connection, "SELECT code FROM fno.tieouttest_parent ORDER BY 1") == ["C-1", "C-3"])
        }
    }

    /// A file matched on its primary key whose values of another unique key are on two lines, or belong to another
    /// row already, is named with the line.
    @Test func anotherUniqueKeyClashIsNamedWithItsLine() throws {
        try withLoadDatabase { connection, loader in
            try connection.query(
                """
                CREATE TABLE fno.tieouttest_unique (
                    recid bigint PRIMARY KEY, dataareaid text NOT NULL, code text NOT NULL,
                    CONSTRAINT tieouttest_unique_code_key UNIQUE (dataareaid, code))
                """)
            let directory = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("tieouttest_unique.csv")
            try "RECID,DATAAREAID,CODE\n1,usmf,A\n".write(to: file, atomically: true, encoding: .utf8)
            _ = try loader.load(.fno, from: directory)

            try "RECID,DATAAREAID,CODE\n3,usmf,B\n2,usmf,A\n".write(to: file, atomically: true, encoding: .utf8)
            let existing = #expect(throws: LoadError.self) { try loader.load(.fno, from: directory) }
            #expect(
                existing?.description
                    == "tieouttest_unique.csv line 3, column dataareaid, code: 'usmf', 'A' already belongs to another "
                    + "row of fno.tieouttest_unique (tieouttest_unique_code_key is unique)")

            try "RECID,DATAAREAID,CODE\n4,usmf,C\n5,usmf,C\n".write(to: file, atomically: true, encoding: .utf8)
            let twice = #expect(throws: LoadError.self) { try loader.load(.fno, from: directory) }
            #expect(
                twice?.description
                    == "tieouttest_unique.csv lines 2 and 3: the same key (dataareaid, code); each row must have its own key"
            )
            #expect(try rows(connection, "SELECT recid FROM fno.tieouttest_unique") == ["1"])
        }
    }

    /// A table with a foreign key marked NOT VALID keeps it during the load (re-adding it NOT VALID would leave the
    /// loaded rows unchecked), so a row without its parent is still named.
    @Test func aNotValidForeignKeyStillChecksTheLoadedRows() throws {
        try withLoadDatabase { connection, loader in
            try connection.query("CREATE TABLE fno.tieouttest_parent (code text PRIMARY KEY)")
            try connection.query("CREATE TABLE fno.tieouttest_child (id integer PRIMARY KEY, code text)")
            try connection.query(
                """
                ALTER TABLE fno.tieouttest_child ADD CONSTRAINT tieouttest_child_code_fkey
                      FOREIGN KEY (code) REFERENCES fno.tieouttest_parent NOT VALID
                """)
            let directory = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            try "ID,CODE\n1,C-9\n".write(
                to: directory.appendingPathComponent("tieouttest_child.csv"), atomically: true, encoding: .utf8)
            let error = #expect(throws: LoadError.self) {
                try loader.load(.fno, from: directory, options: .init(bulkMinimumRows: 1))
            }
            #expect(
                error?.description
                    == "tieouttest_child.csv line 2, column code: 'C-9' is not in fno.tieouttest_parent (no row has that code)"
            )
        }
    }

    /// A unique index's INCLUDE columns are not part of the key the rows are matched on.
    @Test func includedColumnsAreNotPartOfTheKey() throws {
        try withLoadDatabase { connection, loader in
            try connection.query(
                "CREATE TABLE fno.tieouttest_included (code text NOT NULL, name text, UNIQUE (code) INCLUDE (name))")
            let directory = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let file = directory.appendingPathComponent("tieouttest_included.csv")
            try "CODE,NAME\nA,first\n".write(to: file, atomically: true, encoding: .utf8)
            _ = try loader.load(.fno, from: directory)
            try "CODE,NAME\nA,second\n".write(to: file, atomically: true, encoding: .utf8)
            let again = try loader.load(.fno, from: directory)
            #expect(again.map(\.updated) == [1])
            #expect(try rows(connection, "SELECT code, name FROM fno.tieouttest_included") == ["A|second"])
        }
    }

    /// Two lines with the same key are both named.
    @Test func aKeyOnTwoLinesIsNamed() throws {
        try withLoadDatabase { connection, loader in
            let directory = try copyOfFixtures("dataverse")
            defer { try? FileManager.default.removeItem(at: directory) }
            let url = directory.appendingPathComponent("msdyn_actual.csv")
            let text = try String(contentsOf: url, encoding: .utf8)
            try text.replacingOccurrences(
                of: "a0000000-0000-4000-8000-000000000003", with: "A0000000-0000-4000-8000-000000000001"
            ).write(to: url, atomically: true, encoding: .utf8)
            let error = #expect(throws: LoadError.self) { try loader.load(.dataverse, from: directory) }
            #expect(
                error?.description
                    == "msdyn_actual.csv lines 2 and 4: the same key (msdyn_actualid); each row must have its own key")
            #expect(try rows(connection, "SELECT count(*) FROM dataverse.msdyn_actual") == ["0"])
        }
    }

    /// The fast reading of values (PostgreSQL's own input for the common shapes) gives exactly what the precise
    /// `load.parse_*` functions give, for every shape the exports write.
    @Test func theFastReadingGivesWhatThePreciseOneGives() throws {
        try withLoadDatabase { connection, _ in
            try connection.query("SET TimeZone = 'UTC'")
            try connection.query("SET DateStyle = 'ISO, MDY'")
            let catalog = try Catalog.read(schema: "dataverse", on: connection)
            let actual = try #require(catalog.tables["msdyn_actual"])
            let samples: [(String, [String?])] = [
                (
                    "msdyn_actualid",
                    [
                        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}",
                        "a0eebc999c0b4ef8bb6d6bb9bd380a11", " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 ",
                    ]
                ),
                ("msdyn_amount", ["1250.00", "-0.5", ".5", "5.", "1,234.50", " 12 ", "0", nil, ""]),
                ("msdyn_quantity", ["8.0000", "+3", "1,000,000.25"]),
                (
                    "msdyn_transactiontypecode",
                    ["Cost", "Unbilled Sales", "unbilled sales", "UnbilledSales", "192350006", " 192350000 "]
                ),
                ("msdyn_billingstatus", ["Unbilled Sales Created", "Canceled", "Cancelled", "192350004", nil, ""]),
                ("msdyn_skipsync", ["True", "False", "true", "Yes", "No", "1", "0", "y", " FALSE ", nil]),
                (
                    // Not required, so F&O's empty date reads as NULL both ways.
                    "msdyn_accountingdate",
                    [
                        "11/03/2026", "1/3/2026", "2026-11-03", "2026-11-03T00:00:00Z", "2026-11-03T23:30:00-05:00",
                        "11/03/2026 5:00 PM", "1900-01-01", "01/01/1900", "1900-01-01T00:00:00", "2/29/2028",
                        " 11/03/2026",
                    ]
                ),
                (
                    "createdon",
                    [
                        "11/03/2026 5:00 PM", "11/03/2026 05:00:30 PM", "1/3/2026 12:00 AM", "1/3/2026 12:15 PM",
                        "11/03/2026 17:45", "11/03/2026", "2026-11-03T17:00:00Z", "2026-11-03T17:00:00.1234567Z",
                        "2026-11-03 17:00:00", "2026-11-03T17:00:00+01:00", "2026-11-03T17:00", "2026-11-03",
                        "1900-01-01T00:00:00", "1900-01-01 00:00:00", "01/01/1900 12:00 AM", nil,
                    ]
                ),
            ]
            for (columnName, values) in samples {
                let column = try #require(actual.column(columnName))
                try connection.query("DROP TABLE IF EXISTS pg_temp.s")
                try connection.query("CREATE TEMPORARY TABLE s (_record bigint, f1 text)")
                for (index, value) in values.enumerated() {
                    try connection.query("INSERT INTO pg_temp.s VALUES (\(index + 2), \(value))")
                }
                let compared = try rows(
                    connection,
                    """
                    SELECT f1, (\(column.fastConversion(of: "s.f1", table: actual)))::text,
                           (\(column.conversion(of: "s.f1", table: actual)))::text
                      FROM pg_temp.s s ORDER BY _record
                    """)
                for row in compared {
                    let parts = row.components(separatedBy: "|")
                    #expect(parts[1] == parts[2], "\(columnName) '\(parts[0])': fast \(parts[1]), precise \(parts[2])")
                }
                #expect(compared.count == values.count)
            }
        }
    }
}
