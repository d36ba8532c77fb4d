import Foundation
import Architectures
import TestSupport
import Testing

/// Every card in zoo/ against the registry: it names a real model of its family, and each
/// checkpoint's parameter count and compute equal the graph's; every figure names its source.
@Suite struct ModelCardTests {
    static let folder = Fixtures.root.appendingPathComponent("zoo").path

    @Test func everyCardMatchesTheRegistry() throws {
        let cards = try ModelCards.load(from: Self.folder)
        #expect(cards.count >= 16)
        for (name, entry) in cards {
            guard let model = Registry.model(named: name) else {
                Issue.record("card for '\(name)', which the registry does not know")
                continue
            }
            #expect(entry.family == model.family, "\(name): card family \(entry.family), registry \(model.family)")
            #expect(!entry.card.checkpoints.isEmpty, "\(name) lists no checkpoint")
            let graph = model.graph
            for checkpoint in entry.card.checkpoints {
                if let parameters = checkpoint.parameters {
                    #expect(parameters == graph.parameterCount, "\(name) \(checkpoint.name): card \(parameters), graph \(graph.parameterCount)")
                }
                if let gmacs = checkpoint.gmacs {
                    let ours = Double(graph.totalMultiplyAccumulates()) / 1e9
                    #expect(abs(ours - gmacs) / gmacs < 0.01, "\(name) \(checkpoint.name): card \(gmacs) GMACs, graph \(ours)")
                }
                #expect(checkpoint.accuracy.allSatisfy { !$0.source.isEmpty && (0...100).contains($0.value) }, "\(name) \(checkpoint.name): \(checkpoint.accuracy)")
                #expect(!checkpoint.accuracy.isEmpty || checkpoint.note != nil, "\(name) \(checkpoint.name): no accuracy and no note saying why")
                #expect(!checkpoint.licence.isEmpty)
                if let crop = checkpoint.preprocessing?.crop, case .image(_, let size) = graph.input {
                    #expect(crop == size, "\(name) \(checkpoint.name): crop \(crop), graph input \(size)")
                }
                if let vocabulary = checkpoint.preprocessing?.vocabulary {
                    let table = graph.parameters.first { $0.name.hasSuffix("word_embeddings.weight") }?.spec.shape.first
                    #expect(vocabulary == table, "\(name) \(checkpoint.name): vocabulary \(vocabulary), embedding table \(table ?? 0)")
                }
            }
        }
    }

    @Test func theRealOfflineMobileNetV2FileHasACard() throws {
        let card = try #require(try ModelCards.load(from: Self.folder)["mobilenet_v2"]?.card)
        let checkpoint = try #require(card.checkpoints.first { $0.file == "mobilenet_v2-b0353104.pth" })
        #expect(checkpoint.sha256Prefix == "b0353104")
        #expect(card.best("acc@1") != nil)
    }

    @Test func aCheckpointsConventionFollowsItsLibraryAndAnUnknownLibraryIsRefused() throws {
        let cards = try ModelCards.load(from: Self.folder)
        let mobileNet = try #require(cards["mobilenet_v2"]?.card.checkpoints.first)
        let miniLM = try #require(cards["minilm_l6_h384"]?.card.checkpoints.first { $0.library == "sentence-transformers" })
        #expect(mobileNet.convention == .torchvision && miniLM.convention == .huggingface)
        let folder = try TemporaryFolder()
        let card = try String(contentsOfFile: Self.folder + "/mobilenet_v1.yaml", encoding: .utf8)
        #expect(card.contains("library: timm"))
        try card.replacingOccurrences(of: "library: timm", with: "library: caffe").write(toFile: folder.path + "/mobilenet_v1.yaml", atomically: true, encoding: .utf8)
        #expect { try ModelCards.load(from: folder.path) } throws: { "\($0)".contains("'caffe' is not a library zoo reads") }
    }
}
