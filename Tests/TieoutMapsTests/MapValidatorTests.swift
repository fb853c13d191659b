import Foundation
import Testing
import TieoutMaps
import TieoutPostgres
import TieoutTestSupport

@Suite("maps validate against the live catalog")
struct MapValidatorTests {
    @Test func everyShippedMapIsValid() throws {
        try TestDatabase.withMigratedDatabase { connection, _ in
            let set = try MapSet.load(directory: packageRoot.appendingPathComponent("maps"))
            let compiled = try MapValidator(connection: connection).compile(set)
            #expect(compiled.count == 10)
        }
    }

    /// A copy of the shipped actuals map with one edit, checked as `maps/actuals.yaml`.
    static func problems(editing edit: (String) -> String) throws -> [String] {
        let url = packageRoot.appendingPathComponent("maps/actuals.yaml")
        let text = edit(try String(contentsOf: url, encoding: .utf8))
        let map = try MapSet.parse(text, file: "maps/actuals.yaml")
        return try TestDatabase.withMigratedDatabase { connection, _ in
            try MapValidator(connection: connection).problems(in: map).map(\.description)
        }
    }

    static func line(of needle: String) throws -> Int {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("maps/actuals.yaml"), encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        return lines.firstIndex { $0.contains(needle) }! + 1
    }

