import Foundation

/// A matrix of counts as a standalone SVG heat map (a confusion matrix: rows the true class,
/// columns the predicted one), each cell shaded by its share of its row and labelled with its count.
public struct HeatMap: Sendable, Equatable {
    public var title: String
    public var rowLabel: String
    public var columnLabel: String
    public var labels: [String]
    public var counts: [[Int]]

    public init(title: String, rowLabel: String, columnLabel: String, labels: [String], counts: [[Int]]) {
        (self.title, self.rowLabel, self.columnLabel, self.labels, self.counts) = (title, rowLabel, columnLabel, labels, counts)
    }

    public func svg(cell: Double = 34) -> String {
        let n = labels.count, longest = Double(labels.map(\.count).max() ?? 1) * 6.5
        let left = 30 + longest, top = 46 + longest, size = Double(n) * cell
        let width = left + size + 20, height = top + size + 20
        let f = ChartText.f
        var svg = ChartText.opening(width: width, height: height, title: title) + """
            <text x="\(f(left + size / 2))" y="20" text-anchor="middle" font-size="15" font-weight="bold">\(ChartText.escape(title))</text>
            <text x="\(f(left + size / 2))" y="38" text-anchor="middle" font-size="11" fill="#555">\(ChartText.escape(columnLabel)) →</text>
            <text transform="translate(12 \(f(top + size / 2))) rotate(-90)" text-anchor="middle" font-size="11" fill="#555">\(ChartText.escape(rowLabel)) →</text>

            """
        for (index, label) in labels.enumerated() {
            let centre = Double(index) * cell + cell / 2
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(top + centre + 4))\" text-anchor=\"end\" font-size=\"11\">\(ChartText.escape(label))</text>"
            svg += "<text transform=\"translate(\(f(left + centre + 4)) \(f(top - 6))) rotate(-90)\" font-size=\"11\">\(ChartText.escape(label))</text>\n"
        }
        for (row, values) in counts.enumerated() {
            let total = max(values.reduce(0, +), 1)
            for (column, count) in values.enumerated() {
                let share = Double(count) / Double(total)
                // Blue on the diagonal, red off it, lighter for smaller shares.
                let (r, g, b) = row == column ? (1 - share * 0.85, 1 - share * 0.6, 1.0) : (1.0, 1 - share * 0.8, 1 - share * 0.8)
                let fill = String(format: "#%02x%02x%02x", Int(r * 255), Int(g * 255), Int(b * 255))
                let x = left + Double(column) * cell, y = top + Double(row) * cell
                svg += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell))\" height=\"\(f(cell))\" fill=\"\(fill)\" stroke=\"white\"><title>\(ChartText.escape(labels[row])) → \(ChartText.escape(labels[column])): \(count)</title></rect>"
                if count > 0 {
                    svg += "<text x=\"\(f(x + cell / 2))\" y=\"\(f(y + cell / 2 + 4))\" text-anchor=\"middle\" font-size=\"10\" fill=\"\(share > 0.6 ? "white" : "#222")\">\(count)</text>"
                }
            }
            svg += "\n"
        }
        return svg + "</svg>\n"
    }
}
