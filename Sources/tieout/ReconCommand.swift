import ArgumentParser
import Foundation
import TieoutMaps
import TieoutPostgres
import TieoutRecon

/// `tieout recon run|report|export`: the nightly reconciliation.
struct ReconCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recon",
        abstract:
            "Reconcile confirmed proformas, invoice proposals and posted actuals; report and export the findings.",
        discussion: """
            Exit codes of `recon run`, for cron and systemd: 0 the run found no errors, 1 it found errors (severity E), \
            2 the run itself failed (nothing but a failed run row is written), 64 a bad option.
            """,
        subcommands: [Run.self, Report.self, Export.self]
    )

    struct Options: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions
        @Option(
            name: .long, help: ArgumentHelp("Folder of the table maps.", valueName: "folder"), completion: .directory)
        var maps: String = "maps"

        /// The reconciliation over one connection, with the maps validated against it.
        func open(_ label: String) throws -> Reconciliation {
            let connection = try self.connection.open(label)
            let set = try MapSet.load(directory: URL(fileURLWithPath: maps))
            let compiled = try MapValidator(connection: connection).compile(set)
            return Reconciliation(connection: connection, maps: compiled, logger: self.connection.makeLogger(label))
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the nightly reconciliation and record its findings (exit 0 clean, 1 errors, 2 failed).",
            discussion: """
                Reads both schemas in one snapshot, writes one recon.run row and its recon.finding rows in one \
                transaction, and refuses to start while another run is going. Running the same --as-of and \
                --legal-entity again replaces that run's findings.
                """
        )

        @OptionGroup var options: Options
        @Option(
            name: .long,
            help: ArgumentHelp(
                "The run's clock (e.g. 2026-11-24T06:00:00Z; UTC without a zone); default now. Ages count to it.",
                valueName: "timestamp"))
        var asOf: String?
        @Option(
            name: .long,
            help: ArgumentHelp(
                "Mismatches on records younger than this are IN_FLIGHT, not errors (90m, 2h, 1d, 0).",
                valueName: "duration"))
        var grace: String = Reconciliation.defaultGrace
        @Option(name: .long, help: ArgumentHelp("Only findings of this legal entity (dataareaid).", valueName: "id"))
        var legalEntity: String?

        func run() throws {
            try reconErrors(failure: 2) {
                let recon = try options.open("tieout.recon")
                let run = try recon.run(.init(asOf: asOf, grace: grace, legalEntity: legalEntity))
                print(describe(run))
                if run.errors > 0 { throw ExitCode(1) }
            }
        }

        func describe(_ run: Reconciliation.Run) -> String {
            var text = "run \(run.runID) as of \(run.asOf)"
            if let entity = run.legalEntity { text += " (legal entity \(entity))" }
            text += ": \(run.findings) findings: \(run.errors) errors, \(run.warnings) warnings"
            text += " (\(run.inFlight) in flight), \(run.infos) information"
            text += "; \(run.newFindings) new, \(run.stillOpen) still open, \(run.resolved) resolved"
            if run.replaced { text += "; replaced the earlier run with this as-of" }
            return text
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the findings of a run (default the latest) by category: counts and amounts."
        )

        @OptionGroup var options: Options
        @Option(name: .customLong("run"), help: "The run; default the latest succeeded run.") var runID: Int?

        func run() throws {
            try reconErrors(failure: 1) {
                let recon = try options.open("tieout.recon")
                let (run, totals) = try recon.report(runID: runID)
                print(
                    "run \(run.runID) as of \(run.asOf): \(run.findings) findings (\(run.errors) errors); "
                        + "\(run.newFindings) new, \(run.stillOpen) still open, \(run.resolved) resolved")
                guard !totals.isEmpty else {
                    print("no findings")
                    return
                }
                var rows = [["category", "severity", "findings", "new", "amount"]]
                for total in totals {
                    let amounts = total.amounts.keys.sorted().map { "\($0) \(total.amounts[$0]!)" }
                    rows.append([
                        total.category, total.severity, "\(total.findings)", "\(total.newFindings)",
                        amounts.isEmpty ? "-" : amounts.joined(separator: ", "),
                    ])
                }
                printTable(rows)
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a run's findings or summary, or the invoice pipeline, as CSV (RFC 4180, with a header).",
            discussion: """
                Streamed with COPY … TO STDOUT into a temporary file next to --out, which replaces --out only when \
                the export is complete. Columns, in order: findings: \
                \(Reconciliation.findingColumns.joined(separator: ",")); summary: \
                \(Reconciliation.summaryColumns.joined(separator: ",")); pipeline: \
                \(Reconciliation.pipelineColumns.joined(separator: ",")).
                """
        )

        @OptionGroup var options: Options
        @Option(name: .customLong("run"), help: "The run; default the latest succeeded run (not for pipeline).")
        var runID: Int?
        @Option(name: .long, help: "findings, summary or pipeline.", transform: parseExport)
        var what: Reconciliation.Export = .findings
        @Option(name: .long, help: ArgumentHelp("The CSV file to write.", valueName: "file"), completion: .file())
        var out: String

        func validate() throws {
            if what == .pipeline, runID != nil { throw ValidationError("--run does not apply to --what pipeline") }
        }

        func run() throws {
            try reconErrors(failure: 1) {
                let recon = try options.open("tieout.recon")
                let target = URL(fileURLWithPath: out)
                let temporary = target.deletingLastPathComponent()
                    .appendingPathComponent(".\(target.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier)")
                guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
                    throw ReconError("cannot write \(out): check that its folder exists and is writable", usage: true)
                }
                defer { try? FileManager.default.removeItem(at: temporary) }
                let handle = try FileHandle(forWritingTo: temporary)
                let (run, rows) = try recon.export(what, runID: runID, to: handle)
                try handle.close()
                // rename(2) replaces the target in one step: a reader never sees half a file.
                guard rename(temporary.path, target.path) == 0 else {
                    throw ReconError("cannot write \(out): \(String(cString: strerror(errno)))", usage: true)
                }
                let source = run.map { " of run \($0.runID)" } ?? ""
                print("wrote \(rows) \(what.rawValue) rows\(source) to \(out)")
            }
        }
    }
}

func parseExport(_ text: String) throws -> Reconciliation.Export {
    guard let what = Reconciliation.Export(rawValue: text) else {
        throw ValidationError("--what must be findings, summary or pipeline, not '\(text)'")
    }
    return what
}

/// Runs a recon command body: a bad option exits 64, any other failure `failure`; each is one line on standard
/// error.
func reconErrors(failure: Int32, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ReconError where error.isUsage {
        FileHandle.standardError.write(Data("tieout: error: \(error)\n".utf8))
        throw ExitCode(64)
    } catch let exit as ExitCode {
        throw exit
    } catch {
        try reportingErrors(exitCode: failure) { throw error }
    }
}
