import Foundation
import Logging
import Testing
import TieoutLoad
import TieoutMaps
import TieoutPostgres
import TieoutSync
import TieoutTestSupport

/// Rewrites a text file of a lake copy.
func edit(_ url: URL, _ change: (String) -> String) throws {
    let text = try String(contentsOf: url, encoding: .utf8)
    try Data(change(text).utf8).write(to: url)
}

/// What the lake loader's tests share.
enum LakeTest {
    /// The hand-written lake of `Fixtures/lake` (docs/lake.md shapes, not the writer's): a root-layout snapshot, two
    /// incremental folders (`.` and `:` spellings) with updates, out-of-order versions, deletes (a Dataverse actual,
    /// an F&O row carrying only Id), a column added between folders, quoted commas, quotes and line breaks, an
    /// unknown entity, and a third folder that `Changelog/changelog.info` says is still being written.
    static let fixture = packageRoot.appendingPathComponent("Tests/TieoutLakeTests/Fixtures/lake")

    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    /// Rows of a query, columns joined with `|` (NULL as `∅`).
    static func rows(_ connection: PostgresConnection, _ sql: String) throws -> [String] {
        let result = try connection.query(PostgresQuery(unescaped: sql))
        return result.map { row in (0..<result.columns.count).map { row[$0] ?? "∅" }.joined(separator: "|") }
    }

    /// A copy of the fixture lake that a test may change, in a folder of its own (remove its parent afterwards).
    static func copyOfLake() throws -> URL {
        let directory = try makeTemporaryDirectory()
        let lake = directory.appendingPathComponent("lake")
        try FileManager.default.copyItem(at: fixture, to: lake)
        return lake
    }

    /// Everything the loaded tables and the lake schema hold, hashed: equal before and after a load that must change
    /// nothing.
    static func snapshot(_ connection: PostgresConnection) throws -> [String] {
        try LakeTest.rows(
            connection,
            """
            SELECT 'account', md5(string_agg(t::text, ',' ORDER BY t.accountid)) FROM dataverse.account t
            UNION ALL SELECT 'project', md5(string_agg(t::text, ',' ORDER BY t.msdyn_projectid)) FROM dataverse.msdyn_project t
            UNION ALL SELECT 'actual', md5(string_agg(t::text, ',' ORDER BY t.msdyn_actualid)) FROM dataverse.msdyn_actual t
            UNION ALL SELECT 'cust', md5(string_agg(t::text, ',' ORDER BY t.recid)) FROM fno.custtable t
            UNION ALL SELECT 'proj', md5(string_agg(t::text, ',' ORDER BY t.recid)) FROM fno.projtable t
            UNION ALL SELECT 'journal', md5(string_agg(t::text, ',' ORDER BY t.recid)) FROM fno.projadvancedjournal t
            UNION ALL SELECT 'folders', md5(string_agg(t::text, ',' ORDER BY t.id)) FROM lake.loaded_folder t
            UNION ALL SELECT 'tables', md5(string_agg(t::text, ',' ORDER BY t.load_id, t.table_name)) FROM lake.loaded_table t
            UNION ALL SELECT 'versions', md5(string_agg(t::text, ',' ORDER BY t.table_no, t.id)) FROM lake.row_version t
            UNION ALL SELECT 'deletes', md5(string_agg(t::text, ',' ORDER BY t.load_id, t.row_key)) FROM lake.deleted_row t
            """)
    }
}

