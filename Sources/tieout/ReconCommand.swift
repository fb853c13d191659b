import ArgumentParser
import Foundation
import TieoutMaps
import TieoutPostgres
import TieoutRecon
import TieoutReport

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
        subcommands: [Run.self, Watch.self, Report.self, Export.self, Review.self, Signoff.self]
    )

    struct Options: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var maps: MapsOptions

        /// The reconciliation over one connection, with the maps validated against it.
        func open(_ label: String) throws -> Reconciliation {
            let connection = try self.connection.open(label)
            return try Reconciliation(
                connection: connection, maps: try maps.load(), logger: self.connection.makeLogger(label))
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the nightly reconciliation and record its findings (exit 0 clean, 1 errors, 2 failed).",
            discussion: """
                Reads both schemas in one snapshot, writes one recon.run row and its recon.finding rows in one \
                transaction, and refuses to start while another run is going. Running the same --as-of and \
                --legal-entity again replaces that run's findings. Incremental when it can build on the last run: \
                it re-checks only the contracts and vouchers changed since, and carries the other findings forward; \
                it is full (and says why) on --full, on the first run, when the maps, schema, tolerances or \
                thresholds changed, when the last full run is older than the full_run_every setting (7 days), or \
                when a change cannot be narrowed down.
                """
        )

        @OptionGroup var options: Options
        @Option(
            name: .long,
            help: ArgumentHelp(
                "The run's clock (e.g. 2026-11-24T06:00:00Z; UTC without a zone); default now. Ages count to it.",
                discussion: """
                    YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][Z|+HH[:MM]| zone name], a real calendar day and time, from \
                    2000-01-01 to at most \(Reconciliation.maximumLead) after the database server's clock; now, today, \
                    epoch and infinity are refused (exit 64).
                    """,
                valueName: "timestamp"))
        var asOf: String?
        @OptionGroup var scope: RunScope
        @Flag(name: .long, help: "Check everything, even when an incremental run could build on the last run.")
        var full = false
        @Option(
            name: .long,
            help: ArgumentHelp(
                "Also write the run's metrics to this file (Prometheus text format, replaced atomically).",
                discussion:
                    "For node_exporter's textfile collector, e.g. /var/lib/node_exporter/textfile_collector/tieout.prom.",
                valueName: "file"),
            completion: .file())
        var metrics: String?

        func run() throws {
            try reconErrors(failure: 2) {
                // Checked before the run: a metrics file that cannot be written is a bad option, not a failed run.
                let metricsFile = try metrics.map { try OutputFile($0, option: "--metrics") }
                let started = ContinuousClock.now
                let recon: Reconciliation
                do {
                    recon = try options.open("tieout.recon")
                } catch {
                    try? metricsFile?.write(.failed(durationSeconds: RunMetrics.seconds(since: started)))
                    throw error
                }
                let run = try recon.run(
                    .init(
                        asOf: asOf, grace: scope.grace, legalEntity: scope.legalEntity,
                        maximumLead: Reconciliation.maximumLead, full: full),
                    metrics: metricsFile, started: started)
                print(run.summary)
                if run.errors > 0 { throw ExitCode(1) }
            }
        }
    }

    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run incremental reconciliations in a loop until SIGINT or SIGTERM (one watch per database).",
            discussion: """
                Runs as of now every --every, and sooner when a writer announces a change (NOTIFY tieout_recon from \
                the capture triggers), but not sooner than a fifth of --every after the last run; prints one line \
                per run. A failed run, or a run that finds another going, is reported and the watch goes on; a lost \
                connection is opened again. Exit 0 when stopped, 2 when it cannot start (another watch holds the \
                database), 64 for a bad option.
                """
        )

        @OptionGroup var options: Options
        @Option(
            name: .long,
            help: ArgumentHelp("How often to run (90s, 5m, 2h).", valueName: "duration"))
        var every: String = Reconciliation.defaultWatchInterval
        @OptionGroup var scope: RunScope

        func validate() throws {
            guard Reconciliation.watchInterval(every) != nil else {
                throw ValidationError("--every '\(every)' is not a duration; use e.g. 90s, 5m or 2h")
            }
        }

        func run() throws {
            try reconErrors(failure: 2) {
                StopSignal.install()
                let recon = try options.open("tieout.recon")
                try recon.watch(
                    every: Reconciliation.watchInterval(every)!,
                    options: .init(grace: scope.grace, legalEntity: scope.legalEntity),
                    shouldStop: StopSignal.requested
                ) { result in
                    // Written unbuffered, a line per run, for journald and pipes.
                    switch result {
                    case .success(let run): FileHandle.standardOutput.write(Data("\(run.summary)\n".utf8))
                    case .failure(let error): printErrorLine("recon run failed: \(error)")
                    }
                }
                print("recon watch stopped")
            }
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the findings of a run (default the latest) by category: counts and amounts.",
            discussion: """
                With --html FILE, write the accountants' page of the run instead: headline figures, money at stake \
                per currency and category, aging, the trend of the last runs, the invoice pipeline and every finding \
                by customer and contract with its review. One self-contained HTML file (inline CSS and SVG, no \
                script, nothing loaded from elsewhere), written to a temporary file that replaces FILE when \
                complete; - writes standard output.
                """
        )

        @OptionGroup var options: Options
        @Option(name: .customLong("run"), help: "The run; default the latest succeeded run.") var runID: Int?
        @Option(
            name: .long,
            help: ArgumentHelp("Write the run's HTML report to this file (- for standard output).", valueName: "file"),
            completion: .file())
        var html: String?

        func run() throws {
            try reconErrors(failure: 1) {
                if let html {
                    let destination = try OutputFile(html, option: "--html")
                    let connection = try options.connection.open("tieout.recon")
                    let data = try ReportLoader(connection: connection).load(runID: runID)
                    try destination.write { try $0.write(contentsOf: Data(HTMLReport.render(data).utf8)) }
                    if html != "-" { print("wrote the report of run \(data.run.runID) to \(html)") }
                    return
                }
                let recon = try options.open("tieout.recon")
                let (run, totals) = try recon.report(runID: runID)
                print(
                    "run \(run.runID) as of \(run.asOf): \(run.findings) findings (\(run.errors) errors); "
                        + "\(run.newFindings) new, \(run.stillOpen) still open, \(run.resolved) resolved")
                if let signOff = try recon.review.signOff(of: run.runID) {
                    print(
                        "signed off by \(signOff.signedBy) at \(signOff.signedAt)"
                            + (signOff.note.map { ": \($0)" } ?? ""))
                } else {
                    print("not signed off")
                }
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
                the export is complete (through a symbolic link, the file it points at). --out - writes standard \
                output; a device or FIFO (/dev/stdout) is written directly. Columns, in order: findings: \
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
        @Option(
            name: .long, help: ArgumentHelp("The CSV file to write; - for standard output.", valueName: "file"),
            completion: .file())
        var out: String

        func validate() throws {
            if what == .pipeline, runID != nil { throw ValidationError("--run does not apply to --what pipeline") }
        }

        func run() throws {
            try reconErrors(failure: 1) {
                let recon = try options.open("tieout.recon")
                let destination = try OutputFile(out)
                let (run, rows) = try destination.write { try recon.export(what, runID: runID, to: $0) }
                guard out != "-" else { return }
                let source = run.map { " of run \($0.runID)" } ?? ""
                print("wrote \(rows) \(what.rawValue) rows\(source) to \(out)")
            }
        }
    }
}

