import TieoutRecon

/// The report's charts as inline SVG, drawn from ``ReportData`` alone (no script, no external resource). Every bar
/// is a `rect` of class `bar` with the values it stands for in `data-` attributes; the figures printed beside bars
/// and on axes are the exact amounts' text.
enum Charts {
    static let colors = ["#2563eb", "#0d9488", "#9333ea", "#ea580c", "#4b5563"]
    static let errorColor = "#dc2626"
    static let warningColor = "#d97706"

    /// An `<svg>` element around `body`, `width` by `height` user units, that scales down to its container.
    static func svg(id: String, width: Int, height: Int, label: String, _ body: String) -> String {
        """
        <svg id="\(id)" class="chart" viewBox="0 0 \(width) \(height)" \
        width="\(width)" height="\(height)" role="img" aria-label="\(Text.escape(label))">\(body)</svg>
        """
    }

    static func text(
        _ content: String, x: Double, y: Double, anchor: String = "start", cssClass: String? = nil
    ) -> String {
        let classAttribute = cssClass.map { " class=\"\($0)\"" } ?? ""
        return "<text x=\"\(Text.px(x))\" y=\"\(Text.px(y))\" text-anchor=\"\(anchor)\"\(classAttribute)>"
            + Text.escape(content) + "</text>"
    }

    static func line(x1: Double, y1: Double, x2: Double, y2: Double, cssClass: String) -> String {
        "<line class=\"\(cssClass)\" x1=\"\(Text.px(x1))\" y1=\"\(Text.px(y1))\" x2=\"\(Text.px(x2))\" "
            + "y2=\"\(Text.px(y2))\"/>"
    }

    // MARK: - Money at stake per category

    /// Horizontal bars of the money at stake per category, one group per currency, each scaled to its own largest
    /// amount: amounts of different currencies are never added or compared.
    static func categories(_ data: ReportData) -> String {
        let width = 1160
        let labelWidth = 300.0
        let valueWidth = 170.0
        let barArea = Double(width) - labelWidth - valueWidth - 10
        let rowHeight = 26.0
        let currencies = orderedCurrencies(data.categories.map(\.currency))
        guard !currencies.isEmpty else {
            return svg(
                id: "chart-categories", width: width, height: 40, label: "No money at stake",
                text("No money at stake in this run.", x: 0, y: 24, cssClass: "empty"))
        }
        var body = ""
        var y = 0.0
        for (index, currency) in currencies.enumerated() {
            let rows = data.categories.filter { $0.currency == currency }
            let largest = Text.largest(rows.map(\.amount))
            let color = colors[index % colors.count]
            y += 22
            body += text("\(currency)", x: 0, y: y, cssClass: "group")
            y += 10
            let top = y
            for step in 0...4 {
                let x = labelWidth + barArea * Double(step) / 4
                body += line(x1: x, y1: top, x2: x, y2: top + rowHeight * Double(rows.count), cssClass: "grid")
            }
            for row in rows {
                let length = max(2, barArea * Text.ratio(row.amount, of: largest))
                body += text(row.category, x: labelWidth - 8, y: y + 17, anchor: "end", cssClass: "label")
                body +=
                    "<rect class=\"bar\" data-category=\"\(Text.escape(row.category))\" "
                    + "data-currency=\"\(Text.escape(currency))\" data-amount=\"\(Text.escape(row.amount))\" "
                    + "x=\"\(Text.px(labelWidth))\" y=\"\(Text.px(y + 4))\" width=\"\(Text.px(length))\" "
                    + "height=\"\(Text.px(rowHeight - 8))\" fill=\"\(color)\"><title>"
                    + Text.escape("\(row.category): \(currency) \(row.amount) (\(count(row.findings, "finding")))")
                    + "</title></rect>"
                body += text(
                    "\(currency) \(Text.grouped(row.amount))", x: labelWidth + length + 6, y: y + 17,
                    cssClass: "value")
                y += rowHeight
            }
            body += line(x1: labelWidth, y1: y, x2: labelWidth + barArea, y2: y, cssClass: "axis")
            body += text("0", x: labelWidth, y: y + 15, anchor: "middle", cssClass: "tick")
            body += text(
                "\(currency) \(Text.grouped(largest))", x: labelWidth + barArea, y: y + 15, anchor: "middle",
                cssClass: "tick")
            y += 22
        }
        return svg(
            id: "chart-categories", width: width, height: Int(y) + 4,
            label: "Money at stake per category and currency", body)
    }

    // MARK: - Aging