@Suite("loading lake folders")
struct LakeLoaderTests {
    @Test func theFixtureLakeLoadsWithExactRowsAndTheUnfinishedFolderWaits() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            let summary = try LakeLoader(connection: connection, logger: LakeTest.logger).load(from: LakeTest.fixture)
            let shown = summary.loaded.flatMap { folder in
                folder.tables.map {
                    "\(folder.folder) \($0.table) files=\($0.files) rows=\($0.rows) inserted=\($0.inserted) "
                        + "updated=\($0.updated) unchanged=\($0.unchanged) deleted=\($0.deleted) "
                        + "superseded=\($0.superseded) ignored=\($0.ignoredColumns.joined(separator: ","))"
                }
            }
            #expect(
                shown == [
                    ". dataverse.account files=1 rows=2 inserted=2 updated=0 unchanged=0 deleted=0 superseded=0 ignored=",
                    ". dataverse.msdyn_project files=1 rows=1 inserted=1 updated=0 unchanged=0 deleted=0 superseded=0 ignored=msdyn_customfield",
                    ". dataverse.msdyn_actual files=1 rows=2 inserted=2 updated=0 unchanged=0 deleted=0 superseded=0 ignored=",
                    ". fno.custtable files=1 rows=2 inserted=2 updated=0 unchanged=0 deleted=0 superseded=0 ignored=",
                    ". fno.projtable files=1 rows=1 inserted=1 updated=0 unchanged=0 deleted=0 superseded=0 ignored=",
                    ". fno.projadvancedjournal files=1 rows=1 inserted=1 updated=0 unchanged=0 deleted=0 superseded=0 ignored=",
                    "2026-11-24T08.07.17Z dataverse.msdyn_actual files=1 rows=4 inserted=1 updated=1 unchanged=0 deleted=1 superseded=1 ignored=",
                    "2026-11-24T08.07.17Z fno.custtable files=1 rows=1 inserted=0 updated=0 unchanged=0 deleted=1 superseded=0 ignored=",
                    "2026-11-24T08.07.17Z fno.projtable files=1 rows=1 inserted=0 updated=1 unchanged=0 deleted=0 superseded=0 ignored=",
                    "2026-11-24T08.07.17Z fno.projadvancedjournal files=1 rows=1 inserted=0 updated=1 unchanged=0 deleted=0 superseded=0 ignored=",
                    "2026-11-25T08:07:17Z dataverse.account files=1 rows=2 inserted=1 updated=1 unchanged=0 deleted=0 superseded=0 ignored=",
                    "2026-11-25T08:07:17Z dataverse.msdyn_actual files=1 rows=2 inserted=0 updated=1 unchanged=0 deleted=0 superseded=1 ignored=",
                ])
            #expect(summary.skippedEntities == ["contact"])
            #expect(summary.inProgress == "2026-11-26T08.07.17Z")
            #expect(summary.alreadyLoaded == 0)

            // The column added in the second folder: the older row reads NULL there; quoted commas, doubled quotes
            // and line breaks come through; the unfinished folder's account is not there.
            #expect(
                try LakeTest.rows(
                    connection,
                    "SELECT accountid, name, accountnumber, createdon, modifiedon FROM dataverse.account ORDER BY 1")
                    == [
                        "11111111-1111-1111-1111-111111111111|Contoso, Ltd.|∅|2026-11-20 09:15:00+00|2026-11-20 09:15:00+00",
                        "11111111-1111-1111-1111-111111111112|Fabrikam \"Blue\" Inc.|∅|2026-11-20 09:16:00+00|2026-11-25 07:00:00+00",
                        "11111111-1111-1111-1111-111111111113|Northwind\nTraders|ACC-003|2026-11-25 07:10:00+00|2026-11-25 07:10:00+00",
                    ])
            #expect(
                try LakeTest.rows(
                    connection, "SELECT msdyn_projectid, msdyn_subject, msdyn_customer FROM dataverse.msdyn_project")
                    == [
                        "22222222-2222-2222-2222-222222222221|Website, phase 1|11111111-1111-1111-1111-111111111111"
                    ])
            // The newest version wins whatever the line order; the older copy in the next folder is skipped; the
            // deleted actual is gone; seven fraction digits round to microseconds; +00:00 and Z read alike.
            #expect(
                try LakeTest.rows(
                    connection,
                    """
                    SELECT msdyn_actualid, msdyn_description, msdyn_transactiontypecode, msdyn_billingstatus,
                           msdyn_quantity, msdyn_price, msdyn_amount, msdyn_isjournalized, msdyn_documentdate,
                           createdon, modifiedon
                      FROM dataverse.msdyn_actual ORDER BY 1
                    """)
                    == [
                        "33333333-3333-3333-3333-333333333331|Design review, final|192350000|∅|8|95.50|764.00|t|2026-11-20|2026-11-20 10:00:00.123457+00|2026-11-24 08:00:00+00",
                        "33333333-3333-3333-3333-333333333333|Fee, \"fixed\"\r\nsecond line|192350006|192350004|1|250|250.00|f|2026-11-23|2026-11-23 15:30:00+00|2026-11-25 06:00:00+00",
                    ])
            // F&O: the key is the RecId the Id stands for; the row deleted by an Id-only row is gone; Type_ is type;
            // the empty date 1900-01-01 was NULL until the journal posted.
            #expect(
                try LakeTest.rows(connection, "SELECT recid, accountnum, currency, createddatetime FROM fno.custtable")
                    == ["5637144576|US-001|USD|2026-11-20 09:15:00+00"])
            #expect(
                try LakeTest.rows(
                    connection, "SELECT recid, projid, name, type, custaccount, modifieddatetime FROM fno.projtable")
                    == ["5637145000|PRJ-001|Website, phase 1 (renamed)|1|US-001|2026-11-24 07:30:00+00"])
            #expect(
                try LakeTest.rows(
                    connection,
                    "SELECT recid, journalid, status, periodstartdate, posteddatetime FROM fno.projadvancedjournal")
                    == ["5637146000|JRN-001|1|2026-11-01|2026-11-24 07:00:00+00"])
            #expect(
                try LakeTest.rows(
                    connection,
                    """
                    SELECT f.folder, d.table_name, d.row_key, d.version
                      FROM lake.deleted_row d JOIN lake.loaded_folder f ON f.id = d.load_id ORDER BY 2
                    """)
                    == [
                        "2026-11-24T08.07.17Z|dataverse.msdyn_actual|33333333-3333-3333-3333-333333333332|1011",
                        "2026-11-24T08.07.17Z|fno.custtable|5637144577|∅",
                    ])
            #expect(
                try LakeTest.rows(connection, "SELECT folder, folder_time, rows FROM lake.loaded_folder ORDER BY id")
                    == [
                        ".|∅|9", "2026-11-24T08.07.17Z|2026-11-24 08:07:17+00|7",
                        "2026-11-25T08:07:17Z|2026-11-25 08:07:17+00|4",
                    ])
            #expect(
                try LakeTest.rows(
                    connection,
                    """
                    SELECT v.id, v.version FROM lake.row_version v JOIN lake.table_number n USING (table_no)
                     WHERE n.table_name = 'dataverse.msdyn_actual' ORDER BY 1
                    """
                ) == [
                    "33333333-3333-3333-3333-333333333331|1010", "33333333-3333-3333-3333-333333333332|1011",
                    "33333333-3333-3333-3333-333333333333|1022",
                ])

            // Loading again changes nothing.
            let before = try LakeTest.snapshot(connection)
            let again = try LakeLoader(connection: connection, logger: LakeTest.logger).load(from: LakeTest.fixture)
            #expect(again.loaded.isEmpty)
            #expect(again.alreadyLoaded == 2)
            #expect(try LakeTest.snapshot(connection) == before)
        }
    }

    @Test func loadedRowsAndDeletesAreCapturedForTheSyncLikeAnyOtherWrite() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            _ = try SyncEngine(
                maps: MapSet.load(directory: packageRoot.appendingPathComponent("maps")),
                databases: SyncDatabases(single: connection), logger: LakeTest.logger)
            _ = try LakeLoader(connection: connection, logger: LakeTest.logger).load(from: LakeTest.fixture)
            // The root's inserts; the first folder's upsert (the update's capture fires before the insert's) and
            // delete of an actual; the second folder's changed and new account and changed actual.
            #expect(
                try LakeTest.rows(connection, "SELECT map, op, pk[1] FROM sync.change_log ORDER BY id") == [
                    "customers|I|11111111-1111-1111-1111-111111111111",
                    "customers|I|11111111-1111-1111-1111-111111111112",
                    "projects|I|22222222-2222-2222-2222-222222222221",
                    "actuals|I|33333333-3333-3333-3333-333333333331",
                    "actuals|I|33333333-3333-3333-3333-333333333332",
                    "actuals|U|33333333-3333-3333-3333-333333333331",
                    "actuals|I|33333333-3333-3333-3333-333333333333",
                    "actuals|D|33333333-3333-3333-3333-333333333332",
                    "customers|U|11111111-1111-1111-1111-111111111112",
                    "customers|I|11111111-1111-1111-1111-111111111113",
                    "actuals|U|33333333-3333-3333-3333-333333333333",
                ])
        }
    }

    @Test func aNightlyRunLoadsOnlyTheFoldersThatFinishedSinceTheLastOne() throws {
        let lake = try LakeTest.copyOfLake()
        defer { try? FileManager.default.removeItem(at: lake.deletingLastPathComponent()) }
        // The first night the second folder is still being written.
        let second = lake.appendingPathComponent("2026-11-25T08:07:17Z")
        let aside = lake.deletingLastPathComponent().appendingPathComponent("aside")
        try FileManager.default.moveItem(at: second, to: aside)
        try FileManager.default.createDirectory(at: second, withIntermediateDirectories: false)
        try Data().write(to: second.appendingPathComponent("model.json"))
        try Data("2026-11-25T08:07:17Z\n".utf8).write(to: lake.appendingPathComponent("Changelog/changelog.info"))
        try TestDatabase.withMigratedDatabase { connection, _ in
            let loader = LakeLoader(connection: connection, logger: LakeTest.logger)
            let first = try loader.load(from: lake)
            #expect(first.loaded.map(\.folder) == [".", "2026-11-24T08.07.17Z"])
            #expect(first.inProgress == "2026-11-25T08:07:17Z")
            #expect(try LakeTest.rows(connection, "SELECT count(*) FROM dataverse.account") == ["2"])

            // The next night it is finished, and the third one is being written.
            try FileManager.default.removeItem(at: second)
            try FileManager.default.moveItem(at: aside, to: second)
            try Data("2026-11-26T08.07.17Z".utf8).write(to: lake.appendingPathComponent("Changelog/changelog.info"))
            let next = try loader.load(from: lake)
            #expect(next.loaded.map(\.folder) == ["2026-11-25T08:07:17Z"])
            #expect(next.alreadyLoaded == 1)
            #expect(try LakeTest.rows(connection, "SELECT count(*) FROM dataverse.account") == ["3"])
            #expect(try LakeTest.rows(connection, "SELECT folder FROM lake.loaded_folder ORDER BY id").count == 3)

            // In-place mode points the root model.json at a newer snapshot: the root loads again, and its rows older
            // than what the folders loaded (a deleted actual, a deleted F&O customer among them) do not come back.
            try edit(lake.appendingPathComponent("model.json")) { $0 + "\n" }
            let reloaded = try loader.load(from: lake)
            #expect(reloaded.loaded.map(\.folder) == ["."])
            let counts = reloaded.loaded[0].tables.map {
                "\($0.table) rows=\($0.rows) unchanged=\($0.unchanged) superseded=\($0.superseded) inserted=\($0.inserted)"
            }
            #expect(
                counts == [
                    "dataverse.account rows=2 unchanged=1 superseded=1 inserted=0",
                    "dataverse.msdyn_project rows=1 unchanged=1 superseded=0 inserted=0",
                    "dataverse.msdyn_actual rows=2 unchanged=0 superseded=2 inserted=0",
                    "fno.custtable rows=2 unchanged=1 superseded=1 inserted=0",
                    "fno.projtable rows=1 unchanged=0 superseded=1 inserted=0",
                    "fno.projadvancedjournal rows=1 unchanged=0 superseded=1 inserted=0",
                ])
            #expect(try LakeTest.rows(connection, "SELECT count(*) FROM dataverse.msdyn_actual") == ["2"])
            #expect(try LakeTest.rows(connection, "SELECT accountnum FROM fno.custtable") == ["US-001"])
        }
    }
}
