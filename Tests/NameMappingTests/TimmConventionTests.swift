import Architectures
import CheckpointFormats
import Engine
import Foundation
@testable import NameMapping
import Preprocessing
import Tensors
import Testing
import TestSupport

/// The timm and lukemelas conventions against the libraries (formats/conventions/timm): their
/// state dicts' names, order and shapes; their logits on the same weights, computed by zoo's
/// engine on the convention's graph; the real lukemelas EfficientNet-Lite0 file on two photos.
struct TimmConventionTests {
    static let folder = "conventions/timm"
    nonisolated(unsafe) static let names = try! Fixtures.json(folder, "names.json") as! [String: Any]
    nonisolated(unsafe) static let engine = try! Fixtures.json(folder, "engine.json") as! [String: Any]
    static let timmModels = (names["timm"] as! [String: Any]).keys.sorted()
    static let liteModels = (names["lukemelas"] as! [String: Any]).keys.sorted()
    static let engineRuns: [(Convention, String)] = [Convention.timm, .lukemelas].flatMap { convention in
        (engine[convention.rawValue] as! [String: Any]).keys.sorted().map { (convention, $0) }
    }

    static func record(_ convention: Convention, _ model: String) -> [String: Any] {
        (names[convention.rawValue] as! [String: Any])[model] as! [String: Any]
    }

    /// `name [shape]` per tensor, as a fixture lists them.
    static func listing(_ entries: [[Any]]) -> [String] { entries.map { "\($0[0] as! String) \($0[1] as! [Int])" } }
    static func listing(_ layout: ConventionLayout) -> [String] { layout.tensors.map { "\($0.name) \($0.shape)" } }

    static func layout(_ convention: Convention, _ name: String) throws -> ConventionLayout {
        let model = Registry.model(named: name)!
        return try #require(convention.layout(of: model, graph: model.graph), "\(convention) does not name \(name)")
    }

    /// The differences a library's batch-norm ε makes from the registry graph's.
    static func expectedDifferences(_ record: [String: Any], _ graph: ModelGraph) -> [FunctionDifference] {
        let library = Set(record["batch_norm_epsilons"] as! [Double])
        let registry = Set(graph.nodes.compactMap { node -> Double? in
            if case .batchNorm(_, let epsilon, _) = node.op { return epsilon }
            return nil
        })
        return library == registry ? [] : library.map { .batchNormEpsilon($0) }
    }

    @Test("timm names exactly the registry models it has")
    func coverage() {
        let named = Registry.models.filter { Convention.timm.layout(of: $0, graph: $0.graph) != nil }.map(\.name)
        #expect(named.sorted() == Self.timmModels)
        let lukemelas = Registry.models.filter { Convention.lukemelas.layout(of: $0, graph: $0.graph) != nil }.map(\.name)
        #expect(lukemelas.sorted() == Self.liteModels)
    }

    @Test("timm layouts list timm's state dict: names, order, shapes; its ε as the difference", arguments: timmModels)
    func timmListing(_ name: String) throws {
        let layout = try Self.layout(.timm, name)
        let record = Self.record(.timm, name)
        let expected: [String]
        if let same = record["same_as"] as? String {
            let architecture = try Fixtures.json("architectures", String(same.dropFirst("architectures/".count))) as! [String: Any]
            expected = Self.listing(architecture["state_dict"] as! [[Any]])
        } else {
            expected = Self.listing(record["tensors"] as! [[Any]])
        }
        let mine = Self.listing(layout)
        let first = zip(mine, expected).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(mine == expected, "\(name): \(mine.count) tensors against \(expected.count); first difference \(String(describing: first))")
        #expect(layout.differences == Self.expectedDifferences(record, layout.graph))
    }

    @Test("lukemelas layouts list efficientnet_lite_pytorch's state dict, with no function difference", arguments: liteModels)
    func lukemelasListing(_ name: String) throws {
        let layout = try Self.layout(.lukemelas, name)
        let record = Self.record(.lukemelas, name)
        #expect(Self.listing(layout) == Self.listing(record["tensors"] as! [[Any]]))
        #expect(layout.differences == Self.expectedDifferences(record, layout.graph))
        #expect(layout.differences.isEmpty)
    }

    @Test("the lukemelas Lite0 layout is the real file's list of tensors")
    func realFileListing() throws {
        let file = Self.names["lukemelas_file"] as! [String: Any]
        #expect(Self.listing(try Self.layout(.lukemelas, "tf_efficientnet_lite0")) == Self.listing(file["tensors"] as! [[Any]]))
    }

