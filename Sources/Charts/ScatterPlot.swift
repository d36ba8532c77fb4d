import Foundation

/// A labelled scatter plot rendered as a standalone SVG: optional log-scaled x axis, nice tick
/// values, labels placed so they do not overlap, and the Pareto front (least x for most y) drawn
/// as a line through its points.
public struct ScatterPlot: Sendable {
    public struct Point: Sendable, Equatable {
        public let label: String
        public let x: Double
        public let y: Double
        public let group: String

        public init(label: String, x: Double, y: Double, group: String) {
            self.label = label
            self.x = x
            self.y = y
            self.group = group
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logX: Bool
    public var points: [Point]

    public init(title: String, xLabel: String, yLabel: String, logX: Bool, points: [Point]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logX = logX
        self.points = points
    }

    /// Indices of the points no other point beats: none has at least the same y for at most the
    /// same x with one of them strictly better. Sorted by x.
    public var paretoFront: [Int] {
        points.indices.filter { i in
            !points.indices.contains { j in
                j != i && points[j].x <= points[i].x && points[j].y >= points[i].y && (points[j].x < points[i].x || points[j].y > points[i].y)
            }
        }.sorted { points[$0].x < points[$1].x }
    }

    /// The SVG document.
    public func svg(width: Double = 960, height: Double = 640) -> String {
        let margin = (left: 70.0, right: 30.0, top: 50.0, bottom: 60.0)
        let plotWidth = width - margin.left - margin.right, plotHeight = height - margin.top - margin.bottom
        let xs = points.map { logX ? log10($0.x) : $0.x }, ys = points.map(\.y)
        let xTicks = logX ? ChartText.decades(xs) : ChartText.niceTicks(xs.min() ?? 0, xs.max() ?? 1)
        let yTicks = ChartText.niceTicks(ys.min() ?? 0, ys.max() ?? 1)
        let (x0, x1) = (xTicks.first!, xTicks.last!), (y0, y1) = (yTicks.first!, yTicks.last!)
        func px(_ value: Double) -> Double { margin.left + (value - x0) / max(x1 - x0, 1e-12) * plotWidth }
        func py(_ value: Double) -> Double { margin.top + (1 - (value - y0) / max(y1 - y0, 1e-12)) * plotHeight }

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(width / 2)" y="28" text-anchor="middle" font-size="18" font-weight="bold">\(ChartText.escape(title))</text>

            """
        for tick in xTicks {
            let x = px(tick)
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(margin.top))\" x2=\"\(f(x))\" y2=\"\(f(margin.top + plotHeight))\" stroke=\"#e4e4e4\"/>\n"
            svg += "<text x=\"\(f(x))\" y=\"\(f(margin.top + plotHeight + 18))\" text-anchor=\"middle\" font-size=\"12\">\(ChartText.format(logX ? pow(10, tick) : tick))</text>\n"
        }
        for tick in yTicks {
            let y = py(tick)
            svg += "<line x1=\"\(f(margin.left))\" y1=\"\(f(y))\" x2=\"\(f(margin.left + plotWidth))\" y2=\"\(f(y))\" stroke=\"#e4e4e4\"/>\n"
            svg += "<text x=\"\(f(margin.left - 8))\" y=\"\(f(y + 4))\" text-anchor=\"end\" font-size=\"12\">\(ChartText.format(tick))</text>\n"
        }
        svg += "<rect x=\"\(f(margin.left))\" y=\"\(f(margin.top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" fill=\"none\" stroke=\"#888\"/>\n"
        svg += "<text x=\"\(f(margin.left + plotWidth / 2))\" y=\"\(f(height - 18))\" text-anchor=\"middle\" font-size=\"14\">\(ChartText.escape(xLabel))</text>\n"
        svg += "<text transform=\"translate(20 \(f(margin.top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\" font-size=\"14\">\(ChartText.escape(yLabel))</text>\n"

        let front = paretoFront
        if front.count > 1 {
            let path = front.map { "\(f(px(xs[$0]))),\(f(py(ys[$0])))" }.joined(separator: " ")
            svg += "<polyline class=\"pareto\" points=\"\(path)\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n"
        }
        let groups = Array(Set(points.map(\.group))).sorted()
        let palette = ["#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#e377c2", "#7f7f7f"]
        // Legend in the lower right (accuracy plots leave it empty); labels keep clear of it and of every point.
        let legendLines = groups.count + (front.count > 1 ? 1 : 0)
        let legend = (x: margin.left + plotWidth - 160, y: margin.top + plotHeight - 10 - 16 * Double(legendLines), w: 156.0, h: 16 * Double(legendLines) + 6)
        var placed: [(x: Double, y: Double, w: Double, h: Double)] = [legend]
        placed += points.indices.map { (x: px(xs[$0]) - 6, y: py(ys[$0]) - 6, w: 12, h: 12) }
        for index in points.indices.sorted(by: { ys[$0] > ys[$1] }) {
            let x = px(xs[index]), y = py(ys[index]), onFront = front.contains(index)
            let color = palette[(groups.firstIndex(of: points[index].group) ?? 0) % palette.count]
            svg += "<circle class=\"point\(onFront ? " pareto" : "")\" cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(onFront ? 6 : 5)\" fill=\"\(color)\" stroke=\"\(onFront ? "#d62728" : "white")\" stroke-width=\"\(onFront ? 2 : 1)\"><title>\(ChartText.escape(points[index].label))</title></circle>\n"
            // The label goes at the first of a few positions around the point that overlaps nothing.
            let textWidth = Double(points[index].label.count) * 6.6, textHeight = 13.0
            let candidates: [(dx: Double, dy: Double, anchorEnd: Bool)] = [
                (9, 4, false), (-9, 4, true), (8, -9, false), (-8, -9, true), (8, 17, false), (-8, 17, true), (0, -22, false), (0, 30, false),
            ]
            let box = { (c: (dx: Double, dy: Double, anchorEnd: Bool)) in
                (x: c.anchorEnd ? x + c.dx - textWidth : x + c.dx, y: y + c.dy - textHeight + 3, w: textWidth, h: textHeight)
            }
            let fits = { (b: (x: Double, y: Double, w: Double, h: Double)) in
                b.x >= margin.left && b.x + b.w <= margin.left + plotWidth && b.y >= margin.top && b.y + b.h <= margin.top + plotHeight
                    && !placed.contains { b.x < $0.x + $0.w && $0.x < b.x + b.w && b.y < $0.y + $0.h && $0.y < b.y + b.h }
            }
            let choice = candidates.first { fits(box($0)) } ?? candidates[0]
            placed.append(box(choice))
            svg += "<text x=\"\(f(x + choice.dx))\" y=\"\(f(y + choice.dy))\" text-anchor=\"\(choice.anchorEnd ? "end" : "start")\" font-size=\"11\" fill=\"#222\">\(ChartText.escape(points[index].label))</text>\n"
        }
        svg += "<rect x=\"\(f(legend.x))\" y=\"\(f(legend.y))\" width=\"\(f(legend.w))\" height=\"\(f(legend.h))\" fill=\"white\" stroke=\"#ccc\"/>\n"
        var legendY = legend.y + 16
        for (index, group) in groups.enumerated() {
            svg += "<circle cx=\"\(f(legend.x + 12))\" cy=\"\(f(legendY - 4))\" r=\"5\" fill=\"\(palette[index % palette.count])\"/>"
            svg += "<text x=\"\(f(legend.x + 24))\" y=\"\(f(legendY))\" font-size=\"12\">\(ChartText.escape(group))</text>\n"
            legendY += 16
        }
        if front.count > 1 {
            svg += "<line x1=\"\(f(legend.x + 4))\" y1=\"\(f(legendY - 4))\" x2=\"\(f(legend.x + 20))\" y2=\"\(f(legendY - 4))\" stroke=\"#d62728\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>"
            svg += "<text x=\"\(f(legend.x + 24))\" y=\"\(f(legendY))\" font-size=\"12\">Pareto front</text>\n"
        }
        return svg + "</svg>\n"
    }

    private func f(_ value: Double) -> String { ChartText.f(value) }
}
