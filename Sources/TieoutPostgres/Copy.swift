internal import CLibPQ
public import Foundation

extension PostgresConnection {
    /// Runs `COPY … FROM STDIN` and streams the data `produce` writes, in constant memory.
    ///
    /// If `produce` throws, the COPY is aborted on the server (nothing it wrote is kept) and the
    /// error is rethrown. Returns the number of rows copied.
    ///
    /// ```swift
    /// try conn.copyIn("COPY t (a, b) FROM STDIN (FORMAT csv)") { writer in
    ///     try writer.write("1,one\n")
    /// }
    /// ```
    @discardableResult
    public func copyIn(_ statement: PostgresQuery, _ produce: (CopyInWriter) throws -> Void) throws -> Int {
        let text = try copyStatementText(statement)
        guard let start = PQexec(conn, text) else {
            throw lastError(kind: .connection, prefix: "the connection failed", query: text)
        }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            // Not a COPY FROM STDIN, or the server refused it.
            defer { PQclear(start) }
            if PQresultStatus(start) == PGRES_FATAL_ERROR {
                throw error(from: start, query: text, binds: [])
            }
            try? drainResults()
            throw PostgresError(kind: .usage, message: "copyIn needs a COPY … FROM STDIN statement", query: text)
        }
        PQclear(start)

        let writer = CopyInWriter(connection: self)
        var producerError: (any Error)?
        do {
            try produce(writer)
            try writer.flush()
        } catch {
            producerError = error
        }
        if let producerError {
            _ = PQputCopyEnd(conn, "aborted by the client")
            try? drainResults()
            throw producerError
        }
        guard PQputCopyEnd(conn, nil) == 1 else {
            throw lastError(kind: .client, prefix: "cannot end COPY", query: text)
        }
        return try finishCopy(query: text)
    }

    /// Runs `COPY … TO STDOUT` and hands each chunk of output (usually one row) to `consume`,
    /// in constant memory. Returns the number of rows copied.
    ///
    /// If `consume` throws, the COPY is cancelled on the server and the error is rethrown.
    @discardableResult
    public func copyOut(_ statement: PostgresQuery, _ consume: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let text = try copyStatementText(statement)
        guard let start = PQexec(conn, text) else {
            throw lastError(kind: .connection, prefix: "the connection failed", query: text)
        }
        guard PQresultStatus(start) == PGRES_COPY_OUT else {
            defer { PQclear(start) }
            if PQresultStatus(start) == PGRES_FATAL_ERROR {
                throw error(from: start, query: text, binds: [])
            }
            try? drainResults()
            throw PostgresError(kind: .usage, message: "copyOut needs a COPY … TO STDOUT statement", query: text)
        }
        PQclear(start)

        var consumerError: (any Error)?
        while true {
            var buffer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(conn, &buffer, 0)
            if length > 0, let buffer {
                if consumerError == nil {
                    do {
                        try consume(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
                    } catch {
                        consumerError = error
                        cancelRunningStatement()
                    }
                }
                PQfreemem(buffer)
            } else if length == -1 {
                break  // done; the final result follows
            } else {
                throw lastError(kind: .client, prefix: "COPY TO STDOUT failed", query: text)
            }
        }
        if let consumerError {
            try? drainResults()
            throw consumerError
        }
        return try finishCopy(query: text)
    }

    /// Convenience: streams `COPY … TO STDOUT` into a file handle.
    @discardableResult
    public func copyOut(_ statement: PostgresQuery, to handle: FileHandle) throws -> Int {
        try copyOut(statement) { chunk in try handle.write(contentsOf: chunk) }
    }

    private func copyStatementText(_ statement: PostgresQuery) throws(PostgresError) -> String {
        guard statement.binds.isEmpty else {
            throw PostgresError(
                kind: .usage, message: "COPY takes no bind parameters; use identifiers or a staging table")
        }
        return try render(statement)
    }

    /// Reads the results that end a COPY; returns the row count from the command tag.
    private func finishCopy(query: String) throws(PostgresError) -> Int {
        var rows = 0
        var failure: PostgresError?
        while let result = PQgetResult(conn) {
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                rows = Int(String(cString: PQcmdTuples(result))) ?? 0
            } else if failure == nil {
                failure = error(from: result, query: query, binds: [])
            }
            PQclear(result)
        }
        if let failure { throw failure }
        return rows
    }

    /// Discards any pending results (after an aborted COPY).
    func drainResults() throws(PostgresError) {
        while let result = PQgetResult(conn) {
            let status = PQresultStatus(result)
            PQclear(result)
            if status == PGRES_COPY_OUT {
                // Read and drop the rest of the stream.
                var buffer: UnsafeMutablePointer<CChar>?
                while PQgetCopyData(conn, &buffer, 0) > 0 {
                    PQfreemem(buffer)
                    buffer = nil
                }
            }
        }
    }

    /// Asks the server to cancel the statement this connection is running.
    public func cancelRunningStatement() {
        guard let cancel = PQgetCancel(conn) else { return }
        var errorBuffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &errorBuffer, Int32(errorBuffer.count))
        PQfreeCancel(cancel)
    }
}

/// Writes `COPY … FROM STDIN` data. Buffers writes into 64 KiB chunks before handing them to libpq.
public final class CopyInWriter {
    private let connection: PostgresConnection
    private var buffer: [UInt8] = []
    private static let chunkSize = 64 * 1024

    init(connection: PostgresConnection) {
        self.connection = connection
        buffer.reserveCapacity(Self.chunkSize)
    }

    /// Appends text in the COPY format the statement declared (text or csv).
    public func write(_ text: String) throws(PostgresError) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.chunkSize { try flush() }
    }

    /// Appends raw bytes.
    public func write(bytes: some Sequence<UInt8>) throws(PostgresError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.chunkSize { try flush() }
    }

    /// Sends what is buffered to the server.
    public func flush() throws(PostgresError) {
        guard !buffer.isEmpty else { return }
        let status = buffer.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { PQputCopyData(connection.conn, $0.baseAddress, Int32($0.count)) }
        }
        guard status == 1 else { throw connection.lastError(kind: .client, prefix: "COPY FROM STDIN failed") }
        buffer.removeAll(keepingCapacity: true)
    }
}

@available(*, unavailable)
extension CopyInWriter: Sendable {}
