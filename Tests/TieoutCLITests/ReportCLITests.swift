import Foundation
import Testing
import TieoutPostgres
import TieoutTestSupport

/// `tieout recon report --html`: the report of the demo scenario's run, opened in headless Chromium. The DOM the
/// browser built must show exactly the run's figures from the database, the page must log no console message, and
/// it must request nothing from the network.
@Suite("tieout recon report --html")
struct ReportCLITests {
    static let maps = packageRoot.appendingPathComponent("maps").path

    /// A database with the demo scenario: a seeded company, a business day and a first run, then the demo's faults
    /// and a second run (as of now, grace 0, so every fault is due). `body` gets the connection, the conninfo, the
    /// second run's id and a folder for files.
    func withDemoRuns(_ body: (PostgresConnection, String, Int, URL) throws -> Void) throws {
        try TestDatabase.withMigratedDatabase { connection, name in
            let db = TestDatabase.conninfo(database: name)
            for step in [
                ["seed", "--maps", Self.maps], ["pipeline", "--maps", Self.maps],
                ["recon", "run", "--grace", "0", "--maps", Self.maps], ["faults"],
            ] {
                let result = try Tieout.run(step + ["--db", db])
                try #require(result.status == 0, "\(step): \(result.stderr)")
            }
            // The faults are at least a second older than the run's as-of (as-of values have whole seconds).
            Thread.sleep(forTimeInterval: 1.1)
            let run = try Tieout.run(["recon", "run", "--grace", "0", "--db", db, "--maps", Self.maps])
            try #require(run.status == 1, "\(run.stderr)")
            let runID: Int = try connection.query("SELECT max(run_id) FROM recon.run").scalar()
            let folder = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(at: folder) }
            try body(connection, db, runID, folder)
        }
    }

    @Test func theBrowserShowsExactlyTheRunsFiguresAndLogsNothing() throws {
        try withDemoRuns { connection, db, runID, folder in
            // Every error explained with a note (markup in it), one warning assigned, and the run signed off.
            let errorNumbers = try connection.query(
                "SELECT finding_no::text FROM recon.finding WHERE run_id = \(runID) AND severity = 'E'"
            ).map { $0[0] ?? "" }
            let warning: String = try connection.query(
                "SELECT min(finding_no)::text FROM recon.finding WHERE run_id = \(runID) AND severity = 'W'"
            ).scalar()
            for review in [
                errorNumbers + ["--status", "explained", "--note", "planted by <tieout faults> & known"],
                [warning, "--status", "investigating", "--assignee", "Bob"],
            ] {
                let result = try Tieout.run(["recon", "review"] + review + ["--as", "Anna", "--db", db])
                try #require(result.status == 0, "\(result.stderr)")
            }
            let signed = try Tieout.run(
                ["recon", "signoff", "--run", "\(runID)", "--as", "Anna \"AC\"", "--note", "ok", "--db", db])
            try #require(signed.status == 0, "\(signed.stderr)")

            let file = folder.appendingPathComponent("report.html").path
            let written = try Tieout.run(["recon", "report", "--html", file, "--run", "\(runID)", "--db", db])
            #expect(written.status == 0, "\(written.stderr)")
            #expect(written.stdout == "wrote the report of run \(runID) to \(file)\n")
            #expect(written.stderr == "")

            // A screenshot, and not one console message from the page.
            let png = folder.appendingPathComponent("report.png").path
            let shot = try Chromium.run(
                ["--screenshot=\(png)", "--window-size=1280,2000", "--enable-logging=stderr", "--v=0"], file: file,
                profile: folder)
            #expect(shot.status == 0, "\(shot.stderr)")
            let image = FileManager.default.contents(atPath: png) ?? Data()
            #expect(image.count > 10_000)
            #expect(image.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            #expect(Chromium.pageMessages(shot.stderr, file: file) == [])

            let dom = try Chromium.run(["--dump-dom"], file: file, profile: folder)
            #expect(dom.status == 0, "\(dom.stderr)")
            let html = dom.stdout

            // Headline figures: the run's counts in recon.run.
            let counts = try connection.query(
                "SELECT errors, warnings, new_findings, resolved FROM recon.run WHERE run_id = \(runID)")[0]
            for (id, column) in [
                ("errors", "errors"), ("warnings", "warnings"), ("new-findings", "new_findings"),
                ("resolved", "resolved"),
            ] {
                #expect(
                    DOM.matches(#"id="\#(id)">([0-9]+)</span>"#, in: html) == [[counts[column] ?? ""]], "\(id)")
            }
            #expect(try connection.query("SELECT errors FROM recon.run WHERE run_id = \(runID)").scalar(Int.self) > 0)

            // Money at stake per currency, exactly the sums PostgreSQL makes (rows without a currency or an amount
            // are not money).
            let sums = try connection.query(
                "SELECT currency, sum(amount)::text FROM recon.finding WHERE run_id = \(runID) GROUP BY currency"
            ).compactMap { row in row[0].flatMap { currency in row[1].map { [currency, $0] } } }
            #expect(!sums.isEmpty)
            let money = DOM.matches(
                #"<td class="money" data-currency="([A-Z]{3})" data-amount="([0-9.]+)">([0-9.,]+)</td>"#, in: html)
            #expect(money.map { [$0[0], $0[1]] }.sorted { $0[0] < $1[0] } == sums.sorted { $0[0] < $1[0] })
            for row in money { #expect(row[2].replacingOccurrences(of: ",", with: "") == row[1]) }

            // One row per finding of the run.
            let numbers = try connection.query(
                "SELECT finding_no FROM recon.finding WHERE run_id = \(runID) ORDER BY finding_no"
            ).map { try $0.decode(0, as: Int.self) }
            #expect(numbers.count > 5)
            let rows = DOM.matches(#"<tr class="finding [^"]*" data-finding-no="([0-9]+)""#, in: html)
            #expect(rows.count == numbers.count)
            #expect(rows.compactMap { Int($0[0]) }.sorted() == numbers)

            // The charts: one bar per category and currency with money at stake.
            for id in ["chart-categories", "chart-aging", "chart-funnel", "chart-trend"] {
                #expect(DOM.element("svg", id: id, in: html) != nil, "\(id)")
            }
            let withMoney: Int = try connection.query(
                """
                SELECT count(*) FROM (SELECT FROM recon.finding WHERE run_id = \(runID) AND currency IS NOT NULL
                                       GROUP BY category, currency HAVING sum(amount) > 0) c
                """
            ).scalar()
            let categories = DOM.element("svg", id: "chart-categories", in: html) ?? ""
            #expect(DOM.matches(#"<rect class="bar""#, in: categories).count == withMoney)
            #expect(withMoney > 3)
            // The funnel's steps are the live pipeline's counts; the trend has both runs' errors.
            let pipeline = try connection.query(
                """
                SELECT count(*) FILTER (WHERE confirmed), count(*) FILTER (WHERE proposal),
                       count(*) FILTER (WHERE proposal_lines > 0), count(*) FILTER (WHERE posted),
                       count(*) FILTER (WHERE written_back)
                  FROM recon.invoice_pipeline
                """)[0]
            let funnel = DOM.matches(
                #"data-step="([a-z ]+)" data-invoices="([0-9]+)""#,
                in: DOM.element("svg", id: "chart-funnel", in: html) ?? "")
            #expect(funnel.map { $0[0] } == ["confirmed", "proposal", "lines", "posted", "written back"])
            #expect(funnel.map { $0[1] } == (0..<5).map { pipeline[$0] ?? "" })
            let errors = try connection.query(
                "SELECT run_id::text, errors::text FROM recon.run WHERE status = 'succeeded' ORDER BY as_of, run_id"
            ).map { [$0[0] ?? "", $0[1] ?? ""] }
            let trend = DOM.element("svg", id: "chart-trend", in: html) ?? ""
            #expect(
                DOM.matches(#"data-series="errors" data-run="([0-9]+)" data-value="([0-9]+)""#, in: trend) == errors)

            // The sign-off, each finding's review state and the customers, as the database has them.
            let signoff = DOM.element("div", id: "signoff", in: html) ?? ""
            #expect(signoff.hasPrefix(#"<div id="signoff" class="card signoff signed" data-status="signed" "#))
            #expect(signoff.contains(#"data-signed-by="Anna &quot;AC&quot;""#))
            let states = try connection.query(
                "SELECT finding_no::text, status FROM recon.finding_review WHERE run_id = \(runID)"
            ).map { [$0[0] ?? "", $0[1] ?? ""] }
            let shown = DOM.matches(
                #"<tr class="finding [^"]*" data-finding-no="([0-9]+)" data-finding-key="[0-9a-f]+" "#
                    + #"data-review-status="([a-z-]+)""#,
                in: html)
            #expect(shown.sorted { Int($0[0])! < Int($1[0])! } == states.sorted { Int($0[0])! < Int($1[0])! })
            #expect(Set(states.map { $0[1] }) == ["explained", "investigating", "open"])
            #expect(DOM.matches("planted by &lt;tieout faults&gt; &amp; known", in: html).count == errorNumbers.count)
            let customers: Int = try connection.query(
                """
                SELECT count(*) FROM (SELECT DISTINCT customer_account, customer_name
                                        FROM recon.finding WHERE run_id = \(runID)) c
                """
            ).scalar()
            #expect(customers > 1)
            #expect(DOM.matches(#"<section class="customer""#, in: html).count == customers)
        }
    }

    @Test func theReportRequestsNothingFromTheNetwork() throws {
        try withDemoRuns { connection, db, runID, folder in
            // A detail with markup and a link in it: text for the page, never a tag or a request.
            try connection.query(
                """
                UPDATE recon.finding SET detail = '<img src="http://example.com/x.png"> & <script>alert(1)</script>'
                 WHERE run_id = \(runID) AND finding_no = 1
                """)
            let file = folder.appendingPathComponent("report.html").path
            let written = try Tieout.run(["recon", "report", "--html", file, "--db", db])
            #expect(written.status == 0, "\(written.stderr)")
            let html = try String(contentsOfFile: file, encoding: .utf8)
            #expect(Offline.problems(html) == [])
            #expect(html.contains("&lt;img src=&quot;http://example.com/x.png&quot;&gt; &amp; &lt;script&gt;"))

            let log = folder.appendingPathComponent("net.json")
            let opened = try Chromium.run(["--dump-dom", "--log-net-log=\(log.path)"], file: file, profile: folder)
            #expect(opened.status == 0, "\(opened.stderr)")
            #expect(try Chromium.pageRequests(log) == [])

            // The checks see what they look for: a page with an image from elsewhere and a script fails both.
            let bad = folder.appendingPathComponent("bad.html").path
            try Data(#"<img src="http://example.invalid/x.png"><script>console.log(1)</script>"#.utf8).write(
                to: URL(fileURLWithPath: bad))
            let badProblems = Offline.problems(try String(contentsOfFile: bad, encoding: .utf8))
            #expect(badProblems.map { $0.prefix(7) } == ["src= in", "http: i", "// in <", "<script"])
            let badLog = folder.appendingPathComponent("bad-net.json")
            let badRun = try Chromium.run(
                ["--dump-dom", "--log-net-log=\(badLog.path)", "--enable-logging=stderr", "--v=0"], file: bad,
                profile: folder)
            #expect(try Chromium.pageRequests(badLog) == ["http://example.invalid/x.png"])
            #expect(Chromium.pageMessages(badRun.stderr, file: bad).count == 1)
        }
    }

    @Test func aRunThatDoesNotExistOrAFolderThatDoesNotIsOneLine() throws {
        try withDemoRuns { _, db, runID, folder in
            let file = folder.appendingPathComponent("report.html").path
            let missing = try Tieout.run(["recon", "report", "--html", file, "--run", "\(runID + 40)", "--db", db])
            #expect(missing.status == 64)
            #expect(missing.stdout == "")
            #expect(missing.stderr == "tieout: error: there is no succeeded reconciliation run \(runID + 40)\n")
            #expect(!FileManager.default.fileExists(atPath: file))

            let nowhere = folder.appendingPathComponent("no/such/folder/report.html").path
            let refused = try Tieout.run(["recon", "report", "--html", nowhere, "--db", db])
            #expect(refused.status == 64)
            #expect(
                refused.stderr
                    == "tieout: error: --html '\(nowhere)': the folder '\(folder.path)/no/such/folder' does not exist\n"
            )

            // - writes standard output, and nothing else.
            let dash = try Tieout.run(["recon", "report", "--html", "-", "--db", db])
            #expect(dash.status == 0, "\(dash.stderr)")
            #expect(dash.stdout.hasPrefix("<!DOCTYPE html>\n") && dash.stdout.hasSuffix("</html>\n"))

            // A second report replaces the first in one step and leaves no temporary file.
            try Data("old".utf8).write(to: URL(fileURLWithPath: file))
            let again = try Tieout.run(["recon", "report", "--html", file, "--db", db])
            #expect(again.status == 0, "\(again.stderr)")
            #expect(try String(contentsOfFile: file, encoding: .utf8).hasPrefix("<!DOCTYPE html>"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["report.html"])
        }
    }
}

/// Headless Chromium, which `make setup` installs (Debian package `chromium`).
enum Chromium {
    static var binary: String {
        get throws {
            for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
                let path = "\(folder)/chromium"
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
            throw TestSetupError(
                "chromium is not installed: run `make setup` (it installs the Debian package chromium)")
        }
    }

    /// Opens `file` headless with `arguments`, without network (every host name resolves to nothing) and without
    /// the browser's own background requests, in a profile of its own under `profile`.
    static func run(_ arguments: [String], file: String, profile: URL) throws -> Tieout.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try binary)
        process.arguments =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-extensions", "--user-data-dir=\(profile.appendingPathComponent("chromium").path)",
            ] + arguments + [URL(fileURLWithPath: file).absoluteString]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes at once: a full stderr pipe must not block the browser while stdout is read.
        nonisolated(unsafe) var stderr = Data()
        let reader = Thread { stderr = err.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !reader.isFinished { Thread.sleep(forTimeInterval: 0.01) }
        return Tieout.Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// The lines of Chromium's log that come from the page: console messages (`CONSOLE`, an uncaught exception) and
    /// any line naming the file. The browser's own noise (D-Bus, GPU, sandbox) names neither.
    static func pageMessages(_ log: String, file: String) -> [String] {
        let url = URL(fileURLWithPath: file).absoluteString
        return log.split(separator: "\n").map(String.init).filter {
            $0.contains(":CONSOLE") || $0.contains("Uncaught") || $0.contains(url)
        }
    }

    /// The URLs the page itself asked for in a net log (`--log-net-log`): requests whose network isolation key is
    /// the file's (the browser's own requests have another), other than the file.
    static func pageRequests(_ log: URL) throws -> [String] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: log)) as? [String: Any]
        var urls: Set<String> = []
        for event in json?["events"] as? [[String: Any]] ?? [] {
            guard let parameters = event["params"] as? [String: Any], let url = parameters["url"] as? String,
                let key = parameters["network_isolation_key"] as? String, key.hasPrefix("file://"),
                !url.hasPrefix("file:")
            else { continue }
            urls.insert(url)
        }
        return urls.sorted()
    }
}

