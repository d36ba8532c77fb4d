import Foundation
import Tensors

/// Reads an IDX folder (MNIST, Fashion-MNIST): `train-images-idx3-ubyte` and `train-labels-idx1-ubyte`,
/// optionally `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte` (the test split), each plain or
/// gzip-compressed (`.gz`). Class names: `classes.txt` (one a line) when the folder has one, else
/// the label values `"0"`, `"1"`, … up to the largest label.
public enum IDXFolderReader {
    /// The path of `name` or `name.gz` in `folder`, whichever exists.
    static func file(_ name: String, in folder: String) -> String? {
        [folder + "/" + name, folder + "/" + name + ".gz"].first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Whether `folder` holds an IDX training set.
    static func holdsIDX(_ folder: String) -> Bool {
        file("train-images-idx3-ubyte", in: folder) != nil && file("train-labels-idx1-ubyte", in: folder) != nil
    }

    public static func read(_ path: String, options: DataOptions) throws(DataError) -> DataSplits {
        guard options.kind == .singleLabel else {
            throw .unsuitable(path, reason: "IDX labels are class indices; the task kind cannot be \(options.kind.rawValue)")
        }
        guard let trainImages = file("train-images-idx3-ubyte", in: path) else { throw .missing(path + "/train-images-idx3-ubyte") }
        guard let trainLabels = file("train-labels-idx1-ubyte", in: path) else { throw .missing(path + "/train-labels-idx1-ubyte") }
        let train = try pair(images: trainImages, labels: trainLabels)
        var test: (set: GreyImageSet, labels: [UInt8], path: String, labelsPath: String)?
        switch (file("t10k-images-idx3-ubyte", in: path), file("t10k-labels-idx1-ubyte", in: path)) {
        case let (images?, labels?): test = try pair(images: images, labels: labels)
        case (nil, nil): break
        case (let images?, nil): throw .missing((images.hasSuffix(".gz") ? String(images.dropLast(3)) : images).replacingOccurrences(of: "images-idx3", with: "labels-idx1"))
        case (nil, let labels?): throw .missing((labels.hasSuffix(".gz") ? String(labels.dropLast(3)) : labels).replacingOccurrences(of: "labels-idx1", with: "images-idx3"))
        }
        let classes: [String]
        if FileManager.default.fileExists(atPath: path + "/classes.txt") {
            classes = try names(path + "/classes.txt")
            for part in [(train.labels, train.labelsPath)] + (test.map { [($0.labels, $0.labelsPath)] } ?? []) {
                if let index = part.0.firstIndex(where: { Int($0) >= classes.count }) {
                    throw .corrupt(part.1, byte: 8 + index, reason: "label \(part.0[index]), but classes.txt names \(classes.count) classes")
                }
            }
        } else {
            let largest = Int((train.labels + (test?.labels ?? [])).max() ?? 0)
            classes = (0...largest).map(String.init)
        }
        guard train.set.count > 0 else { throw .empty(train.path, expected: "images") }
        if let first = train.labels.first, train.labels.allSatisfy({ $0 == first }) {
            throw .singleClass(train.labelsPath, label: classes[Int(first)])
        }
        func examples(_ part: (set: GreyImageSet, labels: [UInt8], path: String, labelsPath: String)) -> LabelledExamples {
            let name = (part.path as NSString).lastPathComponent
            return LabelledExamples(
                examples: part.labels.indices.map { Example(input: .greyImage(part.set, $0), target: .label(Int(part.labels[$0])), origin: "\(name)[\($0)]") },
                classes: classes)
        }
        return DataSplits(
            train: examples(train), test: test.map(examples), source: "IDX folder \(path)" + (test == nil ? "" : " (train, t10k)"), modality: .image)
    }

    /// An images file and its labels file, their counts checked against each other before the images are read.
    static func pair(images: String, labels: String) throws(DataError) -> (set: GreyImageSet, labels: [UInt8], path: String, labelsPath: String) {
        let labelFile = try IDXFile(labels, dimensionCount: 1, what: "label files")
        let values = try labelFile.body()
        let imageFile = try IDXFile(images, dimensionCount: 3, what: "image files")
        let (count, rows, columns) = (imageFile.dimensions[0], imageFile.dimensions[1], imageFile.dimensions[2])
        guard count == values.count else {
            throw .corrupt(images, byte: 4, reason: "\(count) images, but \((labels as NSString).lastPathComponent) has \(values.count) labels")
        }
        return (GreyImageSet(count: count, rows: rows, columns: columns, storage: try imageFile.mappedBody()), values, images, labels)
    }

    /// Non-empty lines of a class-names file.
    static func names(_ path: String) throws(DataError) -> [String] {
        let bytes: [UInt8]
        do { bytes = try RegularFile.read(path) } catch { throw .unreadable(path, reason: error.message) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .unreadable(path, reason: "not valid UTF-8") }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
