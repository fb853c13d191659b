internal import CLibPQ

/// The rows and command status of one statement, copied out of libpq (so it is `Sendable`).
///
/// Values are kept in PostgreSQL's text format until decoded, so `numeric` stays exact.
public struct PostgresResult: Sendable, RandomAccessCollection {
    /// Column names, in order.
    public let columns: [String]
    /// The command tag, e.g. `INSERT 0 3` or `SELECT 2`.
    public let commandTag: String
    /// Rows affected by `INSERT`, `UPDATE`, `DELETE`, `MERGE`, `COPY`, … (nil if not reported).
    public let affectedRows: Int?
    let columnIndex: [String: Int]
    let values: [String?]

    init(copying result: OpaquePointer) {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            columns.append(String(cString: PQfname(result, Int32(column))))
        }
        var values: [String?] = []
        values.reserveCapacity(rowCount * columnCount)
        for row in 0..<rowCount {
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(row), Int32(column))))
                }
            }
        }
        self.columns = columns
        self.values = values
        self.commandTag = String(cString: PQcmdStatus(result))
        self.affectedRows = Int(String(cString: PQcmdTuples(result)))
        var index: [String: Int] = [:]
        for (position, name) in columns.enumerated() where index[name] == nil { index[name] = position }
        self.columnIndex = index
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { columns.isEmpty ? 0 : values.count / columns.count }

    public subscript(position: Int) -> PostgresRow {
        PostgresRow(result: self, row: position)
    }

    /// Decodes the first column of the first row: `try conn.query("SELECT count(*) FROM t").scalar(Int.self)`.
    public func scalar<Value: PostgresDecodable>(_ type: Value.Type = Value.self) throws(PostgresError) -> Value {
        guard let first = first else {
            throw PostgresError(kind: .decoding, message: "expected one row, the statement returned none")
        }
        return try first.decode(0, as: type)
    }
}

/// One row of a ``PostgresResult``.
public struct PostgresRow: Sendable {
    let result: PostgresResult
    let row: Int

    /// The raw text value of a column by position (nil for NULL).
    public subscript(column: Int) -> String? {
        result.values[row * result.columns.count + column]
    }

    /// The raw text value of a column by name (nil for NULL or an unknown column).
    public subscript(column: String) -> String? {
        result.columnIndex[column].flatMap { self[$0] }
    }

    /// Decodes a column by position.
    public func decode<Value: PostgresDecodable>(_ column: Int, as type: Value.Type = Value.self) throws(PostgresError)
        -> Value
    {
        guard result.columns.indices.contains(column) else {
            throw PostgresError(kind: .decoding, message: "no column at position \(column)")
        }
        do {
            return try Value.decode(postgresText: self[column])
        } catch {
            throw PostgresError(kind: .decoding, message: "column \"\(result.columns[column])\": \(error.reason)")
        }
    }

    /// Decodes a column by name.
    public func decode<Value: PostgresDecodable>(_ column: String, as type: Value.Type = Value.self)
        throws(PostgresError)
        -> Value
    {
        guard let index = result.columnIndex[column] else {
            throw PostgresError(kind: .decoding, message: "no column named \"\(column)\" in the result")
        }
        return try decode(index, as: type)
    }
}
