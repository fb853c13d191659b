import Foundation
import Testing
import TieoutLoad
import TieoutPostgres
import TieoutTestSupport

/// One way a lake can be wrong: how to spoil a copy of the fixture lake, the error it must give (one line, naming the
/// file and, where there is one, the line and column), and the folders that must be loaded afterwards.
struct BadLake: Sendable, CustomTestStringConvertible {
    var name: String
    /// Spoils the copy of the lake (its root folder is given).
    var spoil: @Sendable (URL) throws -> Void
    /// The error must start with this, or equal it when `exact`.
    var message: String
    var exact = true
    /// Load the whole fixture first (for a folder that comes too late).
    var loadFirst = false
    /// The folders `lake.loaded_folder` holds afterwards.
    var loaded: [String]

    var testDescription: String { name }
}

/// The second incremental folder of the fixture, where most cases plant their fault: the root snapshot and the first
/// folder load before it, and nothing of it may be written.
private let second = "2026-11-25T08:07:17Z"

@Suite("bad lakes: one line, the file named, nothing of the folder written")
struct LakeBadInputTests {
    static let cases: [BadLake] = [
        BadLake(
            name: "truncated model.json",
            spoil: { lake in
                let model = lake.appendingPathComponent("\(second)/model.json")
                let data = try Data(contentsOf: model)
                try data.prefix(300).write(to: model)
            },
            message: "\(second)/model.json: not valid JSON", exact: false,
            loaded: [".", "2026-11-24T08.07.17Z"]),
        BadLake(
            name: "a partition the model lists is missing",
            spoil: { lake in
                try FileManager.default.removeItem(at: lake.appendingPathComponent("\(second)/msdyn_actual/2026.csv"))
            },
            message:
                "\(second)/model.json: entity msdyn_actual lists the partition 2026, but \(second)/msdyn_actual/2026.csv "
                + "is missing (location https://contosolake.dfs.core.windows.net/dataverse-contoso-unq1a2b3c/"
                + "2026-11-25T08%3A07%3A17Z/msdyn_actual/2026.csv)",
            loaded: [".", "2026-11-24T08.07.17Z"]),
        BadLake(
            name: "a row with more fields than attributes",
            spoil: { lake in
                try edit(lake.appendingPathComponent("\(second)/account/2026.csv")) {
                    $0.replacingOccurrences(of: "1020,\n", with: "1020,,\"ACC-002\",\"surplus\"\n")
                }
            },
            message: "\(second)/account/2026.csv line 1: 13 fields where the model has 12 attributes",
            loaded: [".", "2026-11-24T08.07.17Z"]),
        BadLake(
            name: "an entity listed twice",
            spoil: { lake in
                let model = lake.appendingPathComponent("\(second)/model.json")
                var json = try JSONSerialization.jsonObject(with: Data(contentsOf: model)) as! [String: Any]
                var entities = json["entities"] as! [Any]
                entities.append(entities[0])
                json["entities"] = entities
                try JSONSerialization.data(withJSONObject: json).write(to: model)
            },
            message: "\(second)/model.json: the entity account is listed twice",
            loaded: [".", "2026-11-24T08.07.17Z"]),
        BadLake(
            name: "a partition that is not UTF-8",
            spoil: { lake in
                let file = lake.appendingPathComponent("\(second)/account/2026.csv")
                var data = try Data(contentsOf: file)
                data.replaceSubrange(data.range(of: Data("Blue".utf8))!, with: [0x42, 0xFF, 0x75, 0x65])
                try data.write(to: file)
            },
            message: "\(second)/account/2026.csv line 1: not UTF-8 (invalid byte sequence for encoding \"UTF8\": 0xff)",
            loaded: [".", "2026-11-24T08.07.17Z"]),
        BadLake(
            name: "a value of the wrong type",
            spoil: { lake in
                try edit(lake.appendingPathComponent("\(second)/msdyn_actual/2026.csv")) {
                    $0.replacingOccurrences(of: "1,250,250.00", with: "1,250,two fifty")
                }
            },
            message: "\(second)/msdyn_actual/2026.csv line 2, column msdyn_amount: 'two fifty' is not a number",
            loaded: [".", "2026-11-24T08.07.17Z"]),
        BadLake(
            name: "an option-set code tieout does not know",
            spoil: { lake in
                try edit(lake.appendingPathComponent("\(second)/msdyn_actual/2026.csv")) {
                    $0.replacingOccurrences(of: "192350001,192350004,", with: "192350001,192350099,")
                }
            },
            message:
                "\(second)/msdyn_actual/2026.csv line 2, column msdyn_billingstatus: '192350099' is not a code tieout "
                + "knows for dataverse.msdyn_actual.msdyn_billingstatus (OptionsetMetadata labels it 'Disputed'); "
                + "known: 192350000 Unbilled Sales Created, 192350001 Customer Invoice Created, 192350002 Customer "
                + "Invoice Posted, 192350003 Canceled, 192350004 Ready to Invoice",
            loaded: [".", "2026-11-24T08.07.17Z"]),
        BadLake(
            name: "a folder named like a timestamp that is not a valid one",
            spoil: { lake in
                try FileManager.default.moveItem(
                    at: lake.appendingPathComponent(second),
                    to: lake.appendingPathComponent("2026-13-45T25.00.00Z"))
            },
            message: "the folder is named like a timestamp but 2026-13-45T25.00.00Z is not a valid time "
                + "(YYYY-MM-DDTHH.MM.SSZ)",
            exact: false, loaded: []),
        BadLake(
            name: "a folder older than one already loaded appears later",
            spoil: { lake in
                try FileManager.default.copyItem(
                    at: lake.appendingPathComponent(second),
                    to: lake.appendingPathComponent("2026-11-24T12.00.00Z"))
            },
            message:
                "2026-11-24T12.00.00Z: older than 2026-11-25T08:07:17Z, which is already loaded; lake folders load in "
                + "time order, so this one came too late (nothing was loaded; is this the lake loaded before?)",
            loadFirst: true, loaded: [".", "2026-11-24T08.07.17Z", "2026-11-25T08:07:17Z"]),
    ]

