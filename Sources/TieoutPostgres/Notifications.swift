internal import CLibPQ
import Glibc

/// A message sent with `NOTIFY channel, 'payload'`.
public struct PostgresNotification: Sendable, Equatable {
    /// The channel it was sent on.
    public var channel: String
    /// The payload ('' when none).
    public var payload: String
    /// The backend process id of the sender.
    public var senderPID: Int32
}

extension PostgresConnection {
    /// Starts listening on a channel (`LISTEN`, with the name quoted).
    public func listen(_ channel: String) throws(PostgresError) {
        try query("LISTEN \(identifier: channel)")
    }

    /// Stops listening on a channel.
    public func unlisten(_ channel: String) throws(PostgresError) {
        try query("UNLISTEN \(identifier: channel)")
    }

    /// Sends a notification (`pg_notify`, with both values bound). Inside a transaction it is
    /// delivered when the transaction commits.
    public func notify(_ channel: String, payload: String = "") throws(PostgresError) {
        try query("SELECT pg_notify(\(channel), \(payload))")
    }

    /// Returns the notifications that have arrived, waiting up to `timeout` for the first one.
    /// Returns an empty array when the wait times out or a signal interrupts it (so a caller can
    /// check whether it was asked to stop).
    public func notifications(timeout: Duration) throws(PostgresError) -> [PostgresNotification] {
        var received = try drainNotifications()
        guard received.isEmpty else { return received }
        let socket = PQsocket(conn)
        guard socket >= 0 else { throw lastError(kind: .connection, prefix: "the connection has no socket") }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while received.isEmpty {
            let remaining = clock.now.duration(to: deadline)
            if remaining <= .zero { break }
            let milliseconds = Int32(clamping: remaining.wholeMilliseconds + 1)
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0 {
                if errno == EINTR { break }
                throw PostgresError(kind: .client, message: "waiting for notifications failed (poll errno \(errno))")
            }
            if ready == 0 { break }
            received = try drainNotifications()
        }
        return received
    }

    private func drainNotifications() throws(PostgresError) -> [PostgresNotification] {
        guard PQconsumeInput(conn) == 1 else {
            throw lastError(kind: .connection, prefix: "reading notifications failed")
        }
        var result: [PostgresNotification] = []
        while let notify = PQnotifies(conn) {
            result.append(
                PostgresNotification(
                    channel: String(cString: notify.pointee.relname),
                    payload: notify.pointee.extra.map { String(cString: $0) } ?? "",
                    senderPID: notify.pointee.be_pid
                )
            )
            PQfreemem(notify)
        }
        return result
    }
}
