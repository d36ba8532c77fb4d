import Charts
import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct ScatterPlotTests {
    let plot = ScatterPlot(
        title: "t <&>", xLabel: "x", yLabel: "y", logX: true,
        points: [
            .init(label: "a", x: 0.1, y: 60, group: "g1"), .init(label: "b", x: 1, y: 70, group: "g1"),
            .init(label: "c", x: 2, y: 65, group: "g2"), .init(label: "d", x: 10, y: 80, group: "g2"),
            .init(label: "e", x: 10, y: 75, group: "g2"), .init(label: "f", x: 0.1, y: 55, group: "g1"),
        ])

    @Test func paretoFrontKeepsOnlyUnbeatenPoints() {
        // c is beaten by b (less compute, more accuracy); e by d; f by a.
        #expect(plot.paretoFront.map { plot.points[$0].label } == ["a", "b", "d"])
    }

    /// Counts elements by name and class in a well-formed SVG (the parser fails on malformed XML).
    final class Census: NSObject, XMLParserDelegate {
        var counts: [String: Int] = [:]
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            counts[name, default: 0] += 1
            for word in (attributes["class"] ?? "").split(separator: " ") { counts["\(name).\(word)", default: 0] += 1 }
        }
    }

    @Test func svgIsWellFormedWithOnePointPerModelAndTheFrontMarked() throws {
        let census = Census()
        let parser = XMLParser(data: Data(plot.svg().utf8))
        parser.delegate = census
        #expect(parser.parse(), "SVG is not well-formed XML")
        #expect(census.counts["circle.point"] == 6)
        #expect(census.counts["circle.pareto"] == 3)
        #expect(census.counts["polyline.pareto"] == 1)
        #expect(plot.svg().contains("t &lt;&amp;&gt;"))
    }
}
