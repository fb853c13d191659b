import Foundation
import Logging
import TieoutPostgres

/// `tieout recon watch`: incremental runs in a loop, so a mismatch shows within minutes of leaving its grace window.
extension Reconciliation {
    /// The NOTIFY channel the capture triggers announce a change on (`recon.capture_change`).
    public static let changeChannel = "tieout_recon"

    /// How often `recon watch` runs when nothing is announced.
    public static let defaultWatchInterval = "5m"

    /// `90s`, `5m`, `2h`, `1d` (or a whole number of seconds) as a duration; nil for anything else or zero.
    public static func watchInterval(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        let (number, unit): (Substring, Int64) =
            if let last = trimmed.last, let seconds = units[last] { (trimmed.dropLast(), seconds) } else {
                (Substring(trimmed), 1)
            }
        guard let value = Int64(number), value > 0, value <= 366 * 86_400 / unit else { return nil }
        return .seconds(value * unit)
    }

    /// Runs the reconciliation as of now every `every`, and sooner when the capture announces a change (but not
    /// sooner than a fifth of `every` after the last run), until `shouldStop` says so. Holds a session-level
    /// advisory lock, so one watch runs per database (``ReconError`` naming the other's server process
    /// otherwise). A run that fails, or finds another run going, is reported through `onRun` and the loop goes on;
    /// a lost connection (a server restart) is opened again, with backoff.
    public func watch(
        every: Duration, options: RunOptions, shouldStop: () -> Bool, onRun: (Result<Run, any Error>) -> Void
    ) throws {
        _ = try check(options)
        var current = self
        try current.lockWatch()
        defer {
            _ = try? current.connection.query("SELECT pg_advisory_unlock(hashtext('tieout.recon'), hashtext('watch'))")
        }
        var lastRun: ContinuousClock.Instant?
        var announced = false
        var delay = Duration.seconds(1)
        while !shouldStop() {
            do {
                let now = ContinuousClock.now
                let due = lastRun.map { now - $0 >= every || (announced && now - $0 >= every / 5) } ?? true
                if due {
                    lastRun = now
                    announced = false
                    do {
                        onRun(.success(try current.run(options)))
                    } catch let error as PostgresError where error.isConnectionLost {
                        throw error
                    } catch {
                        onRun(.failure(error))
                    }
                    delay = .seconds(1)
                    continue
                }
                // Wait in short steps, so SIGTERM stops the watch promptly.
                if !(try current.connection.notifications(timeout: .seconds(1)).isEmpty) { announced = true }
            } catch let error as PostgresError where error.isConnectionLost {
                logger.warning(
                    "recon watch: lost the database connection; reconnecting", metadata: ["error": "\(error)"])
                let wake = ContinuousClock.now + delay
                while ContinuousClock.now < wake, !shouldStop() { usleep(100_000) }
                delay = min(delay * 2, .seconds(60))
                if let reopened = try? current.connection.reopened() {
                    current = Reconciliation(connection: reopened, compiled: maps, logger: logger)
                    try current.lockWatch()
                    lastRun = nil
                }
            }
        }
    }

    /// Takes the watch lock and listens for announced changes.
    func lockWatch() throws {
        guard
            try connection.query("SELECT pg_try_advisory_lock(hashtext('tieout.recon'), hashtext('watch'))").scalar(
                Bool.self)
        else {
            let holder = try connection.advisoryLockHolder(namespace: "tieout.recon", key: "watch")
            throw ReconError(
                "another tieout recon watch is running on this database"
                    + (holder.map { " (server process \($0))" } ?? ""))
        }
        try connection.listen(Self.changeChannel)
    }
}
