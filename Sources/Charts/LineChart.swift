import Foundation

/// Lines over a shared x axis (training curves: loss by step, a metric by step) as a standalone
/// SVG: nice ticks, a legend, and each series' points marked when it has few of them.
public struct LineChart: Sendable {
    public struct Series: Sendable, Equatable {
        public let name: String
        public let points: [(x: Double, y: Double)]
        /// Dashed (validation beside training).
        public let dashed: Bool

        public init(name: String, points: [(x: Double, y: Double)], dashed: Bool = false) {
            (self.name, self.points, self.dashed) = (name, points.filter { $0.y.isFinite }, dashed)
        }

        public static func == (a: Series, b: Series) -> Bool {
            a.name == b.name && a.dashed == b.dashed && a.points.elementsEqual(b.points) { $0.x == $1.x && $0.y == $1.y }
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        (self.title, self.xLabel, self.yLabel, self.series) = (title, xLabel, yLabel, series)
    }

    public func svg(width: Double = 720, height: Double = 360) -> String {
        let margin = (left: 64.0, right: 170.0, top: 40.0, bottom: 50.0)
        let plotWidth = width - margin.left - margin.right, plotHeight = height - margin.top - margin.bottom
        let all = series.flatMap(\.points)
        let xTicks = ChartText.niceTicks(all.map(\.x).min() ?? 0, all.map(\.x).max() ?? 1)
        let yTicks = ChartText.niceTicks(all.map(\.y).min() ?? 0, all.map(\.y).max() ?? 1)
        let (x0, x1, y0, y1) = (xTicks.first!, xTicks.last!, yTicks.first!, yTicks.last!)
        func px(_ x: Double) -> Double { margin.left + (x - x0) / max(x1 - x0, 1e-12) * plotWidth }
        func py(_ y: Double) -> Double { margin.top + (1 - (y - y0) / max(y1 - y0, 1e-12)) * plotHeight }
        let f = ChartText.f
        var svg = ChartText.opening(width: width, height: height, title: title) + """
            <text x="\(f(margin.left + plotWidth / 2))" y="24" text-anchor="middle" font-size="15" font-weight="bold">\(ChartText.escape(title))</text>

            """
        for tick in xTicks {
            svg += "<line x1=\"\(f(px(tick)))\" y1=\"\(f(margin.top))\" x2=\"\(f(px(tick)))\" y2=\"\(f(margin.top + plotHeight))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(f(px(tick)))\" y=\"\(f(margin.top + plotHeight + 16))\" text-anchor=\"middle\" font-size=\"11\">\(ChartText.format(tick))</text>\n"
        }
        for tick in yTicks {
            svg += "<line x1=\"\(f(margin.left))\" y1=\"\(f(py(tick)))\" x2=\"\(f(margin.left + plotWidth))\" y2=\"\(f(py(tick)))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(f(margin.left - 6))\" y=\"\(f(py(tick) + 4))\" text-anchor=\"end\" font-size=\"11\">\(ChartText.format(tick))</text>\n"
        }
        svg += "<rect x=\"\(f(margin.left))\" y=\"\(f(margin.top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#888\"/>\n"
        svg += "<text x=\"\(f(margin.left + plotWidth / 2))\" y=\"\(f(height - 12))\" text-anchor=\"middle\" font-size=\"12\">\(ChartText.escape(xLabel))</text>\n"
        svg += "<text transform=\"translate(16 \(f(margin.top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">\(ChartText.escape(yLabel))</text>\n"
        for (index, line) in series.enumerated() where !line.points.isEmpty {
            let color = ChartText.palette[index % ChartText.palette.count]
            let path = line.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            svg += "<polyline class=\"series\" points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.6\"\(line.dashed ? " stroke-dasharray=\"5 3\"" : "")/>\n"
            if line.points.count <= 40 {
                for point in line.points { svg += "<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"2.5\" fill=\"\(color)\"/>" }
                svg += "\n"
            }
            let legendY = margin.top + 14 + Double(index) * 18
            svg += "<line x1=\"\(f(width - margin.right + 12))\" y1=\"\(f(legendY - 4))\" x2=\"\(f(width - margin.right + 32))\" y2=\"\(f(legendY - 4))\" stroke=\"\(color)\" stroke-width=\"2\"\(line.dashed ? " stroke-dasharray=\"5 3\"" : "")/>"
            svg += "<text x=\"\(f(width - margin.right + 38))\" y=\"\(f(legendY))\" font-size=\"11\">\(ChartText.escape(line.name))</text>\n"
        }
        return svg + "</svg>\n"
    }
}
