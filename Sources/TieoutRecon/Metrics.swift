import Foundation
import TieoutPostgres

/// The metrics of a run in the Prometheus text exposition format (version 0.0.4), for node_exporter's textfile
/// collector (`tieout recon run --metrics FILE`). Amounts and timestamps are PostgreSQL's exact decimal text, which
/// the format reads as its float values.
public struct RunMetrics: Sendable {
    /// Findings per category and severity (the run's, empty when it failed).
    public var findings: [Reconciliation.CategoryTotal]
    /// Findings per severity E, W and I (the run's, all zero when it failed).
    public var severities: [String: Int]
    /// Money at stake per currency, exact decimal text.
    public var moneyAtStake: [Reconciliation.Money]
    /// How long `tieout recon run` took, in seconds.
    public var durationSeconds: Double
    /// Actuals the checks read; nil when the run failed.
    public var actualsChecked: Int?
    /// Contracts and vouchers the run checked (all contracts for a full run); nil when the run failed.
    public var scopesChecked: Int?
    /// 1 for an incremental run, 0 for a full one; nil when the run failed.
    public var incremental: Int?
    /// The run's id; nil when it failed.
    public var runID: Int?
    /// When the latest succeeded run finished, seconds since the epoch (decimal text); nil when none has.
    public var lastSuccess: String?
    /// The command's exit status: 0 clean, 1 errors found, 2 the run failed.
    public var exitStatus: Int32

    /// The metrics of a run that failed before it could reach the database: duration and exit status 2.
    public static func failed(durationSeconds: Double) -> RunMetrics {
        RunMetrics(
            findings: [], severities: [:], moneyAtStake: [], durationSeconds: durationSeconds, actualsChecked: nil,
            scopesChecked: nil, incremental: nil, runID: nil, lastSuccess: nil, exitStatus: 2)
    }

    /// The file's text: each metric with its HELP and TYPE lines, every value on its own line, ending in a newline.
    public var text: String {
        var lines: [String] = []
        func metric(_ name: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) gauge")
            for sample in samples { lines.append("\(name)\(sample.labels) \(sample.value)") }
        }
        metric(
            "tieout_recon_findings", "Findings of the last reconciliation run, by category and severity.",
            findings.map {
                (
                    "{category=\"\(Self.escape($0.category))\",severity=\"\(Self.escape($0.severity))\"}",
                    "\($0.findings)"
                )
            })
        metric(
            "tieout_recon_findings_by_severity",
            "Findings of the last reconciliation run by severity (E error, W warning, I information).",
            ["E", "W", "I"].map { ("{severity=\"\($0)\"}", "\(severities[$0] ?? 0)") })
        metric(
            "tieout_recon_money_at_stake", "Money at stake in the last run's findings, by currency.",
            moneyAtStake.map { ("{currency=\"\(Self.escape($0.currency))\"}", $0.amount) })
        metric(
            "tieout_recon_run_duration_seconds", "How long the last tieout recon run took.",
            [("", Self.seconds(durationSeconds))])
        if let actualsChecked {
            metric("tieout_recon_actuals_checked", "Actuals the last run's checks read.", [("", "\(actualsChecked)")])
        }
        if let scopesChecked {
            metric(
                "tieout_recon_scopes_checked", "Contracts and vouchers the last run checked.",
                [("", "\(scopesChecked)")])
        }
        if let incremental {
            metric(
                "tieout_recon_incremental", "1 when the last run was incremental, 0 when full.",
                [("", "\(incremental)")])
        }
        if let runID {
            metric("tieout_recon_run_id", "The id of the last run (recon.run.run_id).", [("", "\(runID)")])
        }
        if let lastSuccess {
            metric(
                "tieout_recon_last_success_timestamp_seconds",
                "When the latest succeeded reconciliation run finished, seconds since the epoch.", [("", lastSuccess)])
        }
        metric(
            "tieout_recon_exit_status", "Exit status of the last tieout recon run: 0 clean, 1 errors found, 2 failed.",
            [("", "\(exitStatus)")])
        return lines.joined(separator: "\n") + "\n"
    }

    /// A label value as the format writes it: backslash, double quote and line feed escaped.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Seconds with millisecond precision, without a binary-float tail.
    static func seconds(_ value: Double) -> String {
        let milliseconds = Int((max(value, 0) * 1000).rounded())
        let fraction = String(milliseconds % 1000)
        return "\(milliseconds / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}

extension Reconciliation {
    /// The metrics after `tieout recon run`: of `run` when it succeeded, else (nil) only the duration, the exit
    /// status and the latest success.
    public func metrics(of run: Run?, durationSeconds: Double, exitStatus: Int32) throws -> RunMetrics {
        var metrics = RunMetrics.failed(durationSeconds: durationSeconds)
        metrics.exitStatus = exitStatus
        metrics.lastSuccess = try connection.query(
            """
            SELECT extract(epoch FROM max(finished_at))::text FROM recon.run WHERE status = 'succeeded'
            """
        ).scalar(String?.self)
        guard let run else { return metrics }
        metrics.runID = run.runID
        metrics.scopesChecked = run.scopesChecked
        metrics.incremental = run.kind == "incremental" ? 1 : 0
        metrics.severities = ["E": run.errors, "W": run.warnings, "I": run.infos]
        metrics.actualsChecked = try connection.query(
            "SELECT actuals_checked FROM recon.run WHERE run_id = \(run.runID)"
        ).scalar(Int?.self)
        metrics.findings = try Self.categoryTotals(runID: run.runID, on: connection)
        metrics.moneyAtStake = try Self.moneyAtStake(runID: run.runID, on: connection)
        return metrics
    }
}

extension RunMetrics {
    /// Seconds since `start`, for ``durationSeconds``.
    public static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

extension OutputFile {
    /// Writes `metrics` (replacing the file whole).
    public func write(_ metrics: RunMetrics) throws {
        try write { try $0.write(contentsOf: Data(metrics.text.utf8)) }
    }
}

extension Reconciliation {
    /// Runs as ``run(_:)`` does and, when `file` is given, writes the metrics there: the run's, or, when the run
    /// failed, the duration, the latest success and exit status 2 (nothing for a bad option, which runs nothing).
    /// `started` is when the command started, for the duration.
    public func run(_ options: RunOptions, metrics file: OutputFile?, started: ContinuousClock.Instant) throws -> Run {
        let run: Run
        do {
            run = try self.run(options)
        } catch let error as ReconError where error.isUsage {
            throw error
        } catch {
            let seconds = RunMetrics.seconds(since: started)
            try? file?.write(
                (try? metrics(of: nil, durationSeconds: seconds, exitStatus: 2)) ?? .failed(durationSeconds: seconds))
            throw error
        }
        try file?.write(
            metrics(of: run, durationSeconds: RunMetrics.seconds(since: started), exitStatus: run.errors > 0 ? 1 : 0))
        return run
    }
}
