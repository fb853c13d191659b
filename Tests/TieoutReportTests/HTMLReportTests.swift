import Foundation
import Testing
import TieoutRecon
import TieoutReport

/// The renderer on hand-made data: escaping, exact amounts, the charts with one and two currencies, and nothing
/// that would load from elsewhere.
@Suite("HTML report renderer")
struct HTMLReportTests {
    static func finding(
        _ number: Int, _ category: String = "HEADER_AMOUNT_MISMATCH", amount: String? = "12.50",
        currency: String? = "USD", detail: String? = nil, contract: String? = "PC-001", customer: String? = "Contoso"
    ) -> ReportData.Finding {
        ReportData.Finding(
            findingNo: number, findingKey: "key\(number)", category: category, severity: "E",
            invoicenumber: "INV-\(number)", amount: amount, currency: currency, detail: detail, contract: contract,
            customerAccount: customer.map { _ in "C-001" }, customerName: customer)
    }

    static func data(
        categories: [ReportData.CategoryMoney], money: [ReportData.Money], findings: [ReportData.Finding] = []
    ) -> ReportData {
        ReportData(
            run: .init(
                runID: 7, asOf: "2026-12-02 16:44:07+00", kind: "full", findings: findings.count, errors: 2,
                warnings: 1, newFindings: 3, resolved: 4),
            generatedAt: "2026-12-02 17:00:00+00", money: money, categories: categories,
            aging: [.init(bucket: "0-1", findings: 2, errors: 2, money: money), .init(bucket: "1-3", findings: 0)],
            trend: [
                .init(runID: 6, label: "2026-12-01 16:44", errors: 1, warnings: 0, money: money),
                .init(runID: 7, label: "2026-12-02 16:44", errors: 2, warnings: 1, money: money),
            ],
            pipeline: [.init(step: "confirmed", invoices: 10), .init(step: "proposal", invoices: 9)],
            findings: findings)
    }

    /// How often `needle` occurs in `html`.
    static func count(_ needle: String, in html: String) -> Int {
        html.components(separatedBy: needle).count - 1
    }

    @Test func textFromTheDatabaseIsEscaped() {
        let html = HTMLReport.render(
            Self.data(
                categories: [], money: [],
                findings: [
                    Self.finding(
                        1, detail: "<script>alert(1)</script> & \"quoted\" 'single'", contract: "PC-<1>",
                        customer: "A&B <Ltd>")
                ]))
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quoted&quot; &#39;single&#39;"))
        #expect(html.contains("A&amp;B &lt;Ltd&gt;"))
        #expect(html.contains("data-contract=\"PC-&lt;1&gt;\""))
        #expect(!html.contains("A&B"))
    }

    @Test func amountsArePrintedExactlyWithOnlyThousandsSeparatorsAdded() {
        let html = HTMLReport.render(
            Self.data(
                categories: [
                    .init(category: "HEADER_AMOUNT_MISMATCH", currency: "EUR", amount: "1234567.89", findings: 1)
                ],
                money: [.init(currency: "EUR", amount: "1234567.89"), .init(currency: "USD", amount: "0.10")],
                findings: [Self.finding(1, amount: "0.10"), Self.finding(2, amount: "1234567.89", currency: "EUR")]))
        #expect(html.contains("<td class=\"money\" data-currency=\"EUR\" data-amount=\"1234567.89\">1,234,567.89</td>"))
        #expect(html.contains("<td class=\"money\" data-currency=\"USD\" data-amount=\"0.10\">0.10</td>"))
        #expect(html.contains("data-amount=\"0.10\" data-currency=\"USD\">USD 0.10</td>"))
        #expect(html.contains("data-amount=\"1234567.89\" data-currency=\"EUR\">EUR 1,234,567.89</td>"))
        #expect(!html.contains("1234567.9"))
        #expect(!html.contains("0.1<"))
    }

    @Test func headlineFiguresAndSignoff() {
        var data = Self.data(categories: [], money: [])
        var html = HTMLReport.render(data)
        #expect(html.contains("<span class=\"figure\" id=\"errors\">2</span>"))
        #expect(html.contains("<span class=\"figure\" id=\"warnings\">1</span>"))
        #expect(html.contains("<span class=\"figure\" id=\"new-findings\">3</span>"))
        #expect(html.contains("<span class=\"figure\" id=\"resolved\">4</span>"))
        #expect(html.contains("<div id=\"signoff\" class=\"card signoff unsigned\" data-status=\"not-signed\">"))
        data.signoff = .init(
            runID: 7, signedBy: "anna <controller>", signedAt: "2026-12-03 09:00:00+00", note: "ok & done")
        html = HTMLReport.render(data)
        #expect(html.contains("data-status=\"signed\" data-signed-by=\"anna &lt;controller&gt;\""))
        #expect(html.contains("by anna &lt;controller&gt; at 2026-12-03 09:00:00+00"))
        #expect(html.contains("ok &amp; done"))
    }

