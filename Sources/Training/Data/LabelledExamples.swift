import Foundation
import Plans
import Preprocessing

/// Grey images held as bytes (an IDX file's `[count, rows, columns]` uint8 array), shared by
/// the examples that index them so a 60,000-image set costs its bytes once.
public final class GreyImageSet: Sendable {
    public let count: Int
    public let rows: Int
    public let columns: Int
    /// `count × rows × columns` bytes, row-major.
    public let pixels: [UInt8]

    public init(count: Int, rows: Int, columns: Int, pixels: [UInt8]) {
        precondition(pixels.count == count * rows * columns, "GreyImageSet: \(pixels.count) bytes for \(count)×\(rows)×\(columns)")
        (self.count, self.rows, self.columns, self.pixels) = (count, rows, columns, pixels)
    }

    /// Image `index` expanded to three equal channels, as PIL's `Image.convert("RGB")` does for mode L.
    public func image(_ index: Int) -> RGBImage {
        let plane = rows * columns, start = index * plane
        var rgb = [UInt8](repeating: 0, count: plane * 3)
        for pixel in 0..<plane {
            let value = pixels[start + pixel]
            (rgb[pixel * 3], rgb[pixel * 3 + 1], rgb[pixel * 3 + 2]) = (value, value, value)
        }
        return RGBImage(width: columns, height: rows, pixels: rgb)
    }
}

/// One example's input, decoded only when a batch needs it.
public enum ExampleInput: Sendable {
    /// A JPEG or PNG file.
    case imageFile(String)
    /// Image `index` of an IDX set.
    case greyImage(GreyImageSet, Int)
    case text(String)
    /// Two texts (sentence-pair tasks), encoded as the tokenizer encodes a pair.
    case textPair(String, String)
}

/// What the model should output for one example.
public enum ExampleTarget: Sendable, Equatable {
    /// A class index (single-label and sentence-pair classification).
    case label(Int)
    /// Indices of the classes present (multi-label).
    case labels([Int])
    /// Regression targets, one per output.
    case values([Float])
}

/// One labelled example and where it came from.
public struct Example: Sendable {
    public let input: ExampleInput
    public let target: ExampleTarget
    /// Where it was read: an image path, `file:line` for a row of a text file, `file[index]` for an IDX image.
    /// Errors and the error analysis name examples by it.
    public let origin: String
    /// The group it belongs to (`DataOptions.groupColumn`, e.g. a movie's name), so a split can keep
    /// a group's examples on one side; nil when the data names none.
    public let group: String?

    public init(input: ExampleInput, target: ExampleTarget, origin: String, group: String? = nil) {
        (self.input, self.target, self.origin, self.group) = (input, target, origin, group)
    }
}

/// Labelled examples and the names of their outputs: class names (classification, multi-label),
/// or target names (regression). `ExampleTarget.label(i)` indexes `classes`.
public struct LabelledExamples: Sendable {
    public var examples: [Example]
    public var classes: [String]

    public init(examples: [Example], classes: [String]) {
        (self.examples, self.classes) = (examples, classes)
    }

    public var count: Int { examples.count }

    /// The examples at `indices`, in that order, with the same classes.
    public func subset(_ indices: some Sequence<Int>) -> LabelledExamples {
        LabelledExamples(examples: indices.map { examples[$0] }, classes: classes)
    }
}
