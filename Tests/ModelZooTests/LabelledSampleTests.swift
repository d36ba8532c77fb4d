import Foundation
import ModelZoo
import Testing
import TestSupport

/// The scoring sample: balanced across classes, seeded, from any data the one reader reads.
@Suite struct LabelledSampleTests {
    @Test func aLimitDealsTheClassesEvenlyAndTheSeedFixesTheDraw() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("reviews.csv")
        let rows = (0..<12).map { "\($0),\($0 < 9 ? "pos" : "neg")" } + (0..<3).map { "x\($0),mixed" }
        try ("text,label\n" + rows.joined(separator: "\n")).write(toFile: path, atomically: false, encoding: .utf8)
        let sample = try LabelledSample(path: path, limit: 7, seed: 5)
        #expect(sample.classes == ["mixed", "neg", "pos"] && sample.count == 7)
        // Dealt in class order, mixed, neg, pos, until seven: three rounds give mixed its third.
        #expect(sample.labels == [0, 1, 2, 0, 1, 2, 0])
        guard case .texts(let texts) = sample.inputs else { Issue.record("not texts"); return }
        #expect(zip(texts, sample.labels).allSatisfy { text, label in
            label == 0 ? text.hasPrefix("x") : label == 1 ? Int(text)! >= 9 : Int(text)! < 9
        })
        guard case .texts(let again) = try LabelledSample(path: path, limit: 7, seed: 5).inputs else { return }
        #expect(again == texts)
        let all = try LabelledSample(path: path)
        #expect(all.count == 15 && all.labels.filter { $0 == 2 }.count == 9)
    }

    @Test func anIDXFolderIsSampledAsGreyImages() throws {
        let folder = try TemporaryFolder()
        try Data([0, 0, 8, 3, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 1, 10, 11, 12, 13]).write(to: URL(fileURLWithPath: folder.file("train-images-idx3-ubyte")))
        try Data([0, 0, 8, 1, 0, 0, 0, 4, 0, 1, 1, 0]).write(to: URL(fileURLWithPath: folder.file("train-labels-idx1-ubyte")))
        let sample = try LabelledSample(path: folder.path, seed: 1)
        guard case .greyImages(let set, let indices) = sample.inputs else { Issue.record("not grey images"); return }
        #expect(Set(indices) == [0, 1, 2, 3] && set.count == 4)
        #expect(zip(indices, sample.labels).allSatisfy { index, label in label == [0, 1, 1, 0][index] })
        #expect(indices.map { set.image($0).pixels[0] } == indices.map { UInt8(10 + $0) })
    }

    @Test func oneClassIsRefusedWithTheClassNamed() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("one.tsv")
        try "pos\tgood\npos\tfine\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: DataError.singleClass(path, label: "pos")) { try LabelledSample(path: path) }
    }
}
