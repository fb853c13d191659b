import TieoutRecon

/// The accountants' page of one reconciliation run: a single self-contained HTML document (inline CSS and inline
/// SVG, no script, no link to anything outside it) that reads the same without JavaScript.
///
/// Every figure tests look for has a stable attribute: `#errors`, `#warnings`, `#new-findings`, `#resolved`,
/// `td.money[data-currency]`, `#signoff`, the charts `svg#chart-categories`, `#chart-aging`, `#chart-funnel`,
/// `#chart-trend` with their `rect.bar`, and one `tr.finding[data-finding-no][data-finding-key]` per finding. Every
/// text that comes from the database is HTML-escaped; amounts are printed from their exact text.
public enum HTMLReport {
    /// The page of `data`.
    public static func render(_ data: ReportData) -> String {
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Reconciliation run \(data.run.runID) as of \(Text.escape(data.run.asOf))</title>
            <style>\(stylesheet)</style>
            </head>
            <body>
            <main>

            """
        page += header(data)
        page += headline(data)
        page += section(
            "Money at stake per category", id: "categories",
            note: "Sum of the findings' amount per category, one scale per currency (currencies are never added).",
            Charts.categories(data))
        page += "<div class=\"columns\">\n"
        page += section(
            "Aging", id: "aging",
            note: "The run's findings by age: days from the record's last change to the run's as-of.",
            Charts.aging(data) + agingTable(data))
        page += section(
            "Invoice pipeline", id: "pipeline",
            note: "Proformas that reached each step, read live from Dataverse and F&O when the report was made.",
            Charts.funnel(data))
        page += "</div>\n"
        page += section(
            "Trend", id: "trend",
            note: "This run and up to \(trendLength - 1) earlier runs of its scope, in as-of order.",
            Charts.trend(data))
        page += findings(data)
        page += """
            <footer>Made by tieout recon report --html at \(Text.escape(data.generatedAt)). \
            This file is self-contained: \
            it loads nothing else and runs no script.</footer>
            </main>
            </body>
            </html>

            """
        return page
    }

    /// How many runs the trend shows, this one included.
    public static let trendLength = 30

    static func header(_ data: ReportData) -> String {
        let run = data.run
        var facts = ["as of \(run.asOf)"]
        if let kind = run.kind { facts.append("\(kind) run") }
        facts.append(run.legalEntity.map { "legal entity \($0)" } ?? "all legal entities")
        facts.append("\(Charts.count(run.findings, "finding")), \(run.infos) information, \(run.inFlight) in flight")
        return """
            <header>
            <h1>Reconciliation run <span id="run-id">\(run.runID)</span></h1>
            <p class="meta">\(Text.escape(facts.joined(separator: " · ")))</p>
            </header>

            """
    }

    static func headline(_ data: ReportData) -> String {
        let run = data.run
        func card(_ id: String, _ value: Int, _ caption: String, _ style: String) -> String {
            "<div class=\"card \(style)\"><span class=\"figure\" id=\"\(id)\">\(value)</span>"
                + "<span class=\"caption\">\(caption)</span></div>\n"
        }
        var html = "<section id=\"headline\" class=\"cards\">\n"
        html += card("errors", run.errors, "errors", run.errors > 0 ? "bad" : "good")
        html += card("warnings", run.warnings, "warnings", run.warnings > 0 ? "warn" : "good")
        html += card("new-findings", run.newFindings, "new since the last run", "plain")
        html += card("resolved", run.resolved, "resolved since the last run", "plain")
        html += "<div class=\"card money-card\"><span class=\"caption\">money at stake</span>"
        if data.money.isEmpty {
            html += "<p class=\"none\">none</p>"
        } else {
            html += "<table class=\"money-table\"><tbody>"
            for money in data.money {
                html +=
                    "<tr><th>\(Text.escape(money.currency))</th><td class=\"money\" "
                    + "data-currency=\"\(Text.escape(money.currency))\" data-amount=\"\(Text.escape(money.amount))\">"
                    + "\(Text.escape(Text.grouped(money.amount)))</td></tr>"
            }
            html += "</tbody></table>"
        }
        html += "</div>\n"
        html += signoff(data.signoff)
        html += "</section>\n"
        return html
    }

    static func signoff(_ signoff: ReportData.Signoff?) -> String {
        guard let signoff else {
            return "<div id=\"signoff\" class=\"card signoff unsigned\" data-status=\"not-signed\">"
                + "<span class=\"figure\">Not signed off</span><span class=\"caption\">sign-off</span></div>\n"
        }
        var html =
            "<div id=\"signoff\" class=\"card signoff signed\" data-status=\"signed\" "
            + "data-signed-by=\"\(Text.escape(signoff.signedBy))\"><span class=\"figure\">Signed off</span>"
            + "<span class=\"caption\">by \(Text.escape(signoff.signedBy)) at \(Text.escape(signoff.signedAt))</span>"
        if let note = signoff.note, !note.isEmpty { html += "<span class=\"note\">\(Text.escape(note))</span>" }
        return html + "</div>\n"
    }

    static func section(_ title: String, id: String, note: String, _ content: String) -> String {
        """
        <section id="\(id)">
        <h2>\(Text.escape(title))</h2>
        <p class="note">\(Text.escape(note))</p>
        \(content)
        </section>

        """
    }

    static func agingTable(_ data: ReportData) -> String {
        var html =
            "<table class=\"aging\"><thead><tr><th>age (days)</th><th>findings</th><th>errors</th>"
            + "<th>money at stake</th></tr></thead><tbody>"
        for bucket in data.aging {
            let money = bucket.money.map { "\(Text.escape($0.currency)) \(Text.escape(Text.grouped($0.amount)))" }
            html +=
                "<tr data-bucket=\"\(Text.escape(bucket.bucket))\"><td>\(Text.escape(bucket.bucket))</td>"
                + "<td class=\"number\">\(bucket.findings)</td><td class=\"number\">\(bucket.errors)</td>"
                + "<td class=\"number\">\(money.isEmpty ? "–" : money.joined(separator: "<br>"))</td></tr>"
        }
        return html + "</tbody></table>"
    }
}
