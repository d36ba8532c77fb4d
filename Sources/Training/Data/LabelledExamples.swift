import Foundation
import Plans
import Preprocessing
import Tensors

/// Grey images as bytes (an IDX file's `[count, rows, columns]` uint8 array), shared by the
/// examples that index them: memory-mapped from the file (or from a decompressed copy of a gzip
/// file), so a set larger than memory is paged in as batches read it.
public final class GreyImageSet: Sendable {
    public let count: Int
    public let rows: Int
    public let columns: Int
    /// `count × rows × columns` bytes, row-major.
    public let storage: TensorStorage

    public init(count: Int, rows: Int, columns: Int, storage: TensorStorage) {
        precondition(storage.bytes.count == count * rows * columns, "GreyImageSet: \(storage.bytes.count) bytes for \(count)×\(rows)×\(columns)")
        (self.count, self.rows, self.columns, self.storage) = (count, rows, columns, storage)
    }

    /// A set held in memory (tests, small sets built in code).
    public convenience init(count: Int, rows: Int, columns: Int, pixels: [UInt8]) {
        let storage = TensorStorage(zeroedByteCount: pixels.count)
        pixels.withUnsafeBytes { storage.mutableBytes.copyMemory(from: $0) }
        self.init(count: count, rows: rows, columns: columns, storage: storage)
    }

    /// The bytes of image `index`.
    public func plane(_ index: Int) -> UnsafeRawBufferPointer {
        let plane = rows * columns
        return UnsafeRawBufferPointer(rebasing: storage.bytes[index * plane..<(index + 1) * plane])
    }

    /// Image `index` expanded to three equal channels, as PIL's `Image.convert("RGB")` does for mode L.
    public func image(_ index: Int) -> RGBImage {
        let bytes = plane(index)
        var rgb = [UInt8](repeating: 0, count: bytes.count * 3)
        for pixel in 0..<bytes.count {
            let value = bytes[pixel]
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
    /// The text (or pair) of the row at `offset` (on `line`) of a text file, read when needed.
    case textRecord(TextRecords, offset: Int, line: Int)

    /// What a tokenizer reads of a text input (a file's row read again); nil for an image.
    public func text() throws(DataError) -> TextInput? {
        switch self {
        case .text(let text): .single(text)
        case .textPair(let first, let second): .pair(first, second)
        case .textRecord(let records, let offset, let line): try records.input(offset: offset, line: line)
        case .imageFile, .greyImage: nil
        }
    }
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
