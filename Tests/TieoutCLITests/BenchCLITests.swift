import Foundation
import Testing
import TieoutPostgres
import TieoutTestSupport

/// `make bench` runs the benchmarks at full size, outside the tests. These run each one small, so a change that
/// breaks a benchmark or its output line fails here: `bench <name> rows=<N> seconds=<S> baseline_seconds=<B>
/// ratio=<S/B> …`, in that order, with the sizes asked for.
@Suite("tieout bench")
struct BenchCommandTests {
    /// One output line: the benchmark's name and its `key=value` figures, in order.
    struct Line {
        var name: String
        var keys: [String]
        var figures: [String: String]

        init?(_ text: Substring) {
            let words = text.split(separator: " ")
            guard words.count > 1, words[0] == "bench" else { return nil }
            name = String(words[1])
            keys = []
            figures = [:]
            for word in words.dropFirst(2) {
                guard let equals = word.firstIndex(of: "=") else { return nil }
                keys.append(String(word[..<equals]))
                figures[String(word[..<equals])] = String(word[word.index(after: equals)...])
            }
        }

        /// The printed ratio is the printed seconds over the printed baseline, up to their rounding to 3 decimals.
        var ratioAgrees: Bool {
            guard let seconds = figures["seconds"].flatMap({ Decimal(string: $0) }),
                let baseline = figures["baseline_seconds"].flatMap({ Decimal(string: $0) }),
                let ratio = figures["ratio"].flatMap({ Decimal(string: $0) }), baseline > 0
            else { return false }
            let slack = Decimal(string: "0.0005")! * (1 + ratio + baseline) + Decimal(string: "0.000001")!
            let difference = ratio * baseline - seconds
            return difference <= slack && -difference <= slack
        }
    }

    static func lines(_ stdout: String) -> [Line] {
        stdout.split(separator: "\n").compactMap(Line.init)
    }

    @Test func eachBenchmarkPrintsItsLineAtASmallSize() throws {
        try TestDatabase.withFreshDatabase { name, _ in
            let db = TestDatabase.conninfo(database: name)
            func bench(_ arguments: [String]) throws -> [Line] {
                let scratch = "\(name)_\(arguments[0])"
                let result = try Tieout.run(
                    ["bench"] + arguments + ["--db", db, "--database", scratch], in: packageRoot)
                #expect(result.status == 0, "\(result.stderr)")
                let lines = Self.lines(result.stdout)
                #expect(lines.count == result.stdout.split(separator: "\n").count, "\(result.stdout)")
                for line in lines {
                    #expect(Array(line.keys.prefix(4)) == ["rows", "seconds", "baseline_seconds", "ratio"])
                    #expect(line.ratioAgrees, "\(line.figures)")
                }
                return lines
            }

            let load = try bench(["load", "--rows", "200"])
            #expect(load.map(\.name) == ["load"])
            #expect(load.first?.figures["rows"] == "200")
            #expect(load.first?.figures["captured_keys"] == "200")
            #expect(load.first?.figures["path"] == "rows")
            #expect(load.first?.figures["floor"] == "same_load_into_msdyn_actual_with_only_its_primary_key")
            #expect(load.first?.figures["floor_seconds"].flatMap { Decimal(string: $0) } != nil)

            let sync = try bench(["sync", "--rows", "2000", "--changes", "500"])
            #expect(sync.map(\.name) == ["sync-initial", "sync-live"])
            #expect(sync.map { $0.figures["rows"] } == ["2000", "500"])

            let recon = try bench(["recon", "--copies", "1"])
            #expect(recon.map(\.name) == ["recon", "recon-incremental"])
            let figures = recon.first?.figures ?? [:]
            #expect(figures["findings"] == "0")
            #expect(figures["copies"] == "1")
            #expect(figures["rows"] != nil && figures["rows"] == figures["base_actuals"])
            #expect(figures["proformas"] != nil && figures["proformas"] == figures["base_proformas"])
            // The incremental run after touching every hundredth contract: at one copy, that is one contract.
            let incremental = recon.last?.figures ?? [:]
            #expect(incremental["rows"] == figures["rows"])
            #expect(incremental["baseline_seconds"] == figures["seconds"])
            #expect(incremental["full_seconds"] == figures["seconds"])
            #expect(incremental["contracts_touched"] == "1")
            #expect(incremental["findings"] == "0")
            #expect(incremental["scopes_checked"] == "1")
            #expect(Int(incremental["actuals_touched"] ?? "") ?? 0 > 0)
            // The best of five runs, and their median, which no run beats.
            #expect(incremental["timing"] == "best_of_5")
            let best = incremental["seconds"].flatMap { Decimal(string: $0) }
            let median = incremental["median_seconds"].flatMap { Decimal(string: $0) }
            #expect(best != nil && median != nil && best! <= median!)

            // Each benchmark dropped its scratch database.
            let admin = try TestDatabase.connect()
            defer { admin.close() }
            let left = try admin.query(
                "SELECT count(*) FROM pg_database WHERE datname LIKE \(name + "\\_%")"
            ).scalar(Int.self)
            #expect(left == 0)
        }
    }
}
