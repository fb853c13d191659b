import Foundation
import Testing
import TieoutPostgres
import TieoutTestSupport

@Suite("queries, bind parameters and decoding")
struct QueryTests {
    @Test func interpolatedValuesAreBoundNotSpliced() throws {
        let conn = try TestDatabase.connect()
        let hostile = "'); DROP TABLE pg_class; --"
        let result = try conn.query("SELECT \(hostile)::text AS text, \(42) + 1 AS n")
        #expect(try result[0].decode("text", as: String.self) == hostile)
        #expect(try result[0].decode("n", as: Int.self) == 43)
        let query: PostgresQuery = "SELECT \(hostile)::text, \(42)"
        #expect(query.description == "SELECT $1::text, $2")
    }

    @Test func everySupportedTypeRoundTrips() throws {
        let conn = try TestDatabase.connect()
        let id = UUID(uuidString: "3F2504E0-4F89-11D3-9A0C-0305E82C3301")!
        let amount = Decimal(string: "12345678901234.5678")!
        let day = PostgresDate(year: 2026, month: 2, day: 28)
        let instant = Date(timeIntervalSince1970: 1_795_000_000.123456)
        let row = try conn.query(
            """
            SELECT \("héllo, \"world\"")::text AS s, \(Int.max)::int8 AS i, \(Int64.min)::int8 AS i64,
                   \(Int32(-7))::int4 AS i32, \(true)::bool AS b, \(id)::uuid AS u, \(amount)::numeric AS d,
                   \(day)::date AS day, \(instant)::timestamptz AS ts, '12345678901234.5678'::numeric AS literal
            """
        )[0]
        #expect(try row.decode("s", as: String.self) == "héllo, \"world\"")
        #expect(try row.decode("i", as: Int.self) == Int.max)
        #expect(try row.decode("i64", as: Int64.self) == Int64.min)
        #expect(try row.decode("i32", as: Int32.self) == -7)
        #expect(try row.decode("b", as: Bool.self) == true)
        #expect(try row.decode("u", as: UUID.self) == id)
        #expect(row["u"] == "3f2504e0-4f89-11d3-9a0c-0305e82c3301")
        #expect(try row.decode("d", as: Decimal.self) == amount)
        #expect(row["d"] == "12345678901234.5678")
        #expect(try row.decode("literal", as: Decimal.self).description == "12345678901234.5678")
        #expect(try row.decode("day", as: PostgresDate.self) == day)
        #expect(row["day"] == "2026-02-28")
        #expect(row["ts"] == "2026-11-18 11:06:40.123456+00")
        let decoded = try row.decode("ts", as: Date.self)
        #expect(abs(decoded.timeIntervalSince1970 - instant.timeIntervalSince1970) < 0.000_001)
    }

    @Test func numericStaysExactThroughATable() throws {
        let conn = try TestDatabase.connect()
        try conn.query("CREATE TEMP TABLE amounts (amount numeric NOT NULL)")
        let value = Decimal(string: "12345678901234.5678")!
        try conn.query("INSERT INTO amounts VALUES (\(value))")
        let text = try conn.query("SELECT amount::text FROM amounts").scalar(String.self)
        #expect(text == "12345678901234.5678")
        #expect(try conn.query("SELECT amount FROM amounts").scalar(Decimal.self) == value)
        #expect(try conn.query("SELECT amount = 12345678901234.5678 FROM amounts").scalar(Bool.self))
    }

    @Test func numericTooPreciseForDecimalIsRefusedNotRounded() throws {
        let conn = try TestDatabase.connect()
        let wide = "1234567890123456789012345678901234567890.123456789"
        let result = try conn.query("SELECT \(unescaped: "'\(wide)'")::numeric AS n")
        #expect(try result.scalar(String.self) == wide)
        #expect(throws: PostgresError.self) { try result.scalar(Decimal.self) }
    }

    @Test func nullRoundTripsThroughOptionals() throws {
        let conn = try TestDatabase.connect()
        let missing: Int? = nil
        let present: String? = "x"
        let row = try conn.query("SELECT \(missing)::int8 AS a, \(present)::text AS b, NULL::numeric AS c")[0]
        #expect(try row.decode("a", as: Int?.self) == nil)
        #expect(try row.decode("b", as: String?.self) == "x")
        #expect(try row.decode("c", as: Decimal?.self) == nil)
        #expect(row["a"] == nil)
        let error = #expect(throws: PostgresError.self) { try row.decode("a", as: Int.self) }
        #expect(error?.kind == .decoding)
        #expect(error?.message == "column \"a\": NULL where a value of type Int is required")
    }