    /// Vertical bars of the findings per age bucket (days from the record's last change to the run's as-of).
    static func aging(_ data: ReportData) -> String {
        let width = 560
        let height = 270
        let left = 44.0
        let bottom = Double(height) - 40
        let top = 24.0
        let plotWidth = Double(width) - left - 10
        let largest = data.aging.map(\.findings).max() ?? 0
        let ticks = integerTicks(largest)
        let scaleTop = Double(ticks.last ?? 1)
        var body = yAxis(ticks: ticks, left: left, right: Double(width) - 10, top: top, bottom: bottom)
        let slot = plotWidth / Double(max(1, data.aging.count))
        for (index, bucket) in data.aging.enumerated() {
            let barHeight = (bottom - top) * Double(bucket.findings) / scaleTop
            let x = left + slot * Double(index) + slot * 0.2
            body +=
                "<rect class=\"bar\" data-bucket=\"\(Text.escape(bucket.bucket))\" "
                + "data-findings=\"\(bucket.findings)\" x=\"\(Text.px(x))\" y=\"\(Text.px(bottom - barHeight))\" "
                + "width=\"\(Text.px(slot * 0.6))\" height=\"\(Text.px(barHeight))\" fill=\"\(colors[0])\"><title>"
                + Text.escape("\(bucket.bucket) days: \(count(bucket.findings, "finding"))") + "</title></rect>"
            body += text(
                "\(bucket.findings)", x: x + slot * 0.3, y: bottom - barHeight - 6, anchor: "middle",
                cssClass: "value")
            body += text("\(bucket.bucket) d", x: x + slot * 0.3, y: bottom + 18, anchor: "middle", cssClass: "label")
        }
        body += text("findings", x: 4, y: 14, cssClass: "tick")
        body += text("age in days", x: left + plotWidth / 2, y: Double(height) - 4, anchor: "middle", cssClass: "tick")
        return svg(id: "chart-aging", width: width, height: height, label: "Findings per age bucket", body)
    }

    // MARK: - Invoice pipeline

    /// The invoice pipeline as a funnel: one centred bar per step, as wide as the proformas that reached it.
    static func funnel(_ data: ReportData) -> String {
        let width = 560
        let rowHeight = 44.0
        let height = Int(rowHeight * Double(max(1, data.pipeline.count))) + 16
        let labelWidth = 110.0
        let center = labelWidth + (Double(width) - labelWidth) / 2
        let fullWidth = Double(width) - labelWidth - 20
        let largest = data.pipeline.map(\.invoices).max() ?? 0
        let first = data.pipeline.first?.invoices ?? 0
        var body = ""
        for (index, step) in data.pipeline.enumerated() {
            let y = 8 + rowHeight * Double(index)
            let barWidth = largest == 0 ? 2 : max(2, fullWidth * Double(step.invoices) / Double(largest))
            let share = first == 0 ? "" : " (\(percent(step.invoices, of: first)))"
            body +=
                "<rect class=\"bar\" data-step=\"\(Text.escape(step.step))\" data-invoices=\"\(step.invoices)\" "
                + "x=\"\(Text.px(center - barWidth / 2))\" y=\"\(Text.px(y))\" width=\"\(Text.px(barWidth))\" "
                + "height=\"\(Text.px(rowHeight - 10))\" rx=\"3\" fill=\"\(colors[1])\" "
                + "fill-opacity=\"\(Text.px(1 - 0.12 * Double(index)))\"><title>"
                + Text.escape("\(step.step): \(count(step.invoices, "proforma"))") + "</title></rect>"
            body += text(step.step, x: labelWidth - 8, y: y + 22, anchor: "end", cssClass: "label")
            body += text("\(step.invoices)\(share)", x: center, y: y + 22, anchor: "middle", cssClass: "inbar")
        }
        return svg(id: "chart-funnel", width: width, height: height, label: "Invoice pipeline", body)
    }

    // MARK: - Trend

