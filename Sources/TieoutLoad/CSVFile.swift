import Foundation

/// What the loader needs to know of a CSV file before PostgreSQL's COPY reads it: its header, and, when a record
/// is bad, the line that record starts on (a quoted field may span lines, so record and line numbers differ).
struct CSVFile {
    let url: URL
    var name: String { url.lastPathComponent }

    /// The names of the header record, trimmed, in file order. A UTF-8 byte order mark is skipped.
    func header() throws -> [String] {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw LoadError("\(name): cannot read the file")
        }
        defer { try? handle.close() }
        var bytes: [UInt8] = []
        var scanner = RecordScanner()
        // Read until the first record ends; headers are small, but read in chunks anyway.
        while true {
            let chunk = try handle.read(upToCount: 64 * 1024) ?? Data()
            if chunk.isEmpty { break }
            for byte in chunk {
                if scanner.consume(byte) { return try Self.fields(of: bytes, file: name) }
                bytes.append(byte)
            }
        }
        guard !bytes.isEmpty else { throw LoadError("\(name): the file is empty; it needs a header line") }
        return try Self.fields(of: bytes, file: name)
    }

    /// The line (1-based) record `record` starts on, the header being record 1.
    func line(ofRecord record: Int) throws -> Int {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return record }
        defer { try? handle.close() }
        var scanner = RecordScanner()
        var records = 1
        var line = 1
        while true {
            let chunk = try handle.read(upToCount: 256 * 1024) ?? Data()
            if chunk.isEmpty { return line }
            for byte in chunk {
                let ended = scanner.consume(byte)
                if byte == UInt8(ascii: "\n") { line += 1 }
                if ended {
                    records += 1
                    if records == record { return line }
                }
            }
        }
    }

    /// The line a quoted field opens on that the file never closes, if any.
    func unterminatedQuoteLine() throws -> Int? {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return nil }
        defer { try? handle.close() }
        var scanner = RecordScanner()
        var line = 1
        var opened = 1
        while let chunk = try handle.read(upToCount: 256 * 1024), !chunk.isEmpty {
            for byte in chunk {
                let wasQuoted = scanner.isQuoted
                _ = scanner.consume(byte)
                if scanner.isQuoted && !wasQuoted { opened = line }
                if byte == UInt8(ascii: "\n") { line += 1 }
            }
        }
        return scanner.isQuoted ? opened : nil
    }

    /// The first data record whose number of fields is not `expected`: the line it starts on and its fields.
    func firstRecord(notHaving expected: Int) throws -> (line: Int, fields: Int)? {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return nil }
        defer { try? handle.close() }
        var scanner = RecordScanner()
        var record = 1
        var line = 1
        var start = 1
        var fields = 1
        var empty = true
        while let chunk = try handle.read(upToCount: 256 * 1024), !chunk.isEmpty {
            for byte in chunk {
                let quoted = scanner.isQuoted
                let ended = scanner.consume(byte)
                if byte == UInt8(ascii: ",") && !quoted { fields += 1 }
                if byte == UInt8(ascii: "\n") { line += 1 }
                if ended {
                    if record > 1 && fields != expected { return (start, fields) }
                    record += 1
                    start = line
                    fields = 1
                    empty = true
                } else {
                    empty = false
                }
            }
        }
        // The last record, when the file does not end with a line break.
        if record > 1 && !empty && fields != expected { return (start, fields) }
        return nil
    }

    /// Splits one record into its fields (RFC 4180: fields in double quotes may hold commas, quotes doubled).
    static func fields(of record: [UInt8], file: String) throws -> [String] {
        var bytes = record[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        while let last = bytes.last, last == UInt8(ascii: "\r") || last == UInt8(ascii: "\n") {
            bytes = bytes.dropLast()
        }
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    let next = bytes.index(after: index)
                    if next < bytes.endIndex, bytes[next] == UInt8(ascii: "\"") {
                        field.append(byte)
                        index = next
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(byte)
                }
            } else if byte == UInt8(ascii: "\"") {
                quoted = true
            } else if byte == UInt8(ascii: ",") {
                fields.append(String(decoding: field, as: UTF8.self))
                field = []
            } else {
                field.append(byte)
            }
            index = bytes.index(after: index)
        }
        guard !quoted else { throw LoadError("\(file) line 1: the header has an unterminated quoted name") }
        fields.append(String(decoding: field, as: UTF8.self))
        return fields.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}

/// Follows RFC 4180 quoting byte by byte to tell where a record ends.
struct RecordScanner {
    private var quoted = false
    /// Inside a quoted field.
    var isQuoted: Bool { quoted }

    /// Consumes one byte; true when it is the newline that ends a record.
    mutating func consume(_ byte: UInt8) -> Bool {
        if byte == UInt8(ascii: "\"") {
            // A doubled quote inside a quoted field toggles twice: net unchanged.
            quoted.toggle()
            return false
        }
        return byte == UInt8(ascii: "\n") && !quoted
    }
}
