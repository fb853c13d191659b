import Foundation
import Testing
import TieoutPostgres
import TieoutTestSupport

/// Bad input to `tieout load` and `tieout maps validate`, through the real binary: the exact exit code, one line on
/// stderr that names the file, option or value (and never the password), and the database exactly as it was.
@Suite("bad input to load and maps")
struct BadLoadInputTests {
    /// One bad input: what to put in the load's folder, the arguments after `tieout`, and what must come out.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// Fills the folder (a fresh one under /tmp) and returns the arguments (without `--db`).
        var arrange: @Sendable (_ folder: URL) throws -> [String]
        var status: Int32
        /// The expected stderr (one line) for the folder; nil when stderr must be empty.
        var stderr: (@Sendable (_ folder: URL) -> String)?
        /// The expected stdout for the folder.
        var stdout: @Sendable (_ folder: URL) -> String = { _ in "" }
        var testDescription: String { name }
    }

    static let password = "S3cret-Pw-481"
    static let guid = "6f9619ff-8b86-d011-b42d-00c04fc964f9"

    static func write(_ text: String, to url: URL) throws {
        try Data(text.utf8).write(to: url)
    }

    static let cases: [Case] = [
        Case(
            name: "a folder named account.csv",
            arrange: { folder in
                try FileManager.default.createDirectory(
                    at: folder.appendingPathComponent("account.csv"), withIntermediateDirectories: false)
                return ["load", "dataverse", folder.path]
            },
            status: 1,
            stderr: {
                "tieout: error: \($0.path)/account.csv: a folder, not a file; each table must be one CSV file named after it"
            }
        ),
        Case(
            name: "a broken symbolic link",
            arrange: { folder in
                try FileManager.default.createSymbolicLink(
                    atPath: folder.appendingPathComponent("account.csv").path,
                    withDestinationPath: folder.appendingPathComponent("gone/account.csv").path)
                return ["load", "dataverse", folder.path]
            },
            status: 1,
            stderr: {
                "tieout: error: \($0.path)/account.csv: a symbolic link to \($0.path)/gone/account.csv, which does not exist"
            }
        ),
        Case(
            name: "a missing folder",
            arrange: { folder in ["load", "fno", folder.appendingPathComponent("missing").path] },
            status: 1,
            stderr: { "tieout: error: \($0.path)/missing: no such folder" }
        ),
        Case(
            name: "a file where the folder should be",
            arrange: { folder in
                try write("accountid,name\n", to: folder.appendingPathComponent("account.csv"))
                return ["load", "dataverse", folder.appendingPathComponent("account.csv").path]
            },
            status: 1,
            stderr: {
                "tieout: error: \($0.path)/account.csv: not a folder; give the folder that holds the CSV files (one per table)"
            }
        ),
        Case(
            name: "a 10 MB value",
            arrange: { folder in
                try write(
                    "accountid,name\n" + String(repeating: "x", count: 10_485_760) + ",Contoso\n",
                    to: folder.appendingPathComponent("account.csv"))
                return ["load", "dataverse", folder.path]
            },
            status: 1,
            stderr: { _ in
                "tieout: error: account.csv line 2, column accountid: '\(String(repeating: "x", count: 60))…' "
                    + "(10485760 characters) is not a GUID"
            }
        ),
        Case(
            name: "a long value with line breaks",
            arrange: { folder in
                let long = String(repeating: "ab\n", count: 100_000)
                try write("accountid,name\n\"\(long)\",Contoso\n", to: folder.appendingPathComponent("account.csv"))
                return ["load", "dataverse", folder.path]
            },
            status: 1,
            stderr: { _ in
                "tieout: error: account.csv line 2, column accountid: '\(String(repeating: "ab\\n", count: 20))…' "
                    + "(300000 characters) is not a GUID"
            }
        ),
        Case(
            name: "a value that is not UTF-8",
            arrange: { folder in
                var bytes = Data("accountid,name\n\(guid),Caf".utf8)
                bytes.append(contentsOf: [0xE9, 0x0A])
                try bytes.write(to: folder.appendingPathComponent("account.csv"))
                return ["load", "dataverse", folder.path]
            },
            status: 1,
            stderr: { _ in
                "tieout: error: account.csv line 2: not UTF-8 (invalid byte sequence for encoding \"UTF8\": 0xe9 0x0a); "
                    + "export the file as UTF-8"
            }
        ),
        Case(
            name: "a header that is not UTF-8",
            arrange: { folder in
                var bytes = Data("accountid,n".utf8)
                bytes.append(contentsOf: [0xE4, 0x6D, 0x65, 0x0A])
                bytes.append(Data("\(guid),Contoso\n".utf8))
                try bytes.write(to: folder.appendingPathComponent("account.csv"))
                return ["load", "dataverse", folder.path]
            },
            status: 1,
            stderr: { _ in "tieout: error: account.csv line 1: the header is not UTF-8; export the file as UTF-8" }
        ),
        Case(
            name: "a 100,000-character --since",
            arrange: { folder in
                try write("accountid,name\n\(guid),Contoso\n", to: folder.appendingPathComponent("account.csv"))
                return ["load", "dataverse", folder.path, "--since", String(repeating: "y", count: 100_000)]
            },
            status: 1,
            stderr: { _ in
                "tieout: error: --since '\(String(repeating: "y", count: 60))…' (100000 characters) is not a date or "
                    + "timestamp (e.g. 2026-11-20)"
            }
        ),
        Case(
            name: "a map filter that closes the engine's parenthesis",
            arrange: { folder in
                let maps = packageRoot.appendingPathComponent("maps")
                for name in try FileManager.default.contentsOfDirectory(atPath: maps.path) where name.hasSuffix(".yaml")
                {
                    var text = try String(contentsOf: maps.appendingPathComponent(name), encoding: .utf8)
                    if name == "actuals.yaml" {
                        text = text.replacingOccurrences(
                            of: "filter: src.msdyn_skipsync = false",
                            with: "filter: src.msdyn_skipsync = false) or (true")
                    }
                    try write(text, to: folder.appendingPathComponent(name))
                }
                return ["maps", "validate", "--maps", folder.path]
            },
            status: 1,
            stderr: nil,
            stdout: { folder in
                let lines =
                    (try? String(contentsOf: folder.appendingPathComponent("actuals.yaml"), encoding: .utf8))?
                    .components(separatedBy: "\n") ?? []
                let line = (lines.firstIndex { $0.hasPrefix("filter:") } ?? -2) + 1
                return
                    "\(folder.path)/actuals.yaml:\(line): filter has a ')' that closes nothing it opened; it must be "
                    + "one expression\n1 problem found\n"
            }
        ),
        Case(
            name: "load lake: a missing folder",
            arrange: { folder in ["load", "lake", folder.appendingPathComponent("missing").path] },
            status: 1,
            stderr: { "tieout: error: \($0.path)/missing: no such folder" }
        ),
        Case(
            name: "load lake: a folder named like a timestamp that is not one",
            arrange: { folder in
                try FileManager.default.createDirectory(
                    at: folder.appendingPathComponent("2026-13-45T25.00.00Z"), withIntermediateDirectories: false)
                return ["load", "lake", folder.path]
            },
            status: 1,
            stderr: {
                "tieout: error: \($0.path)/2026-13-45T25.00.00Z: the folder is named like a timestamp but "
                    + "2026-13-45T25.00.00Z is not a valid time (YYYY-MM-DDTHH.MM.SSZ)"
            }
        ),
        Case(
            name: "load lake: a truncated root model.json",
            arrange: { folder in
                try Self.write(
                    "{\"name\": \"cdm\", \"version\": \"1.0\", \"entities\": [{\"name\": \"acc",
                    to: folder.appendingPathComponent("model.json"))
                return ["load", "lake", folder.path]
            },
            status: 1,
            stderr: { _ in "tieout: error: model.json: not valid JSON (truncated or malformed)" }
        ),
        Case(
            name: "load lake: a negative --wait",
            arrange: { folder in ["load", "lake", folder.path, "--wait=-1"] },
            status: 1,
            stderr: { _ in "tieout: error: --wait -1 is negative; give the seconds to wait, or 0" }
        ),
    ]

    /// Row count and md5 of every table of dataverse and fno, and the sync change log.
    static func fingerprint(_ connection: PostgresConnection) throws -> [String] {
        let tables = try connection.query(
            """
            SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
             WHERE schemaname IN ('dataverse', 'fno', 'sync') ORDER BY 1
            """
        ).map { try $0.decode(0, as: String.self) }
        return try tables.map { table in
            let row = try connection.query(
                PostgresQuery(
                    unescaped:
                        "SELECT count(*) AS n, coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '-') AS md5 FROM \(table) t"
                )
            ).first!
            return "\(table) \(try row.decode("n", as: Int.self)) \(try row.decode("md5", as: String.self))"
        }
    }

    @Test(arguments: cases)
    func badInputIsOneLineNamingItAndWritesNothing(_ input: Case) throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            let db = TestDatabase.conninfo(database: name) + " password=\(Self.password)"
            // Something to lose: the fixtures, loaded.
            let fixtures = packageRoot.appendingPathComponent("Tests/TieoutLoadTests/Fixtures/dataverse")
            let loaded = try Tieout.run(["load", "dataverse", fixtures.path, "--db", db])
            #expect(loaded.status == 0, "\(loaded.stderr)")
            let before = try Self.fingerprint(connection)
            #expect(before.contains { $0.hasPrefix("dataverse.account 2 ") })

            let folder = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: folder) }
            let result = try Tieout.run(try input.arrange(folder) + ["--db", db])
            #expect(result.status == input.status)
            if let stderr = input.stderr {
                #expect(result.stderr == stderr(folder) + "\n")
            } else {
                #expect(result.stderr == "")
            }
            #expect(result.stderr.filter { $0 == "\n" }.count <= 1)
            #expect(result.stdout == input.stdout(folder))
            #expect(!result.stderr.contains(Self.password) && !result.stdout.contains(Self.password))
            #expect(try Self.fingerprint(connection) == before)
        }
    }
}