/// What in an HTML file would make a browser load something: looked for in the markup (tags and the style sheet),
/// not in the text, where a finding's detail may well name a URL.
enum Offline {
    static func problems(_ html: String) -> [String] {
        var problems: [String] = []
        var markup = DOM.matches(#"(<[^>]*>)"#, in: html).map { $0[0] }
        markup += DOM.matches(#"<style[^>]*>([^<]*)</style>"#, in: html).map { $0[0] }
        for piece in markup {
            let lower = piece.lowercased()
            for forbidden in [
                "<script", "<link", "<iframe", "<object", "<embed", "src=", "url(", "@import", "http:",
                "https:", "//",
            ]
            where lower.contains(forbidden) {
                problems.append("\(forbidden) in \(piece.prefix(80))")
            }
            for href in DOM.matches(#"href="([^"]*)""#, in: piece) where !href[0].hasPrefix("#") {
                problems.append("href to \(href[0])")
            }
        }
        return problems
    }
}

/// Reading a serialized DOM with regular expressions: enough for the attributes the report puts on purpose.
enum DOM {
    /// The capture groups of every match of `pattern`.
    static func matches(_ pattern: String, in text: String) -> [[String]] {
        guard let expression = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators])
        else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return expression.matches(in: text, range: range).map { match in
            (1..<match.numberOfRanges).map { index in
                Range(match.range(at: index), in: text).map { String(text[$0]) } ?? ""
            }
        }
    }

    /// The outer HTML of the first `<tag id="id">` (not nested in a tag of its own name).
    static func element(_ tag: String, id: String, in html: String) -> String? {
        guard let start = html.range(of: "<\(tag) id=\"\(id)\"") else { return nil }
        guard let end = html.range(of: "</\(tag)>", range: start.upperBound..<html.endIndex) else { return nil }
        return String(html[start.lowerBound..<end.upperBound])
    }
}
