import ArgumentParser
import Foundation
import TieoutPostgres
import TieoutScenario
import TieoutSync

struct SeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Build a realistic, deterministic company by running the processes and the sync.",
        discussion:
            "At scale 1: 20 customers (every fourth in EUR), 60 contracts with a project each (time-and-material, fixed price with milestones, or both), 60 resources with a month of submitted time, weekly expenses, material usages and fees, approved and synchronised to F&O. Needs a migrated, empty database. Follow it with `tieout pipeline`."
    )

    @OptionGroup var options: SyncOptions
    @Option(name: .long, help: "Multiplies every count (1 to 16666); about 3,000 actuals per unit.") var scale = 1
    @Option(name: .long, help: "Random seed: the same seed, scale and month build the same company.") var seed = 1
    @Option(
        name: .long, help: "Any day of the month of entries (YYYY-MM-DD); default last month.", transform: parseDate)
    var month: PostgresDate?
    @Flag(
        name: .long,
        help:
            "Do nothing (exit 0) when the database already holds a company (an unfinished seed with the same options is continued)."
    ) var ifEmpty = false

    func validate() throws {
        guard (1...Seed.maximumScale).contains(scale) else {
            throw ValidationError(
                "--scale must be from 1 to \(Seed.maximumScale) (60 contracts per unit, numbered PC-000001 to "
                    + "PC-999999), not \(scale)")
        }
    }

    func run() throws {
        try reportingErrors {
            let engine = try options.makeEngine("tieout.seed")
            let seeder = Seed(engine: engine, logger: options.connection.makeLogger("tieout.seed"))
            let monthDay =
                try month
                ?? engine.databases.dataverse.query(
                    "SELECT (date_trunc('month', current_date) - interval '1 month')::date"
                ).scalar()
            let seedOptions = Seed.Options(scale: scale, seed: seed, month: monthDay)
            if ifEmpty, try seeder.isSeeded(), try !seeder.isUnfinished(seedOptions) {
                print("the database already holds a company; nothing seeded")
                return
            }
            var completed = 0
            let report: Seed.Report
            do {
                report = try seeder.run(seedOptions) { completed = $0 }
            } catch {
                // Before the first step has committed, the error alone says it all.
                guard completed > 0 else { throw error }
                throw StepFailure(completed: completed, names: Seed.stepNames, error: error)
            }
            print(
                "seeded \(report.customers) customers and \(report.contracts) contracts; \(report.entries) entries approved into \(report.actuals) actuals; \(report.changes) changes synchronised"
            )
        }
    }
}

struct PipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract:
            "Run one business day: sync, import, post journals, sync, proformas, sync, import, post invoices, sync.",
        discussion:
            "Proformas: everything unbilled up to --date is marked ready, a draft is created per contract, the review marks a few details non-chargeable or complimentary (skip with --no-review), and every draft is confirmed."
    )

    @OptionGroup var options: SyncOptions
    @Option(name: .long, help: "The business day (YYYY-MM-DD); default today.", transform: parseDate)
    var date: PostgresDate?
    @Flag(name: .long, inversion: .prefixedNo, help: "Let the review edit a few draft details.") var review = true

    func run() throws {
        try reportingErrors {
            let engine = try options.makeEngine("tieout.pipeline")
            let day = try date ?? engine.databases.dataverse.query("SELECT current_date").scalar()
            var completed = 0
            do {
                _ = try DailyCycle(engine: engine, logger: options.connection.makeLogger("tieout.pipeline")).run(
                    date: day, review: review
                ) { step in
                    print("\(step.number). \(step.name): \(step.summary)")
                    completed = step.number
                }
            } catch {
                // Before the first step has committed, the error alone says it all.
                guard completed > 0 else { throw error }
                throw StepFailure(completed: completed, names: DailyCycle.stepNames, error: error)
            }
        }
    }
}

struct FaultsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faults",
        abstract: "Plant realistic integration faults in a processed scenario, for the reconciliation to find.",
        discussion:
            "Each fault is planted once per database, on a record chosen deterministically, and recorded in process.scenario_fault. Most bypass the guard triggers (session_replication_role), which needs a superuser, as the private cluster's user is. Run it after `tieout seed` and `tieout pipeline`."
    )

    @OptionGroup var connection: ConnectionOptions
    @Flag(name: .long, help: "List the faults and the category each should produce; plant nothing.") var list = false

    func run() throws {
        if list {
            var rows = [["fault", "category", "what it does"]]
            for fault in Faults.all { rows.append([fault.name, fault.category, fault.description]) }
            printTable(rows)
            return
        }
        try reportingErrors {
            let planted = try Faults(connection: connection.open("tieout.faults")).plant()
            var rows = [["fault", "category", "record", "planted"]]
            for fault in planted {
                rows.append([fault.fault, fault.category, fault.record, fault.new ? "now" : "earlier"])
            }
            printTable(rows)
        }
    }
}

/// A multi-step command failed in the middle: which step, which steps are committed, and how to go on.
struct StepFailure: Error, CustomStringConvertible {
    var completed: Int
    var names: [String]
    var error: any Error

    var description: String {
        let reason =
            (error as? PostgresError).flatMap { $0.code == .raiseException ? $0.message : nil } ?? "\(error)"
        let step = completed < names.count ? "step \(completed + 1) (\(names[completed]))" : "a step"
        let done = completed == 1 ? "step 1 is committed" : "steps 1-\(completed) are committed"
        return "\(step) failed: \(reason); \(done); run the same command again to continue"
    }
}