    @Test("zoo's engine on the convention's graph computes the library's logits", arguments: engineRuns)
    func libraryLogits(_ convention: Convention, _ name: String) throws {
        let layout = try Self.layout(convention, name)
        let record = (Self.engine[convention.rawValue] as! [String: Any])[name] as! [String: Any]
        let gain = record["c"] as! Double
        let specs = Dictionary(uniqueKeysWithValues: layout.graph.parameters.map { ($0.name, $0.spec) })
        let canonical = { (parameter: String) in
            NameKeyedWeights.tensor(name: parameter, shape: Shape(unchecked: specs[parameter]!.shape), dtype: specs[parameter]!.dtype, gain: gain)!
        }
        // The canonical weights written in the convention's layout and read back through it.
        let weights = ComputedWeights { parameter, _ in
            try layout.imports[parameter]!.evaluate { try layout.tensor(named: $0)!.export.evaluate(canonical) }.scalars(as: Float.self)
        }
        let plan = try ForwardPlan(graph: layout.conventionGraph, weights: weights, batch: 2)
        let logits = try plan.run(images: NameKeyedWeights.image(batch: 2, size: 224).scalars(as: Float.self), count: 2)[0]
        let library = try NpzReader(path: Fixtures.path(Self.folder, "engine.npz")).tensor(named: "\(convention)_\(name)").scalars(as: Float.self)
        let error = maxAbsoluteDifference(logits, library)
        #expect(error <= 1e-4, "\(convention) \(name): max |zoo − library| = \(error)")
        // Against the canonical library's logits: the difference the convention's function makes.
        let reference = try NpzReader(path: Fixtures.path("engine", "outputs/\(name).npz")).tensor(named: "logits").scalars(as: Float.self)
        let measured = record["max_abs_minus_canonical"] as! Double
        let difference = maxAbsoluteDifference(logits, reference)
        #expect(abs(Double(difference) - measured) <= 2e-4, "\(convention) \(name): zoo's variant differs from the canonical model by \(difference), the library by \(measured)")
    }

    @Test("the real lukemelas EfficientNet-Lite0 sees a palace and a daisy, as its library does (TF SAME padding)",
          .enabled(if: RealAssets.haveEfficientNetLite0AndPhotos, "needs assets/torch/efficientnet-lite0-57934424.pth and assets/images (make assets)"))
    func realFilePhotos() throws {
        let reference = try Fixtures.json(Self.folder, "photos.json") as! [String: Any]
        let files = reference["files"] as! [String]
        let runs = reference["runs"] as! [String: [String: Any]]
        func top1(_ run: String, _ file: String) -> Int {
            let images = runs.first { $0.key.hasPrefix(run) }!.value["images"] as! [String: [[String: Any]]]
            return images[file]![0]["class"] as! Int
        }
        let layout = try Self.layout(.lukemelas, "tf_efficientnet_lite0")
        let weights = MappedCheckpoint(reader: try Checkpoint.open(RealAssets.efficientNetLite0), layout: layout)
        let images = try files.map { try RGBImage(contentsOfFile: RealAssets.photos + "/" + $0) }
        let input = ImagePreprocessing.imageNet.batch(images)
        func logits(_ graph: ModelGraph) throws -> [Float] {
            try ForwardPlan(graph: graph, weights: weights, batch: 2).run(images: input, count: 2)[0]
        }
        let same = try logits(layout.conventionGraph)
        let symmetric = try logits(layout.graph.applying([.symmetricPadding]))
        let arrays = try NpzReader(path: Fixtures.path(Self.folder, "photos.npz"))
        for (index, file) in files.enumerated() {
            let mine = Array(same[index * 1000..<(index + 1) * 1000])
            let error = maxAbsoluteDifference(mine, try arrays.tensor(named: file.replacingOccurrences(of: ".jpg", with: "_logits")).scalars(as: Float.self))
            #expect(error <= 1e-4, "\(file): max |zoo − efficientnet_lite_pytorch| = \(error)")
            #expect(mine.indices.max { mine[$0] < mine[$1] } == top1("lukemelas", file), "\(file): top-1")
            let padded = Array(symmetric[index * 1000..<(index + 1) * 1000])
            #expect(padded.indices.max { padded[$0] < padded[$1] } == top1("timm efficientnet_lite0 (symmetric padding), ε set", file),
                    "\(file): with symmetric padding, the top-1 of timm's symmetric port")
        }
        #expect(top1("lukemelas", "flower.jpg") != top1("timm efficientnet_lite0 (symmetric padding), ε set", "flower.jpg"))
    }
}
