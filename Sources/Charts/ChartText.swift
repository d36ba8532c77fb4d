import Foundation

/// What every chart shares: round tick values, short number labels, SVG-safe text.
public enum ChartText {
    /// About six round tick values covering [low, high].
    static func niceTicks(_ low: Double, _ high: Double) -> [Double] {
        let span = max(high - low, 1e-9), raw = span / 5
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw }!
        let start = floor(low / step) * step, end = ceil(high / step) * step
        return Array(stride(from: start, through: end + step / 2, by: step))
    }

    /// Whole decades covering `values` (already log10).
    static func decades(_ values: [Double]) -> [Double] {
        let low = floor(values.min() ?? 0), high = ceil(values.max() ?? 1)
        return Array(stride(from: low, through: max(high, low + 1), by: 1))
    }

    static func format(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e6 { return String(Int(value)) }
        return String(format: abs(value) < 0.1 ? "%.2g" : "%g", value)
    }

    /// Text made safe inside HTML and SVG (the five characters that are not).
    public static func escapeHTML(_ text: String) -> String { escape(text).replacingOccurrences(of: "'", with: "&#39;") }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A standalone SVG document's opening: the root element, its accessible title and a white background.
    static func opening(width: Double, height: Double, title: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" role="img">
        <title>\(escape(title))</title>
        <rect width="100%" height="100%" fill="white"/>

        """
    }

    /// One decimal, as coordinates are written.
    static func f(_ value: Double) -> String { String(format: "%.1f", value) }

    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#d62728", "#8c564b", "#17becf", "#e377c2", "#7f7f7f"]
}
