import Foundation

/// What the lake loader needs of a headerless CSV partition file (docs/lake.md): how its records' field counts compare
/// with the model's attributes, a copy of it with short records padded to the model's width, and small files read
/// whole (the OptionsetMetadata files).
extension CSVFile {
    /// The first record with more fields than `expected` (its line and field count), and whether any record has fewer.
    func fieldCounts(expected: Int) throws -> (longer: (line: Int, fields: Int)?, hasShorter: Bool) {
        var longer: (line: Int, fields: Int)?
        var hasShorter = false
        try forEachRecord { line, fields in
            if fields < expected { hasShorter = true }
            guard fields > expected else { return true }
            longer = (line, fields)
            return false
        }
        return (longer, hasShorter)
    }

    /// Streams the file with every record that has fewer fields than `expected` given empty fields at its end (a row
    /// written before a column was added reads as NULL there), in chunks of about `size` bytes. A record with more
    /// fields is a ``LoadError`` naming its line.
    func forEachPaddedChunk(expected: Int, size: Int, _ body: (Data) throws -> Void) throws {
        var scanner = RecordScanner()
        var line = 1
        var start = 1
        var fields = 1
        var pendingCarriageReturn = false
        var empty = true
        var output = Data()
        output.reserveCapacity(size + 4096)
        func pad() throws {
            guard fields <= expected else {
                throw LoadError("\(name) line \(start): \(fields) fields where the model has \(expected) attributes")
            }
            if fields < expected {
                output.append(contentsOf: repeatElement(UInt8(ascii: ","), count: expected - fields))
            }
        }
        try forEachChunk(size: size) { chunk in
            for byte in chunk {
                let quoted = scanner.isQuoted
                let ended = scanner.consume(byte)
                if ended {
                    try pad()
                    if pendingCarriageReturn { output.append(UInt8(ascii: "\r")) }
                    output.append(byte)
                    pendingCarriageReturn = false
                    line += 1
                    start = line
                    fields = 1
                    empty = true
                    continue
                }
                if pendingCarriageReturn {
                    output.append(UInt8(ascii: "\r"))
                    pendingCarriageReturn = false
                }
                if byte == UInt8(ascii: "\r") && !quoted {
                    // Held back: a record ending in \r\n is padded before the \r.
                    pendingCarriageReturn = true
                    empty = false
                    continue
                }
                if byte == UInt8(ascii: ",") && !quoted { fields += 1 }
                if byte == UInt8(ascii: "\n") { line += 1 }
                empty = false
                output.append(byte)
            }
            if output.count >= size {
                try body(output)
                output.removeAll(keepingCapacity: true)
            }
            return true
        }
        if !empty { try pad() }
        if pendingCarriageReturn { output.append(UInt8(ascii: "\r")) }
        if !output.isEmpty { try body(output) }
    }

    /// Every record of a small headerless file, split into fields (RFC 4180). For the OptionsetMetadata files.
    func allRecords() throws -> [[String]] {
        var records: [[String]] = []
        var scanner = RecordScanner()
        var current: [UInt8] = []
        try forEachChunk(size: 256 * 1024) { chunk in
            for byte in chunk {
                let ended = scanner.consume(byte)
                current.append(byte)
                if ended {
                    if current.contains(where: { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }) {
                        records.append(try Self.fields(of: current, file: name))
                    }
                    current = []
                }
            }
            return true
        }
        if current.contains(where: { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }) {
            records.append(try Self.fields(of: current, file: name))
        }
        return records
    }
}