    @Test func theCategoryChartWithOneCurrency() throws {
        let html = HTMLReport.render(
            Self.data(
                categories: [
                    .init(category: "WIP_NOT_REVERSED", currency: "USD", amount: "1335.00", findings: 1),
                    .init(category: "UNBALANCED_VOUCHER", currency: "USD", amount: "0.01", findings: 1),
                ],
                money: [.init(currency: "USD", amount: "1335.01")]))
        let chart = try #require(Self.element("chart-categories", in: html))
        #expect(Self.count("<rect class=\"bar\"", in: chart) == 2)
        // The largest bar spans the bar area (680 px); the other is at least 2 px, never zero.
        #expect(chart.contains("data-amount=\"1335.00\" x=\"300\" y=\"36\" width=\"680\""))
        #expect(chart.contains("data-amount=\"0.01\" x=\"300\" y=\"62\" width=\"2\""))
        #expect(chart.contains(">USD 1,335.00</text>"))
        #expect(Self.count(">USD</text>", in: chart) == 1)
    }

    @Test func theCategoryChartWithTwoCurrenciesScalesEachOnItsOwn() throws {
        let html = HTMLReport.render(
            Self.data(
                categories: [
                    .init(category: "WIP_NOT_REVERSED", currency: "EUR", amount: "10.00", findings: 1),
                    .init(category: "BILLED_SALES_NOT_STAGED", currency: "USD", amount: "18680", findings: 2),
                    .init(category: "CONTROL_TOTAL_MISMATCH", currency: "USD", amount: "9340", findings: 3),
                ],
                money: [.init(currency: "EUR", amount: "10.00"), .init(currency: "USD", amount: "28020")]))
        let chart = try #require(Self.element("chart-categories", in: html))
        #expect(Self.count("<rect class=\"bar\"", in: chart) == 3)
        #expect(Self.count("data-currency=\"EUR\"", in: chart) == 1)
        #expect(Self.count("data-currency=\"USD\"", in: chart) == 2)
        // 10 EUR and 18,680 USD are both the largest of their currency: full length; 9,340 USD half.
        #expect(chart.contains("data-amount=\"10.00\" x=\"300\" y=\"36\" width=\"680\""))
        #expect(chart.contains("data-currency=\"USD\" data-amount=\"18680\" x=\"300\" y=\"116\" width=\"680\""))
        #expect(chart.contains("data-currency=\"USD\" data-amount=\"9340\" x=\"300\" y=\"142\" width=\"340\""))
        #expect(chart.contains(">EUR</text>") && chart.contains(">USD</text>"))
        // The trend has one panel per currency.
        let trend = try #require(Self.element("chart-trend", in: html))
        #expect(trend.contains(">Money at stake, EUR</text>"))
        #expect(trend.contains(">Money at stake, USD</text>"))
    }

    @Test func everyChartIsThereAndTheFindingsAreGroupedByCustomerAndContract() throws {
        let html = HTMLReport.render(
            Self.data(
                categories: [], money: [],
                findings: [
                    Self.finding(2, contract: "PC-001"), Self.finding(5, contract: "PC-002"),
                    Self.finding(1, contract: nil, customer: nil),
                ]))
        for id in ["chart-categories", "chart-aging", "chart-funnel", "chart-trend"] {
            #expect(Self.element(id, in: html) != nil, "\(id)")
        }
        #expect(Self.count("<tr class=\"finding ", in: html) == 3)
        #expect(html.contains("<tr class=\"finding sev-e\" data-finding-no=\"5\" data-finding-key=\"key5\""))
        #expect(Self.count("<section class=\"customer\"", in: html) == 2)
        #expect(Self.count("<table class=\"findings\"", in: html) == 3)
        #expect(html.contains("No customer"))
        #expect(html.contains("<caption>No contract</caption>"))
        var inFlight = Self.finding(3)
        inFlight.category = "IN_FLIGHT"
        inFlight.underlyingCategory = "WIP_NOT_REVERSED"
        let flying = HTMLReport.render(Self.data(categories: [], money: [], findings: [inFlight]))
        #expect(flying.contains("IN_FLIGHT<span class=\"age\">becomes WIP_NOT_REVERSED</span>"))
        let funnel = try #require(Self.element("chart-funnel", in: html))
        #expect(funnel.contains(">9 (90 %)</text>"))
    }

    @Test func thePageLoadsNothingAndRunsNothing() {
        let html = HTMLReport.render(
            Self.data(
                categories: [.init(category: "X", currency: "USD", amount: "1", findings: 1)],
                money: [.init(currency: "USD", amount: "1")], findings: [Self.finding(1)]))
        for forbidden in ["<script", "<link", "src=", "url(", "@import", "http:", "https:", "<iframe", "<img"] {
            #expect(!html.lowercased().contains(forbidden), "\(forbidden)")
        }
        #expect(!html.contains("href="))
    }

    /// The text of `<svg id="…">…</svg>`.
    static func element(_ id: String, in html: String) -> String? {
        guard let start = html.range(of: "<svg id=\"\(id)\"") else { return nil }
        guard let end = html.range(of: "</svg>", range: start.upperBound..<html.endIndex) else { return nil }
        return String(html[start.lowerBound..<end.upperBound])
    }
}
