import Architectures
import TestSupport
import Testing

/// The names users already know resolve to registry models through the real cards in zoo/:
/// registry names, Hugging Face ids (and their legacy form), torchvision weights, timm names with
/// tags, hyphen/underscore and case variants; unknown names get the closest; globs search.
@Suite struct ModelNamesTests {
    static let names = ModelNames(cards: (try? ModelCards.load(from: ModelCardTests.folder).mapValues(\.card)) ?? [:])

    @Test(arguments: [
        ("resnet50", "resnet50"), ("ResNet50", "resnet50"), ("bert-base-uncased", "bert_base_uncased"),
        ("google-bert/bert-base-uncased", "bert_base_uncased"), ("sentence-transformers/all-MiniLM-L6-v2", "minilm_l6_h384"),
        ("all-MiniLM-L6-v2", "minilm_l6_h384"), ("resnet50.tv_in1k", "resnet50"), ("timm/resnet50.tv2_in1k", "resnet50"),
        ("ResNet50_Weights.IMAGENET1K_V2", "resnet50"), ("ResNet50_Weights.DEFAULT", "resnet50"),
        ("MobileNet_V2_Weights.IMAGENET1K_V1", "mobilenet_v2"), ("mobilenet-v2", "mobilenet_v2"),
        ("timm/tf_efficientnet_lite0.in1k", "tf_efficientnet_lite0"), ("tf-efficientnet-lite3", "tf_efficientnet_lite3"),
        ("timm/mobilenetv1_100.ra4_e3600_r224_in1k", "mobilenetv1_100"), ("FacebookAI/roberta-base", "roberta_base"),
        ("roberta-large", "roberta_large"), ("distilbert-base-uncased", "distilbert_base_uncased"),
        ("VGG16_BN_Weights.IMAGENET1K_V1", "vgg16_bn"), ("mobilenetv2_100.ra_in1k", "mobilenet_v2"),
        ("timm/mobilenetv3_large_100.ra_in1k", "mobilenet_v3_large"), ("mobilenetv3_small_100", "mobilenet_v3_small"),
    ])
    func knownNamesResolve(_ name: String, _ model: String) throws {
        #expect(try Self.names.resolve(name).name == model)
    }

    @Test func unknownNamesGetTheClosest() {
        #expect(throws: UnknownModelName.self) { try Self.names.resolve("bert-base-uncasd") }
        #expect(Self.names.closest(to: "bert-base-uncasd").first == "bert_base_uncased")
        #expect(Self.names.closest(to: "resnet5").contains("resnet50"))
        #expect(Self.names.closest(to: "xyzzy-quux-frobnicate").isEmpty)
        let error = #expect(throws: UnknownModelName.self) { try Self.names.resolve("resnt50") }
        #expect(error?.description.hasPrefix("unknown model 'resnt50'; did you mean resnet50") == true)
    }

    @Test func closestNamesOfferOneNamePerModel() {
        let offered = Self.names.closest(to: "bert-base-uncasedd")
        #expect(offered.filter { (try? Self.names.resolve($0).name) == "bert_base_uncased" }.count == 1)
    }

    @Test func globsAndTextSearch() {
        #expect(Self.names.search("*lite*").map(\.name) == (0...4).map { "tf_efficientnet_lite\($0)" })
        #expect(Self.names.search("resnet?0*").map(\.name) == ["resnet50", "resnet101"])
        #expect(Self.names.search("*MiniLM*").map(\.name) == ["minilm_l6_h384", "minilm_l12_h384"])
        #expect(Self.names.search("ResNet50_Weights.*").map(\.name) == ["resnet50"])
        #expect(Self.names.search("bert-base").map(\.name).contains("bert_base_uncased"))
        #expect(Self.names.search("*nothing-like-this*").isEmpty)
    }

    @Test func familiesByNameOrByModel() {
        #expect(Self.names.family(named: "efficientnet-lite") == "efficientnet_lite")
        #expect(Self.names.family(named: "VGG") == "vgg")
        #expect(Self.names.family(named: "bert-base-uncased") == "bert")
        #expect(Self.names.family(named: "nonsense") == nil)
    }

    @Test func closestNamesAreShared() {
        #expect(ClosestNames.nearest(to: "--clases", among: ["--classes", "--examples", "--budget"]) == ["--classes"])
        #expect(ClosestNames.suggestion(for: "zzz", among: ["resnet50"]) == "")
    }
}

/// The cards' timm names are the ones timm itself was measured to build the same architecture under.
@Suite struct CardTimmNameTests {
    @Test func cardTimmNamesEqualTheTimmConventionFixture() throws {
        let measured = (try Fixtures.json("conventions/timm", "names.json") as! [String: Any])["timm"] as! [String: [String: Any]]
        let cards = try ModelCards.load(from: ModelCardTests.folder)
        for (model, entry) in measured {
            let timm = entry["timm_model"] as! String
            #expect(cards[model]?.card.timm == (timm == model ? nil : timm), "\(model)")
        }
        #expect(cards.values.filter { $0.card.timm != nil }.count == measured.filter { $0.value["timm_model"] as? String != $0.key }.count)
    }
}
