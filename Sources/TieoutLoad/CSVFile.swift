import Foundation
import TieoutPostgres

#if canImport(Glibc)
    import Glibc
#endif

/// What the loader needs to know of a CSV file before PostgreSQL's COPY reads it: its header, and, when a record
/// is bad, the line that record starts on (a quoted field may span lines, so record and line numbers differ).
struct CSVFile {
    let url: URL
    /// How messages name the file, when not by its file name (a lake partition: `2026-11-24T08.07.17Z/msdyn_actual/2026.csv`).
    var shownAs: String? = nil
    var name: String { shownAs ?? url.lastPathComponent }

    /// The names of the header record, trimmed, in file order. A UTF-8 byte order mark is skipped.
    func header() throws -> [String] {
        var bytes: [UInt8] = []
        var scanner = RecordScanner()
        var complete = false
        // Read until the first record ends; headers are small, but read in chunks anyway.
        try forEachChunk(size: 64 * 1024) { chunk in
            for byte in chunk {
                if scanner.consume(byte) {
                    complete = true
                    return false
                }
                bytes.append(byte)
            }
            return true
        }
        guard complete || !bytes.isEmpty else { throw LoadError("\(name): the file is empty; it needs a header line") }
        return try Self.fields(of: bytes, file: name)
    }

    /// Reads the file in chunks of `size` bytes, in order, until `body` returns false or the file ends. A file that
    /// cannot be opened or read is a ``LoadError`` naming its path and the reason, never a Foundation error.
    func forEachChunk(size: Int, _ body: (Data) throws -> Bool) throws {
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw LoadError("\(url.path): cannot read the file (\(FileProblem.reason(errno)))")
        }
        defer { try? handle.close() }
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: size) ?? Data()
            } catch {
                let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
                let reason =
                    underlying?.domain == NSPOSIXErrorDomain
                    ? FileProblem.reason(Int32(underlying!.code)) : "read error"
                throw LoadError("\(url.path): cannot read the file (\(reason))")
            }
            if chunk.isEmpty { return }
            if try !body(chunk) { return }
        }
    }

    /// The line (1-based) record `record` starts on, the first record (the header, when there is one) being record 1.
    func line(ofRecord record: Int) throws -> Int {
        guard record > 1 else { return 1 }
        var scanner = RecordScanner()
        var records = 1
        var line = 1
        try forEachChunk(size: 256 * 1024) { chunk in
            for byte in chunk {
                let ended = scanner.consume(byte)
                if byte == UInt8(ascii: "\n") { line += 1 }
                if ended {
                    records += 1
                    if records == record { return false }
                }
            }
            return true
        }
        return line
    }

    /// Streams the whole file into a `COPY … FROM STDIN`.
    func send(to writer: CopyInWriter) throws {
        try forEachChunk(size: 256 * 1024) { chunk in
            try writer.write(bytes: chunk)
            return true
        }
    }

    /// The line a quoted field opens on that the file never closes, if any.
    func unterminatedQuoteLine() throws -> Int? {
        var scanner = RecordScanner()
        var line = 1
        var opened = 1
        try forEachChunk(size: 256 * 1024) { chunk in
            for byte in chunk {
                let wasQuoted = scanner.isQuoted
                _ = scanner.consume(byte)
                if scanner.isQuoted && !wasQuoted { opened = line }
                if byte == UInt8(ascii: "\n") { line += 1 }
            }
            return true
        }
        return scanner.isQuoted ? opened : nil
    }

    /// The first data record whose number of fields is not `expected`: the line it starts on and its fields.
    func firstRecord(notHaving expected: Int) throws -> (line: Int, fields: Int)? {
        var found: (line: Int, fields: Int)?
        var record = 0
        try forEachRecord { line, fields in
            record += 1
            guard record > 1, fields != expected else { return true }
            found = (line, fields)
            return false
        }
        return found
    }

    /// Calls `body` with the line each record starts on and its number of fields (RFC 4180 quoting followed byte by
    /// byte), in file order, until it returns false. A last record without a line break counts; an empty file has
    /// none.
    func forEachRecord(_ body: (_ line: Int, _ fields: Int) throws -> Bool) throws {
        var scanner = RecordScanner()
        var line = 1
        var start = 1
        var fields = 1
        var empty = true
        var stopped = false
        try forEachChunk(size: 256 * 1024) { chunk in
            for byte in chunk {
                let quoted = scanner.isQuoted
                let ended = scanner.consume(byte)
                if byte == UInt8(ascii: ",") && !quoted { fields += 1 }
                if byte == UInt8(ascii: "\n") { line += 1 }
                if ended {
                    if try !body(start, fields) {
                        stopped = true
                        return false
                    }
                    start = line
                    fields = 1
                    empty = true
                } else {
                    empty = false
                }
            }
            return true
        }
        if !stopped && !empty { _ = try body(start, fields) }
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
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw LoadError("\(file) line 1: the header is not UTF-8; export the file as UTF-8")
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

/// The checks that a load's folder and files are what they must be, before anything is read or written.
enum FileProblem {
    /// `path` is a folder the loader can list; else a ``LoadError`` naming it.
    static func checkFolder(_ path: String) throws {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let error = errno
            if error == ENOENT { throw LoadError("\(path): no such folder") }
            throw LoadError("\(path): cannot read the folder (\(reason(error)))")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw LoadError("\(path): not a folder; give the folder that holds the CSV files (one per table)")
        }
        guard access(path, R_OK | X_OK) == 0 else {
            throw LoadError("\(path): cannot read the folder (\(reason(errno)))")
        }
    }

    /// `path` is a regular file the loader can read (a link to one is fine); else a ``LoadError`` naming it. Returns
    /// its modification time.
    static func checkFile(_ path: String) throws -> Date {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let error = errno
            var link = stat()
            if error == ENOENT, lstat(path, &link) == 0, link.st_mode & S_IFMT == S_IFLNK {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { " \($0)" } ?? ""
                throw LoadError("\(path): a symbolic link to\(target), which does not exist")
            }
            throw LoadError("\(path): cannot read the file (\(reason(error)))")
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            break
        case S_IFDIR:
            throw LoadError("\(path): a folder, not a file; each table must be one CSV file named after it")
        default:
            throw LoadError("\(path): not a regular file; each table must be one CSV file named after it")
        }
        guard access(path, R_OK) == 0 else { throw LoadError("\(path): cannot read the file (\(reason(errno)))") }
        return Date(
            timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9)
    }

    /// The system's words for `error` (`Permission denied`).
    static func reason(_ error: Int32) -> String { String(cString: strerror(error)) }
}
