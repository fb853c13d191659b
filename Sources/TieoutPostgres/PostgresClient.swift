import Dispatch
public import Logging

/// A serial executor backed by its own `DispatchQueue`, so the jobs it runs may block on I/O
/// without holding one of the few threads of Swift's cooperative pool.
final class DispatchQueueExecutor: SerialExecutor {
    let queue: DispatchQueue
    private let key = DispatchSpecificKey<Bool>()

    init(label: String) {
        queue = DispatchQueue(label: label)
        queue.setSpecific(key: key, value: true)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func checkIsolated() {
        precondition(isCurrent, "not running on the connection's queue")
    }

    /// Whether the calling code runs on this executor's queue.
    var isCurrent: Bool { DispatchQueue.getSpecific(key: key) == true }
}

/// Owns one ``PostgresConnection`` for Swift concurrency.
///
/// The actor runs on its own serial dispatch queue rather than the cooperative thread pool, so
/// a slow query blocks that queue's thread only; other tasks, and other clients' queries, go on.
///
/// ```swift
/// let client = try await PostgresClient.connect(.environment, logger: logger)
/// let count = try await client.withConnection { try $0.query("SELECT count(*) FROM t").scalar(Int.self) }
/// ```
public actor PostgresClient {
    private let executor: DispatchQueueExecutor
    private var connection: PostgresConnection?
    private let configuration: ConnectionConfiguration
    private let logger: Logger

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private init(configuration: ConnectionConfiguration, logger: Logger) {
        self.executor = DispatchQueueExecutor(label: "tieout.postgres.client")
        self.configuration = configuration
        self.logger = logger
    }

    /// Connects, on the client's own queue.
    public static func connect(
        _ configuration: ConnectionConfiguration = .environment,
        logger: Logger = Logger(label: "tieout.postgres")
    ) async throws(PostgresError) -> PostgresClient {
        let client = PostgresClient(configuration: configuration, logger: logger)
        try await client.open()
        return client
    }

    private func open() throws(PostgresError) {
        connection = try PostgresConnection(configuration: configuration, logger: logger)
    }

    /// Runs blocking work with the connection, on the client's queue. Calls are serialized.
    @discardableResult
    public func withConnection<Result: Sendable>(_ body: (PostgresConnection) throws -> Result) throws -> Result {
        guard let connection else { throw PostgresError(kind: .usage, message: "the client is closed") }
        return try body(connection)
    }

    /// Whether the caller runs on this client's own dispatch queue (and so off the cooperative pool).
    public func isOnOwnQueue() -> Bool { executor.isCurrent }

    /// Closes the connection. Later calls throw.
    public func close() {
        connection?.close()
        connection = nil
    }
}
