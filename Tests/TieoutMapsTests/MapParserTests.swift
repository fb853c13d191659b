import Foundation
import Testing
import TieoutMaps
import TieoutTestSupport

@Suite("table map files")
struct MapParserTests {
    static let sample = """
        # a comment
        name: sample
        version: 2
        title: Sample map
        source: dataverse.msdyn_actual
        target: fno.projcdsactualsimport
        dependsOn: [other]
        filter: src.msdyn_skipsync = false
        key: [actualid]
        lookups:
          - alias: project
            table: dataverse.msdyn_project
            on: {msdyn_projectid: msdyn_project}
        fields:
          - {target: actualid, source: msdyn_actualid}
          - {target: dataareaid, default: usmf}
          - {target: projectid, source: project.msdyn_projectnumber}
          - {target: contractline, expression: "src.msdyn_salescontractlineid::text"}
          - target: billingtype
            source: msdyn_billingtype
            values: {192350000: 1, 192350001: 2}
            default: 3
        references:
          - table: fno.projtable
            columns: {projectid: projid}
        touch: [modifieddatetime]
        pauseAfter: {errors: 5, within: 2m}
        """

    @Test func aFullMapParsesWithItsLines() throws {
        let map = try MapSet.parse(Self.sample, file: "maps/sample.yaml")
        #expect(map.name == "sample")
        #expect(map.version == 2)
        #expect(map.source == QualifiedName(schema: "dataverse", name: "msdyn_actual"))
        #expect(map.target.description == "fno.projcdsactualsimport")
        #expect(map.mode == .upsert)
        #expect(map.deletes == .ignore)
        #expect(map.dependsOn == ["other"])
        #expect(map.filter == "src.msdyn_skipsync = false")
        #expect(map.key == ["actualid"])
        #expect(map.lookups.map(\.alias) == ["project"])
        #expect(map.lookups[0].on.map(\.lookupColumn) == ["msdyn_projectid"])
        #expect(map.lookups[0].on.map(\.sourceColumn) == ["msdyn_project"])
        #expect(map.fields.map(\.target) == ["actualid", "dataareaid", "projectid", "contractline", "billingtype"])
        #expect(map.fields[0].value == .column(ColumnReference(column: "msdyn_actualid")))
        #expect(map.fields[1].value == .constant)
        #expect(map.fields[1].defaultValue == "usmf")
        #expect(map.fields[2].value == .column(ColumnReference(alias: "project", column: "msdyn_projectnumber")))
        #expect(map.fields[3].value == .expression("src.msdyn_salescontractlineid::text"))
        #expect(map.fields[4].valueMap?.map(\.source) == ["192350000", "192350001"])
        #expect(map.fields[4].valueMap?.map(\.target) == ["1", "2"])
        #expect(map.fields[4].defaultValue == "3")
        #expect(map.fields.map(\.location.line) == [15, 16, 17, 18, 19])
        #expect(map.fields[4].valueMap?.first?.location.description == "maps/sample.yaml:21")
        #expect(map.references.first?.columns.map(\.referencedColumn) == ["projid"])
        #expect(map.touch == ["modifieddatetime"])
        #expect(map.pauseAfter == TableMap.PauseThreshold(errors: 5, window: .seconds(120)))
        #expect(map.location(of: "filter").description == "maps/sample.yaml:8")
    }

    @Test func problemsAreReportedWithFileAndLine() throws {
        let text = """
            name: broken
            version: 0
            source: dataverse
            target: fno.projtable
            key: [projid]
            colour: blue
            fields:
              - {target: projid, source: msdyn_projectnumber}
              - {target: projid, source: msdyn_subject}
              - {target: name, expression: "1; DROP TABLE fno.projtable"}
              - {target: type}
              - {target: custaccount, source: a.b.c}
            """
        let problems = Self.problems(text, file: "maps/broken.yaml")
        #expect(
            problems == [
                "maps/broken.yaml:6: unknown key 'colour' (known: deletes, dependsOn, fields, filter, key, lookups, mode, name, pauseAfter, references, source, target, title, touch, version)",
                "maps/broken.yaml:2: version must be a positive integer",
                "maps/broken.yaml:3: 'source' must be schema.table, got 'dataverse'",
                "maps/broken.yaml:9: target column 'projid' is mapped twice",
                "maps/broken.yaml:10: expression of 'name' may not contain ';' or comments",
                "maps/broken.yaml:11: field 'type' needs a source, an expression or a default",
                "maps/broken.yaml:12: source of 'custaccount' must be column or lookup.column, got 'a.b.c'",
            ])
    }

    @Test func theNameMustMatchTheFileAndYAMLErrorsHaveALine() throws {
        #expect(
            Self.problems(
                "name: other\nversion: 1\nsource: a.b\ntarget: c.d\nkey: [x]\nfields: []\n", file: "maps/m.yaml")
                == ["maps/m.yaml:1: name 'other' must match the file name 'm.yaml'"])
        #expect(
            Self.problems("name: m\nversion: 1\nfields: [\n", file: "maps/m.yaml").first?.hasPrefix(
                "maps/m.yaml:4: not valid YAML")
                == true)
    }

    @Test func applyOrderFollowsDependenciesAndCyclesAreRefused() throws {
        func map(_ name: String, _ dependsOn: [String]) throws -> TableMap {
            try MapSet.parse(
                """
                name: \(name)
                version: 1
                source: a.s
                target: b.t
                dependsOn: [\(dependsOn.joined(separator: ", "))]
                key: [k]
                fields: [{target: k, source: k}]
                """, file: "maps/\(name).yaml")
        }
        let set = try MapSet([map("c", ["a"]), map("a", []), map("b", ["c"])])
        #expect(set.maps.map(\.name) == ["a", "c", "b"])
        #expect(throws: InvalidMapsError.self) { try MapSet([map("x", ["y"]), map("y", ["x"])]) }
        do {
            _ = try MapSet([map("x", ["nope"])])
            Issue.record("an unknown dependency was accepted")
        } catch let error as InvalidMapsError {
            #expect(error.problems.map(\.description) == ["maps/x.yaml:5: dependsOn names an unknown map 'nope'"])
        }
    }

    @Test func theShippedMapsLoadInMicrosoftsInvoiceGroupOrder() throws {
        let set = try MapSet.load(directory: packageRoot.appendingPathComponent("maps"))
        let names = set.maps.map(\.name)
        #expect(
            Set(names) == [
                "customers", "contracts", "contract-funding-sources", "contract-lines", "projects", "actuals",
                "invoice-proposal-v2", "transaction-connections", "actuals-writeback", "posted-invoices",
            ])
        let position = { (name: String) in names.firstIndex(of: name)! }
        #expect(position("invoice-proposal-v2") < position("actuals"))
        #expect(position("actuals") < position("transaction-connections"))
        #expect(position("actuals") < position("actuals-writeback"))
        #expect(set["actuals"]?.filter == "src.msdyn_skipsync = false")
    }

    static func problems(_ text: String, file: String) -> [String] {
        do {
            _ = try MapSet.parse(text, file: file)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }
}