    @Test func anUnknownColumnIsReportedWithFileAndLine() throws {
        let line = try Self.line(of: "{target: description, source: msdyn_description}")
        let problems = try Self.problems {
            $0.replacingOccurrences(of: "source: msdyn_description}", with: "source: msdyn_descriptio}")
        }
        #expect(
            problems == [
                "maps/actuals.yaml:\(line): source dataverse.msdyn_actual has no column 'msdyn_descriptio' (mapped to 'description')"
            ])
    }

    @Test func aTypeMismatchIsReportedWithFileAndLine() throws {
        let line = try Self.line(of: "{target: quantity, source: msdyn_quantity}")
        let problems = try Self.problems {
            $0.replacingOccurrences(
                of: "{target: quantity, source: msdyn_quantity}", with: "{target: quantity, source: msdyn_documentdate}"
            )
        }
        #expect(
            problems == [
                "maps/actuals.yaml:\(line): type mismatch for 'quantity': column \"quantity\" is of type numeric but expression is of type date"
            ])
    }

    @Test func aMissingValueMapEntryIsReportedWithFileAndLine() throws {
        let line = try Self.line(of: "target: billingtype")
        let problems = try Self.problems {
            $0.replacingOccurrences(
                of: "192350002: 192350002, 192350003: 192350003}\n  - target: billingstatusid",
                with: "192350002: 192350002}\n  - target: billingstatusid")
        }
        #expect(
            problems == [
                "maps/actuals.yaml:\(line): value map of 'billingtype' has no entry for option-set code(s) 192350003 of dataverse.msdyn_actual.msdyn_billingtype"
            ])
    }

    @Test func keysNotNullColumnsFiltersAndTargetCodesAreChecked() throws {
        let problems = try Self.problems {
            $0.replacingOccurrences(of: "key: [actualid]", with: "key: [actualid, recid]")
                .replacingOccurrences(of: "  - {target: documentdate, source: msdyn_documentdate}\n", with: "")
                .replacingOccurrences(
                    of: "filter: src.msdyn_skipsync = false", with: "filter: src.msdyn_skipsync = 'maybe'"
                )
                .replacingOccurrences(
                    of:
                        "192350001: 192350001, 192350002: 192350002, 192350003: 192350003}\n  - target: billingstatusid",
                    with: "192350001: 192350001, 192350002: 192350002, 192350003: 7}\n  - target: billingstatusid")
        }
        let keyLine = try Self.line(of: "key: [actualid]")
        let fieldsLine = try Self.line(of: "fields:")
        let filterLine = try Self.line(of: "filter:")
        let codeLine = try Self.line(of: "target: billingtype") + 2
        #expect(
            problems == [
                "maps/actuals.yaml:\(codeLine): value-map value 7 of 'billingtype' is not an allowed code of fno.projcdsactualsimport.billingtype (192350000, 192350001, 192350002, 192350003)",
                "maps/actuals.yaml:\(keyLine): key column 'recid' is not mapped by any field",
                "maps/actuals.yaml:\(fieldsLine): fno.projcdsactualsimport.documentdate is NOT NULL without a default and is not mapped or given a default",
                "maps/actuals.yaml:\(filterLine): filter does not work: invalid input syntax for type boolean: \"maybe\"",
            ])
    }

    @Test func identifiersAreQuotedSoANameCannotInjectSQL() throws {
        let problems = try Self.problems {
            $0.replacingOccurrences(
                of: "{target: description, source: msdyn_description}",
                with: "{target: \"description\\\"; DROP TABLE fno.projtable; --\", source: msdyn_description}")
        }
        #expect(problems.count == 1)
        #expect(problems.first?.contains("has no column 'description\"; DROP TABLE fno.projtable; --'") == true)
    }

    // MARK: Filters and expressions are one expression that reads only the source side

    /// The problems of the shipped actuals map with its filter replaced by `filter`, or its contract-line expression by
    /// `expression`: the parser's (structural) problems when it has any, else the validator's against a migrated
    /// database.
    static func problems(filter: String? = nil, expression: String? = nil) throws -> [String] {
        let url = packageRoot.appendingPathComponent("maps/actuals.yaml")
        var text = try String(contentsOf: url, encoding: .utf8)
        if let filter {
            text = text.replacingOccurrences(
                of: "filter: src.msdyn_skipsync = false", with: "filter: \"\(yamlEscaped(filter))\"")
        }
        if let expression {
            text = text.replacingOccurrences(
                of: "expression: \"src.msdyn_salescontractlineid::text\"",
                with: "expression: \"\(yamlEscaped(expression))\"")
        }
        let map: TableMap
        do {
            map = try MapSet.parse(text, file: "maps/actuals.yaml")
        } catch {
            return error.problems.map(\.description)
        }
        return try TestDatabase.withMigratedDatabase { connection, _ in
            try MapValidator(connection: connection).problems(in: map).map(\.description)
        }
    }

    static func yamlEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    /// Texts the parser refuses before any database sees them, and why (after `filter `).
    static let structurallyRefused: [(String, String)] = [
        // The injection that passed before: spliced as `(<filter>)` it became `(… = false) or (true)`.
        ("src.msdyn_skipsync = false) or (true", "has a ')' that closes nothing it opened; it must be one expression"),
        ("src.msdyn_skipsync = false; DELETE FROM fno.projtable", "may not contain ';' or comments"),
        ("src.msdyn_skipsync = false -- or true", "may not contain ';' or comments"),
        ("src.msdyn_skipsync = false /* or true */", "may not contain ';' or comments"),
        ("(src.msdyn_skipsync = false", "has a '(' that is never closed"),
        ("src.msdyn_skipsync = false, true", "has a ',' outside parentheses; it must be one expression"),
        ("src.msdyn_description <> 'it''s) or (true", "has a string that is never closed (')"),
        ("src.msdyn_description <> E'\\') or (true", "has a string that is never closed (')"),
        ("src.msdyn_description <> $x$) or (true", "has a dollar quote that is never closed ($x$)"),
        ("src.\"msdyn_description) <> 'x'", "has a quoted identifier that is never closed (\")"),
        ("src.msdyn_skipsync = $1", "may not contain parameters ($1)"),
        ("src.msdyn_quantity > (ARRAY[1, 2)]", "has a ')' that closes a '['"),
        (
            "EXISTS (SELECT 1 FROM dataverse.msdyn_project p WHERE p.msdyn_projectid = src.msdyn_project FOR UPDATE)",
            "may not lock rows (FOR UPDATE)"
        ),
    ]

    @Test(arguments: structurallyRefused)
    func aFilterThatIsNotOneExpressionIsRefusedWithItsLine(filter: String, problem: String) throws {
        let line = try Self.line(of: "filter:")
        #expect(try Self.problems(filter: filter) == ["maps/actuals.yaml:\(line): filter \(problem)"])
    }

    @Test func anExpressionThatIsNotOneExpressionIsRefusedWithItsLine() throws {
        let line = try Self.line(of: "target: contractline")
        #expect(
            try Self.problems(expression: "src.msdyn_salescontractlineid::text) || (current_user")
                == [
                    "maps/actuals.yaml:\(line): expression of 'contractline' has a ')' that closes nothing it opened; it must be one expression"
                ])
    }

    /// Texts that look odd to a naive scanner but are one expression: a parenthesis, a semicolon or a comment marker
    /// inside a string, a dollar quote or a quoted identifier.
    @Test(arguments: [
        "src.msdyn_skipsync = false AND src.msdyn_description IS DISTINCT FROM ') or (true; --'",
        "src.msdyn_skipsync = false AND src.msdyn_description IS DISTINCT FROM $q$) or (true /*$q$",
        "src.msdyn_skipsync = false AND src.msdyn_description IS DISTINCT FROM E'\\') or (true'",
        "src.\"msdyn_skipsync\" = false AND src.msdyn_description IS DISTINCT FROM 'it''s'",
    ])
    func stringsAndQuotedNamesMayHoldAnything(filter: String) throws {
        #expect(SQLExpression.structuralProblem(filter) == nil)
        #expect(try Self.problems(filter: filter) == [])
    }

    /// What the server finds: functions that are volatile, outside pg_catalog or read tables by name, tables of
    /// another schema, and what gives no single value per row.
    static let refusedByTheServer: [(String, [String])] = [
        (
            "src.msdyn_skipsync = false AND random() < 0.5",
            [
                "filter calls random(), a volatile function; filters and expressions may call only immutable or stable functions"
            ]
        ),
        (
            "src.msdyn_skipsync = false AND NOT EXISTS (SELECT 1 FROM sync.change_log)",
            [
                "filter reads sync.change_log; filters and expressions may read only tables of schema dataverse and the map's lookups"
            ]
        ),
        (
            "src.msdyn_skipsync = false AND table_to_xml('recon.run', true, false, '') IS NOT NULL",
            [
                "filter calls table_to_xml(regclass,boolean,boolean,text), which reads tables by name; it is not allowed",
                "filter reads recon.run; filters and expressions may read only tables of schema dataverse and the map's lookups",
            ]
        ),
        (
            "load.is_valid('uuid', src.msdyn_description)",
            [
                "filter calls load.is_valid(text,text), a function outside pg_catalog; only built-in functions and operators are allowed"
            ]
        ),
        ("count(*) > 0", ["filter does not work: aggregate functions are not allowed"]),
        ("src.msdyn_skipsync = 'maybe'", ["filter does not work: invalid input syntax for type boolean: \"maybe\""]),
    ]

    @Test(arguments: refusedByTheServer)
    func aFilterTheServerRefusesIsReportedWithItsLine(filter: String, problems: [String]) throws {
        let line = try Self.line(of: "filter:")
        #expect(try Self.problems(filter: filter) == problems.map { "maps/actuals.yaml:\(line): \($0)" })
    }

    @Test(arguments: [
        (
            "gen_random_uuid()::text",
            "expression of 'contractline' calls gen_random_uuid(), a volatile function; filters and expressions may call only immutable or stable functions"
        ),
        (
            "(SELECT max(r.error) FROM recon.run r)",
            "expression of 'contractline' reads recon.run; filters and expressions may read only tables of schema dataverse and the map's lookups"
        ),
        (
            "(SELECT a.rolpassword FROM pg_authid a LIMIT 1)",
            "expression of 'contractline' reads pg_catalog.pg_authid; filters and expressions may read only tables of schema dataverse and the map's lookups"
        ),
        (
            "generate_series(1, 2)::text",
            "expression of 'contractline' does not work: set-returning functions are not allowed"
        ),
        (
            "string_agg(src.msdyn_description, ',')",
            "expression of 'contractline' does not work: aggregate functions are not allowed"
        ),
    ])
    func anExpressionTheServerRefusesIsReportedWithItsLine(expression: String, problem: String) throws {
        let line = try Self.line(of: "target: contractline")
        #expect(try Self.problems(expression: expression) == ["maps/actuals.yaml:\(line): \(problem)"])
    }

    /// The shipped maps pass, including invoice-proposal-v2's subqueries over other tables of the source's schema.
    @Test func aSubqueryOverTheSourcesSchemaWithStableFunctionsIsAllowed() throws {
        #expect(
            try Self.problems(
                filter:
                    "src.msdyn_skipsync = false AND src.msdyn_documentdate <= current_date AND EXISTS (SELECT 1 FROM dataverse.msdyn_project p WHERE p.msdyn_projectid = src.msdyn_project)"
            ) == [])
        #expect(
            try Self.problems(
                expression:
                    "(SELECT p.msdyn_projectnumber FROM dataverse.msdyn_project p WHERE p.msdyn_projectid = src.msdyn_project)"
            )
                == [])
    }
}
