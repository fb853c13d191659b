import Foundation
import Testing
import TieoutPostgres
import TieoutTestSupport

@Suite("COPY")
struct CopyTests {
    @Test func copyInThenOutStreams100kRows() throws {
        let conn = try TestDatabase.connect()
        try conn.query("CREATE TEMP TABLE staging (id int8 PRIMARY KEY, label text, amount numeric)")
        let rows = 100_000
        let copied = try conn.copyIn("COPY staging (id, label, amount) FROM STDIN (FORMAT csv)") { writer in
            for i in 1...rows {
                try writer.write("\(i),\"line \(i), with comma\",\(i).0\(i % 10)\n")
            }
        }
        #expect(copied == rows)
        let summary = try conn.query("SELECT count(*) AS n, sum(amount)::text AS total FROM staging")[0]
        #expect(try summary.decode("n", as: Int.self) == rows)
        // Σ i + Σ (i mod 10) / 100 for i in 1...100000 = 5000050000 + 450000 / 100
        #expect(summary["total"] == "5000054500.00")

        var bytes = 0
        var newlines = 0
        var firstLine = ""
        let out = try conn.copyOut("COPY (SELECT id, label, amount FROM staging ORDER BY id) TO STDOUT (FORMAT csv)") {
            chunk in
            bytes += chunk.count
            newlines += chunk.filter { $0 == UInt8(ascii: "\n") }.count
            if firstLine.isEmpty { firstLine = String(decoding: chunk, as: UTF8.self) }
        }
        #expect(out == rows)
        #expect(newlines == rows)
        #expect(firstLine == "1,\"line 1, with comma\",1.01\n")
        #expect(bytes > rows * 20)
    }

    @Test func aThrowingProducerAbortsTheCopy() throws {
        let conn = try TestDatabase.connect()
        try conn.query("CREATE TEMP TABLE staging (id int)")
        #expect(throws: Boom.self) {
            try conn.copyIn("COPY staging FROM STDIN") { writer in
                try writer.write("1\n2\n")
                try writer.flush()
                throw Boom()
            }
        }
        #expect(try conn.query("SELECT count(*) FROM staging").scalar(Int.self) == 0)
        #expect(conn.transactionStatus == .idle)
    }

    @Test func badCopyDataIsAServerError() throws {
        let conn = try TestDatabase.connect()
        try conn.query("CREATE TEMP TABLE staging (id int)")
        let error = #expect(throws: PostgresError.self) {
            try conn.copyIn("COPY staging FROM STDIN (FORMAT csv)") { writer in try writer.write("1\nnot a number\n") }
        }
        #expect(error?.code == .invalidTextRepresentation)
        #expect(try conn.query("SELECT count(*) FROM staging").scalar(Int.self) == 0)
        // The connection is usable afterwards.
        #expect(try conn.query("SELECT 1").scalar(Int.self) == 1)
    }

    @Test func aThrowingConsumerCancelsTheCopyOut() throws {
        let conn = try TestDatabase.connect()
        #expect(throws: Boom.self) {
            try conn.copyOut("COPY (SELECT generate_series(1, 200000)) TO STDOUT") { _ in throw Boom() }
        }
        #expect(try conn.query("SELECT 2").scalar(Int.self) == 2)
    }

    @Test func copyRefusesBindParameters() throws {
        let conn = try TestDatabase.connect()
        let error = #expect(throws: PostgresError.self) {
            try conn.copyIn("COPY (SELECT \(1)) TO STDOUT") { _ in }
        }
        #expect(error?.kind == .usage)
    }
}