    @Test func identifiersAreQuotedByLibpq() throws {
        let conn = try TestDatabase.connect()
        #expect(try conn.quoteIdentifier("order") == "\"order\"")
        #expect(try conn.quoteIdentifier("we\"ird") == "\"we\"\"ird\"")
        let table = "Weird \"table\"; DROP"
        try conn.query("CREATE TEMP TABLE \(identifier: table) (\(identifier: "select") int)")
        try conn.query("INSERT INTO \(identifier: table) VALUES (\(5))")
        #expect(try conn.query("SELECT \(identifier: "select") FROM \(identifier: table)").scalar(Int.self) == 5)
    }

    @Test func affectedRowsAndCommandTag() throws {
        let conn = try TestDatabase.connect()
        try conn.query("CREATE TEMP TABLE t (id int)")
        let insert = try conn.query("INSERT INTO t SELECT generate_series(1, 3)")
        #expect(insert.commandTag == "INSERT 0 3")
        #expect(insert.affectedRows == 3)
        let select = try conn.query("SELECT id FROM t ORDER BY id")
        #expect(try select.map { try $0.decode(0, as: Int.self) } == [1, 2, 3])
        #expect(select.columns == ["id"])
    }

    @Test func inlineTextWritesValuesAsQuotedLiteralsForStatementsWithoutParameters() throws {
        let conn = try TestDatabase.connect()
        let hostile = "it's'); DROP TABLE pg_class; --"
        let amount = Decimal(string: "-12.5")!
        let missing: String? = nil
        let query: PostgresQuery = "SELECT \(hostile) AS s, \(amount) AS d, \(7) AS n, \(missing) AS m"
        let text = try conn.inlineText(query)
        #expect(
            text
                == "SELECT 'it''s''); DROP TABLE pg_class; --' AS s, CAST('-12.5' AS numeric) AS d, "
                + "CAST('7' AS bigint) AS n, NULL AS m")
        try conn.executeScript("CREATE TEMP VIEW inlined AS \(text)")
        let row = try conn.query("SELECT s, d::text AS d, n, m FROM inlined")[0]
        let values = (
            try row.decode("s", as: String.self), try row.decode("d", as: String.self),
            try row.decode("n", as: Int.self), try row.decode("m", as: String?.self)
        )
        #expect(values.0 == hostile)
        #expect(values.1 == "-12.5")
        #expect(values.2 == 7)
        #expect(values.3 == nil)
    }

    @Test func scriptsRunSeveralStatements() throws {
        let conn = try TestDatabase.connect()
        try conn.executeScript("CREATE TEMP TABLE s (a int); INSERT INTO s VALUES (1), (2);")
        #expect(try conn.query("SELECT sum(a) FROM s").scalar(Int.self) == 3)
    }

    @Test func statementTimeoutCancelsSlowStatements() throws {
        let conn = try TestDatabase.connect()
        try conn.setStatementTimeout(.milliseconds(100))
        #expect(try conn.query("SHOW statement_timeout").scalar(String.self) == "100ms")
        let error = #expect(throws: PostgresError.self) { try conn.query("SELECT pg_sleep(5)") }
        #expect(error?.code == .queryCanceled)
        try conn.setStatementTimeout(nil)
        #expect(try conn.query("SHOW statement_timeout").scalar(String.self) == "0")
    }
}

@Suite("text formats, without a server")
struct TextFormatTests {
    @Test func timestampsEncodeInUTCWithMicroseconds() throws {
        #expect(Date(timeIntervalSince1970: 0).postgresText == "1970-01-01 00:00:00+00")
        #expect(Date(timeIntervalSince1970: -1.5).postgresText == "1969-12-31 23:59:58.500000+00")
        #expect(Date(timeIntervalSince1970: 951_782_400).postgresText == "2000-02-29 00:00:00+00")
        let parsed = try Date(postgresText: "2026-11-24 21:30:00.25+01:30")
        #expect(parsed.postgresText == "2026-11-24 20:00:00.250000+00")
        #expect(throws: PostgresDecodingFailure.self) { try Date(postgresText: "24/11/2026") }
    }

    @Test func datesParseStrictly() throws {
        #expect(PostgresDate("2026-11-24") == PostgresDate(year: 2026, month: 11, day: 24))
        #expect(PostgresDate("2026-13-01") == nil)
        #expect(PostgresDate("2026-11-24x") == nil)
        #expect(PostgresDate(year: 999, month: 1, day: 2).description == "0999-01-02")
    }

    @Test func decimalsParseExactlyOrNotAtAll() throws {
        #expect(try Decimal(postgresText: "-0012.3400").description == "-12.34")
        #expect(try Decimal(postgresText: "0.000").description == "0")
        #expect(throws: PostgresDecodingFailure.self) { try Decimal(postgresText: "NaN") }
        #expect(throws: PostgresDecodingFailure.self) { try Decimal(postgresText: "1e5") }
        #expect(throws: PostgresDecodingFailure.self) {
            try Decimal(postgresText: "123456789012345678901234567890123456789012")
        }
    }
}