extension ReconCommand {
    struct Review: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the review of findings: status, assignee, note (kept while a finding stays open).",
            discussion: """
                FINDING is a finding number of the run (--run, default the latest succeeded run, as \
                recon.open_findings) or a finding key (32 hexadecimal digits). Every change is appended to the audit \
                trail recon.review_event; the review stays with the finding in every later run that still reports \
                it. All the findings named are recorded, or none. A review never changes a finding's severity or the \
                exit code of recon run. Statuses: open, investigating, explained, fixed-awaiting-sync, \
                false-positive. Exit 0 recorded, 64 refused (the message says why), 1 another failure.
                """
        )

        @OptionGroup var connection: ConnectionOptions
        @Argument(help: ArgumentHelp("Finding numbers or finding keys.", valueName: "finding"))
        var findings: [String]
        @Option(name: .customLong("as"), help: ArgumentHelp("Your name, for the audit trail.", valueName: "name"))
        var reviewer: String
        @Option(help: "The new status (default: keep it).") var status: String?
        @Option(help: "A note: what was found, what was done.") var note: String?
        @Option(help: ArgumentHelp("Who works on it; '' for nobody (default: keep it).", valueName: "name"))
        var assignee: String?
        @Option(name: .customLong("run"), help: "The run the finding numbers are of; default the latest.")
        var runID: Int?

        func run() throws {
            try reconErrors(failure: 1) {
                let review = FindingReview(connection: try connection.open("tieout.recon"))
                let changes = try review.review(
                    findings, as: reviewer, status: status, note: note, assignee: assignee, runID: runID)
                for change in changes {
                    var line = "finding \(change.findingNo) of run \(change.runID): \(change.oldStatus)"
                    if change.newStatus != change.oldStatus { line += " -> \(change.newStatus)" }
                    if change.newAssignee != change.oldAssignee {
                        line += ", assignee \(change.oldAssignee ?? "none") -> \(change.newAssignee ?? "none")"
                    }
                    if change.note != nil { line += ", note recorded" }
                    print(line)
                }
            }
        }
    }

    struct Signoff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a run off as reviewed (refused while an error finding of it has no review note).",
            discussion: """
                Records who signed run --run off, when, and the note, in recon.signoff (one sign-off per run; a \
                signed-off run cannot be replaced by a rerun of its as-of). Refused, with the list, while any error \
                finding of the run has no review note (tieout recon review --note). Exit 0 signed off, 64 refused, 1 \
                another failure.
                """
        )

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("run"), help: "The run to sign off.") var runID: Int
        @Option(name: .customLong("as"), help: ArgumentHelp("Your name, for the record.", valueName: "name"))
        var signer: String
        @Option(help: "A note to go with the sign-off.") var note: String?

        func run() throws {
            try reconErrors(failure: 1) {
                let review = FindingReview(connection: try connection.open("tieout.recon"))
                let signOff = try review.signOff(runID: runID, as: signer, note: note)
                print("run \(signOff.runID) signed off by \(signOff.signedBy) at \(signOff.signedAt)")
            }
        }
    }
}

func parseExport(_ text: String) throws -> Reconciliation.Export {
    guard let what = Reconciliation.Export(rawValue: text) else {
        throw ValidationError("--what must be findings, summary or pipeline, not \(quoted(text))")
    }
    return what
}

/// Runs a recon command body: a bad option exits 64, any other failure `failure`; each is one line on standard
/// error.
func reconErrors(failure: Int32, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ReconError where error.isUsage {
        printErrorLine("\(error)")
        throw ExitCode(64)
    } catch let exit as ExitCode {
        throw exit
    } catch {
        try reportingErrors(exitCode: failure) { throw error }
    }
}

/// The options `recon run` and `recon watch` share: the grace window and the legal entity.
struct RunScope: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Mismatches on records younger than this are IN_FLIGHT, not errors (90m, 2h, 1d, 0).",
            valueName: "duration"))
    var grace: String = Reconciliation.defaultGrace
    @Option(
        name: .long,
        help: ArgumentHelp("Only findings of this legal entity (a dataareaid of fno.ledger).", valueName: "id"))
    var legalEntity: String?
}
