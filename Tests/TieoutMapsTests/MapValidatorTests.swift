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
}