    /// Errors and warnings over the last runs, then the money at stake of each currency on its own scale, one panel
    /// each, runs in as-of order.
    static func trend(_ data: ReportData) -> String {
        let width = 1160
        let left = 150.0
        let right = Double(width) - 20
        let panelHeight = 150.0
        let gap = 46.0
        let points = data.trend
        let currencies = orderedCurrencies(points.flatMap { $0.money.map(\.currency) })
        func x(_ index: Int) -> Double {
            points.count <= 1 ? (left + right) / 2 : left + (right - left) * Double(index) / Double(points.count - 1)
        }
        var body = ""
        var top = 28.0
        // Counts.
        let ticks = integerTicks(points.map { max($0.errors, $0.warnings) }.max() ?? 0)
        let scaleTop = Double(ticks.last ?? 1)
        body += text("Findings per run", x: 0, y: top - 10, cssClass: "group")
        body += yAxis(ticks: ticks, left: left, right: right, top: top, bottom: top + panelHeight)
        for (series, color, value) in [
            ("errors", errorColor, { (point: ReportData.TrendPoint) in point.errors }),
            ("warnings", warningColor, { (point: ReportData.TrendPoint) in point.warnings }),
        ] {
            let coordinates = points.enumerated().map { index, point in
                (x(index), top + panelHeight - panelHeight * Double(value(point)) / scaleTop, value(point), point)
            }
            body += polyline(coordinates.map { ($0.0, $0.1) }, color: color, series: series)
            for (px, py, number, point) in coordinates {
                body +=
                    "<circle class=\"point\" data-series=\"\(series)\" data-run=\"\(point.runID)\" "
                    + "data-value=\"\(number)\" cx=\"\(Text.px(px))\" cy=\"\(Text.px(py))\" r=\"3.5\" "
                    + "fill=\"\(color)\"><title>" + Text.escape("run \(point.runID): \(number) \(series)")
                    + "</title></circle>"
            }
        }
        body += legend([("errors", errorColor), ("warnings", warningColor)], x: 0, y: top + 20)
        top += panelHeight + gap
        // Money, one panel per currency.
        for (index, currency) in currencies.enumerated() {
            let color = colors[index % colors.count]
            let amounts = points.map { point in point.money.first { $0.currency == currency }?.amount ?? "0" }
            let largest = Text.largest(amounts)
            body += text("Money at stake, \(currency)", x: 0, y: top - 10, cssClass: "group")
            for step in 0...4 {
                let y = top + panelHeight * Double(step) / 4
                body += line(x1: left, y1: y, x2: right, y2: y, cssClass: step == 4 ? "axis" : "grid")
            }
            body += text(
                "\(currency) \(Text.grouped(largest))", x: left - 8, y: top + 4, anchor: "end", cssClass: "tick")
            body += text("0", x: left - 8, y: top + panelHeight + 4, anchor: "end", cssClass: "tick")
            let coordinates = amounts.enumerated().map { position, amount in
                (x(position), top + panelHeight - panelHeight * Text.ratio(amount, of: largest))
            }
            body += polyline(coordinates, color: color, series: currency)
            for (position, (px, py)) in coordinates.enumerated() {
                body +=
                    "<circle class=\"point\" data-series=\"\(Text.escape(currency))\" "
                    + "data-run=\"\(points[position].runID)\" data-amount=\"\(Text.escape(amounts[position]))\" "
                    + "cx=\"\(Text.px(px))\" cy=\"\(Text.px(py))\" r=\"3.5\" fill=\"\(color)\"><title>"
                    + Text.escape("run \(points[position].runID): \(currency) \(amounts[position])")
                    + "</title></circle>"
            }
            top += panelHeight + gap
        }
        // Run labels under the last panel: every run when they fit, else about ten.
        let every = max(1, Int((Double(points.count) / 10).rounded(.up)))
        for (index, point) in points.enumerated() where index % every == 0 || index == points.count - 1 {
            // The first and last labels lean inwards, so they stay inside the chart.
            let anchor =
                points.count == 1 ? "middle" : index == 0 ? "start" : index == points.count - 1 ? "end" : "middle"
            let offset = anchor == "start" ? -4.0 : anchor == "end" ? 4.0 : 0
            body += text(
                "run \(point.runID)", x: x(index) + offset, y: top - gap + 18, anchor: anchor, cssClass: "label")
            body += text(point.label, x: x(index) + offset, y: top - gap + 32, anchor: anchor, cssClass: "tick")
        }
        return svg(
            id: "chart-trend", width: width, height: Int(top - gap + 42),
            label: "Errors, warnings and money at stake over the last runs", body)
    }

    // MARK: - Pieces

    static func polyline(_ points: [(Double, Double)], color: String, series: String) -> String {
        guard points.count > 1 else { return "" }
        let coordinates = points.map { "\(Text.px($0.0)),\(Text.px($0.1))" }.joined(separator: " ")
        return "<polyline class=\"series\" data-series=\"\(Text.escape(series))\" points=\"\(coordinates)\" "
            + "fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>"
    }

    static func legend(_ entries: [(String, String)], x: Double, y: Double) -> String {
        var body = ""
        for (index, (name, color)) in entries.enumerated() {
            let row = y + 20 * Double(index)
            body += "<rect x=\"\(Text.px(x))\" y=\"\(Text.px(row - 9))\" width=\"12\" height=\"12\" fill=\"\(color)\"/>"
            body += text(name, x: x + 18, y: row + 1, cssClass: "label")
        }
        return body
    }

    /// Horizontal grid lines and labels at `ticks`, the last one at `top`.
    static func yAxis(ticks: [Int], left: Double, right: Double, top: Double, bottom: Double) -> String {
        let highest = Double(ticks.last ?? 1)
        var body = ""
        for tick in ticks {
            let y = bottom - (bottom - top) * Double(tick) / highest
            body += line(x1: left, y1: y, x2: right, y2: y, cssClass: tick == 0 ? "axis" : "grid")
            body += text("\(tick)", x: left - 8, y: y + 4, anchor: "end", cssClass: "tick")
        }
        return body
    }

    /// 0 and round steps (1, 2 or 5 times a power of ten) up to at least `largest`, at most about five.
    static func integerTicks(_ largest: Int) -> [Int] {
        guard largest > 0 else { return [0, 1] }
        var magnitude = 1
        while magnitude * 10 <= largest { magnitude *= 10 }
        var step = magnitude
        for factor in [1, 2, 5, 10] {
            step = max(1, magnitude * factor / 10)
            if largest / step <= 5 { break }
        }
        while largest / step > 5 { step *= 2 }
        let count = (largest + step - 1) / step
        return (0...count).map { $0 * step }
    }

    static func orderedCurrencies(_ currencies: [String]) -> [String] {
        Array(Set(currencies)).sorted()
    }

    static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }

    static func percent(_ part: Int, of whole: Int) -> String {
        "\((part * 100 + whole / 2) / whole) %"
    }
}