    @Test(arguments: cases)
    func refused(_ bad: BadLake) throws {
        let lake = try LakeTest.copyOfLake()
        defer { try? FileManager.default.removeItem(at: lake.deletingLastPathComponent()) }
        try TestDatabase.withMigratedDatabase { connection, _ in
            let loader = LakeLoader(connection: connection, logger: LakeTest.logger)
            if bad.loadFirst { _ = try loader.load(from: lake) }
            try bad.spoil(lake)
            let before = bad.loadFirst ? try LakeTest.snapshot(connection) : []
            var message: String?
            do {
                _ = try loader.load(from: lake)
            } catch let error as LoadError {
                message = error.description
            }
            let text = try #require(message)
            #expect(!text.contains("\n"))
            // The folders before the bad one stay loaded, and the message says so.
            let suffix = bad.loaded.count == 2 ? " (this run loaded the 2 folders before it)" : ""
            #expect(text.hasSuffix(suffix))
            if bad.exact {
                #expect(text == bad.message + suffix)
            } else {
                #expect(text.hasPrefix(bad.message) || text.contains(bad.message), "\(text)")
            }
            #expect(try LakeTest.rows(connection, "SELECT folder FROM lake.loaded_folder ORDER BY id") == bad.loaded)
            if bad.loadFirst {
                #expect(try LakeTest.snapshot(connection) == before)
            } else if bad.loaded.count == 2 {
                // Nothing of the bad folder: not its new account, not its change of the fee's billing status.
                #expect(try LakeTest.rows(connection, "SELECT count(*) FROM dataverse.account") == ["2"])
                #expect(
                    try LakeTest.rows(
                        connection,
                        """
                        SELECT msdyn_billingstatus FROM dataverse.msdyn_actual
                         WHERE msdyn_actualid = '33333333-3333-3333-3333-333333333333'
                        """) == ["192350001"])
                #expect(
                    try LakeTest.rows(
                        connection,
                        "SELECT count(*) FROM lake.loaded_table t JOIN lake.loaded_folder f ON f.id = t.load_id "
                            + "WHERE f.folder = '\(second)'") == ["0"])
            } else {
                #expect(try LakeTest.rows(connection, "SELECT count(*) FROM dataverse.account") == ["0"])
            }
        }
    }
}
