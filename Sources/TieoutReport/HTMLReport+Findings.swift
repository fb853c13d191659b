extension HTMLReport {
    /// The findings grouped by customer, then contract, each a table row with its keys, money and review.
    static func findings(_ data: ReportData) -> String {
        var html = "<section id=\"findings\">\n<h2>Findings</h2>\n"
        guard !data.findings.isEmpty else {
            return html + "<p class=\"none\">This run has no findings.</p>\n</section>\n"
        }
        var statusCounts: [String: Int] = [:]
        for finding in data.findings { statusCounts[finding.review.status, default: 0] += 1 }
        let statuses =
            data.reviewStatuses + statusCounts.keys.filter { !data.reviewStatuses.contains($0) }.sorted()
        html += "<p class=\"review-summary\">Review: "
        html += statuses.map { status in
            "<span class=\"status status-\(cssName(status))\" data-review-status=\"\(Text.escape(status))\">"
                + "\(Text.escape(status)) <b>\(statusCounts[status] ?? 0)</b></span>"
        }.joined(separator: " ")
        html += "</p>\n"

        for customer in groups(data.findings, by: { customerKey($0) }) {
            let first = customer[0]
            let name = first.customerName ?? first.customerAccount ?? "No customer"
            html +=
                "<section class=\"customer\" data-customer=\"\(Text.escape(first.customerAccount ?? ""))\">\n"
                + "<h3>\(Text.escape(name))"
            if first.customerName != nil, let account = first.customerAccount {
                html += " <span class=\"account\">\(Text.escape(account))</span>"
            }
            html += " <span class=\"count\">\(Charts.count(customer.count, "finding"))</span></h3>\n"
            for contract in groups(customer, by: { $0.contract ?? "" }) {
                html += table(contract)
            }
            html += "</section>\n"
        }
        return html + "</section>\n"
    }

    static func customerKey(_ finding: ReportData.Finding) -> String {
        "\(finding.customerAccount ?? "")\u{1F}\(finding.customerName ?? "")"
    }

    /// Consecutive runs of elements with the same key, in their order.
    static func groups<Key: Equatable>(
        _ findings: some Sequence<ReportData.Finding>, by key: (ReportData.Finding) -> Key
    ) -> [[ReportData.Finding]] {
        var result: [[ReportData.Finding]] = []
        var current: Key?
        for finding in findings {
            let value = key(finding)
            if let current, current == value {
                result[result.count - 1].append(finding)
            } else {
                result.append([finding])
            }
            current = value
        }
        return result
    }

    static func table(_ findings: [ReportData.Finding]) -> String {
        let first = findings[0]
        var caption = first.contract.map { "Contract \(Text.escape($0))" } ?? "No contract"
        let projects = Array(Set(findings.compactMap(\.project))).sorted()
        if !projects.isEmpty {
            caption += " · project \(projects.map(Text.escape).joined(separator: ", "))"
        }
        var html =
            "<table class=\"findings\" data-contract=\"\(Text.escape(first.contract ?? ""))\">"
            + "<caption>\(caption)</caption>"
            + "<thead><tr><th class=\"no\">#</th><th>sev.</th><th>category</th><th>keys</th>"
            + "<th class=\"number\">amount</th><th>detail</th><th>review</th></tr></thead><tbody>\n"
        for finding in findings { html += row(finding) }
        return html + "</tbody></table>\n"
    }

    static func row(_ finding: ReportData.Finding) -> String {
        let keys: [(String, String, String?)] = [
            ("invoicenumber", "invoice", finding.invoicenumber), ("proposalid", "proposal", finding.proposalid),
            ("actualid", "actual", finding.actualid), ("transid", "transid", finding.transid),
            ("voucher", "voucher", finding.voucher),
        ]
        let keyText = keys.compactMap { column, label, value in
            value.map {
                "<span class=\"key\" data-key=\"\(column)\"><i>\(label)</i> \(Text.escape($0))</span>"
            }
        }
        let amount: String
        if let value = finding.amount {
            amount =
                "<td class=\"number amount\" data-amount=\"\(Text.escape(value))\" "
                + "data-currency=\"\(Text.escape(finding.currency ?? ""))\">"
                + "\(Text.escape(finding.currency ?? "")) \(Text.escape(Text.grouped(value)))</td>"
        } else {
            amount = "<td class=\"number amount\">–</td>"
        }
        let review = finding.review
        var reviewText =
            "<span class=\"status status-\(cssName(review.status))\">\(Text.escape(review.status))</span>"
        if let assignee = review.assignee { reviewText += "<span class=\"who\">→ \(Text.escape(assignee))</span>" }
        if let note = review.note { reviewText += "<span class=\"review-note\">\(Text.escape(note))</span>" }
        if let by = review.reviewedBy {
            let at = review.reviewedAt.map { ", \(Text.escape($0))" } ?? ""
            reviewText += "<span class=\"who\">by \(Text.escape(by))\(at)</span>"
        }
        let severityName = ["E": "error", "W": "warning", "I": "information"][finding.severity] ?? finding.severity
        return
            "<tr class=\"finding sev-\(cssName(finding.severity))\" data-finding-no=\"\(finding.findingNo)\" "
            + "data-finding-key=\"\(Text.escape(finding.findingKey))\" "
            + "data-review-status=\"\(Text.escape(review.status))\">"
            + "<td class=\"no\">\(finding.findingNo)</td>"
            + "<td><span class=\"severity\" title=\"\(Text.escape(severityName))\">"
            + "\(Text.escape(finding.severity))</span></td>"
            + "<td class=\"category\">\(Text.escape(finding.category))"
            + (finding.underlyingCategory.map { "<span class=\"age\">becomes \(Text.escape($0))</span>" } ?? "")
            + "<span class=\"age\">\(finding.isNew ? "<b>new</b> · " : "")"
            + "age \(Text.escape(finding.ageDays)) d</span></td>"
            + "<td class=\"keys\">\(keyText.joined())</td>"
            + amount
            + "<td class=\"detail\">\(Text.escape(finding.detail ?? ""))</td>"
            + "<td class=\"review\">\(reviewText)</td></tr>\n"
    }

    /// A name safe in a class attribute: letters, digits and `-`.
    static func cssName(_ text: String) -> String {
        String(text.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" })
    }

    static let stylesheet = """

        :root { color-scheme: light; }
        * { box-sizing: border-box; }
        body { margin: 0; background: #f4f5f7; color: #1f2937;
          font: 14px/1.45 "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif; }
        main { max-width: 1220px; margin: 0 auto; padding: 24px 30px 40px; }
        h1 { font-size: 26px; margin: 0 0 4px; }
        h2 { font-size: 18px; margin: 0 0 2px; }
        h3 { font-size: 16px; margin: 22px 0 8px; }
        .meta, .note, footer { color: #6b7280; }
        .note { margin: 0 0 12px; font-size: 13px; }
        section { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 16px 20px;
          margin: 16px 0; }
        section section { border: none; padding: 0; margin: 0; }
        .columns { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
        .columns > section { margin: 0; }
        .cards { display: flex; gap: 12px; background: none; border: none; padding: 0; }
        .card { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 12px 16px;
          flex: 1 1 0; min-width: 0; display: flex; flex-direction: column; }
        .card .figure { font-size: 30px; font-weight: bold; line-height: 1.1; }
        .card .caption { color: #6b7280; font-size: 12px; }
        .card.bad { border-top: 4px solid #dc2626; } .card.bad .figure { color: #dc2626; }
        .card.warn { border-top: 4px solid #d97706; } .card.warn .figure { color: #b45309; }
        .card.good { border-top: 4px solid #16a34a; }
        .card.plain { border-top: 4px solid #9ca3af; }
        .money-card { border-top: 4px solid #2563eb; flex-grow: 1.5; }
        .money-table { border-collapse: collapse; margin-top: 4px; }
        .money-table th { text-align: left; padding: 1px 12px 1px 0; color: #6b7280; font-weight: normal; }
        .money-table td { text-align: right; font-size: 18px; font-weight: bold; font-variant-numeric: tabular-nums; }
        .signoff .figure { font-size: 20px; }
        .signoff.signed { border-top: 4px solid #16a34a; } .signoff.signed .figure { color: #15803d; }
        .signoff.unsigned { border-top: 4px solid #9ca3af; } .signoff.unsigned .figure { color: #4b5563; }
        .signoff { flex-grow: 2.2; }
        .signoff .note { font-size: 12px; margin: 0; }
        svg.chart { display: block; max-width: 100%; height: auto; }
        svg text { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 12px; fill: #374151; }
        svg text.group { font-size: 13px; font-weight: bold; fill: #111827; }
        svg text.tick { font-size: 11px; fill: #6b7280; }
        svg text.value { font-size: 12px; fill: #111827; }
        svg text.inbar { font-size: 13px; font-weight: bold; fill: #fff; }
        svg text.empty { fill: #6b7280; }
        svg line.grid { stroke: #e5e7eb; stroke-width: 1; }
        svg line.axis { stroke: #9ca3af; stroke-width: 1; }
        table.aging { border-collapse: collapse; margin-top: 8px; width: 100%; font-size: 13px; }
        table.aging th, table.aging td { border-bottom: 1px solid #e5e7eb; padding: 3px 8px; text-align: left; }
        td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
        .review-summary .status { margin-right: 6px; }
        table.findings { width: 100%; border-collapse: collapse; margin: 4px 0 16px; font-size: 12.5px;
          table-layout: fixed; }
        table.findings caption { text-align: left; font-weight: bold; padding: 4px 0; color: #374151; }
        table.findings th { text-align: left; background: #f3f4f6; padding: 5px 6px; font-size: 12px; }
        table.findings td { border-top: 1px solid #e5e7eb; padding: 5px 6px; vertical-align: top;
          overflow-wrap: anywhere; }
        table.findings th.no { width: 36px; } table.findings th:nth-child(2) { width: 40px; }
        table.findings th:nth-child(3) { width: 250px; } table.findings th:nth-child(4) { width: 292px; }
        table.findings th:nth-child(5) { width: 105px; } table.findings th:nth-child(7) { width: 170px; }
        td.category { font-size: 11.5px; overflow-wrap: normal; }
        td.category .age { display: block; color: #6b7280; font-size: 11px; }
        td.keys .key { display: block; white-space: nowrap; font-size: 10.5px;
          font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; }
        td.keys .key i { font-family: "DejaVu Sans", Arial, sans-serif; font-style: normal; color: #6b7280;
          display: inline-block; width: 56px; }
        .severity { display: inline-block; width: 22px; text-align: center; border-radius: 4px; font-weight: bold;
          color: #fff; background: #6b7280; }
        tr.sev-e .severity { background: #dc2626; } tr.sev-w .severity { background: #d97706; }
        tr.sev-i .severity { background: #2563eb; }
        .status { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 11.5px; background: #e5e7eb; }
        .status-open { background: #fee2e2; color: #991b1b; }
        .status-investigating { background: #fef3c7; color: #92400e; }
        .status-explained { background: #dbeafe; color: #1e40af; }
        .status-fixed-awaiting-sync { background: #e0e7ff; color: #3730a3; }
        .status-false-positive { background: #dcfce7; color: #166534; }
        td.review .who, td.review .review-note { display: block; font-size: 11.5px; color: #4b5563; }
        .account, .count { color: #6b7280; font-weight: normal; font-size: 13px; margin-left: 6px; }
        .none { color: #6b7280; }
        footer { font-size: 12px; margin-top: 24px; }
        @media print { body { background: #fff; } section { break-inside: avoid; } }

        """
}
