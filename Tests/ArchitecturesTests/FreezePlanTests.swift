import Architectures
import Testing

@Suite struct FreezePlanTests {
    @Test func freezeGroupsHaveOneMeaningAcrossFamilies() {
        #expect(ResNet.graph(depth: 50).freezeGroups == [.stem, .stage(1), .stage(2), .stage(3), .stage(4), .head])
        #expect(VGG.graph(depth: 16, batchNorm: true).freezeGroups == [.stem, .stage(1), .stage(2), .stage(3), .stage(4), .head])
        #expect(MobileNetV2.graph().freezeGroups == [.stem] + (1...5).map(FreezeGroup.stage) + [.head])
        #expect(EfficientNetLite.graph(variant: 0).freezeGroups == [.stem] + (1...5).map(FreezeGroup.stage) + [.head])
        let bert = Registry.model(named: "bert_base_uncased")!
        #expect(bert.graph.freezeGroups == [.embeddings] + (0..<12).map(FreezeGroup.layer) + [.pooler])
        #expect(bert.build(2).freezeGroups.last == .head)
        #expect(Registry.model(named: "distilbert_base_uncased")!.build(2).freezeGroups.suffix(2) == [.layer(5), .head])
    }

    @Test func everyTrainableParameterIsInExactlyOneGroup() {
        for model in Registry.models {
            let graph = model.graph
            let plans = (0...graph.freezeGroups.count).map { FreezePlan(graph, frozenGroups: $0) }
            #expect(plans.allSatisfy { $0.trainableParameters + $0.frozenParameters == graph.parameterCount }, "\(model.name)")
            #expect(plans.last!.trainableParameters == 0 && plans.first!.frozenParameters == 0, "\(model.name)")
        }
    }

    @Test func fullFineTuneBackwardIsTwiceForwardLessTheFirstInputGradient() {
        let graph = ResNet.graph(depth: 50)
        let plan = FreezePlan(graph, frozenGroups: 0)
        let conv1 = graph.multiplyAccumulates()[graph.nodes.firstIndex { $0.name == "conv1" }!]
        #expect(plan.trainableParameters == 25_557_032)
        #expect(plan.backwardMACs == 2 * plan.forwardMACs - conv1)
        #expect(plan.cacheableFeatures == 0)
    }

    @Test func aLinearProbeTrainsAndStoresOnlyTheHead() {
        let graph = ResNet.graph(depth: 50)
        let probe = FreezePlan(graph, frozenGroups: graph.freezeGroups.count - 1)
        #expect(probe.frozen.last == .stage(4))
        #expect(probe.trainableParameters == 2048 * 1000 + 1000)
        #expect(probe.backwardMACs == 2048 * 1000)  // weight gradients only: nothing flows further back
        #expect(probe.cacheableFeatures == 2048)  // the pooled features can be cached once
        #expect(probe.storedActivationsPerSample == 2048 + 1000)
        // Every batch-norm of the frozen backbone keeps its running statistics; none is trained.
        #expect(probe.frozenBatchNorms.count == graph.nodes.filter { if case .batchNorm = $0.op { true } else { false } }.count)
        #expect(FreezePlan(graph, frozenGroups: 1).frozenBatchNorms == ["bn1"])
    }

    @Test func costsFallAsMoreIsFrozen() {
        for name in ["resnet18", "mobilenet_v3_large", "tf_efficientnet_lite2", "bert_base_uncased", "roberta_base"] {
            let graph = Registry.model(named: name)!.build(10)
            let plans = (0...graph.freezeGroups.count).map { FreezePlan(graph, frozenGroups: $0) }
            for (shallower, deeper) in zip(plans, plans.dropFirst()) {
                #expect(deeper.trainableParameters < shallower.trainableParameters, "\(name) at \(deeper.frozen.last!)")
                #expect(deeper.backwardMACs <= shallower.backwardMACs, "\(name) at \(deeper.frozen.last!)")
                #expect(deeper.storedActivationsPerSample <= shallower.storedActivationsPerSample, "\(name) at \(deeper.frozen.last!)")
                #expect(deeper.forwardMACs == shallower.forwardMACs)
            }
        }
    }

    @Test func trainingMemoryAddsItsParts() {
        let plan = FreezePlan(Registry.model(named: "bert_base_uncased")!.build(2), frozenGroups: 4, input: .tokens(length: 64))
        let sgd = plan.trainingBytes(batch: 8, optimizer: .sgdMomentum), adam = plan.trainingBytes(batch: 8, optimizer: .adamW)
        #expect(adam.optimizer == 2 * sgd.optimizer && sgd.optimizer == sgd.gradients)
        #expect(sgd.gradients == plan.trainableParameters * 4)
        #expect(sgd.activations == plan.storedActivationsPerSample * 4 * 8)
        // The frozen prefix ends at layer 2's output: one 64×768 sequence per sample to cache.
        #expect(plan.cacheableFeatures == 64 * 768)
    }

    @Test func encoderCostsScaleWithSequenceLength() {
        let graph = Registry.model(named: "bert_base_uncased")!.graph
        let short = graph.totalMultiplyAccumulates(input: .tokens(length: 64))
        let long = graph.totalMultiplyAccumulates(input: .tokens(length: 128))
        // Linear layers scale with T, attention with T²: doubling T more than doubles the cost.
        let attention = 12 * 2 * 768 * (128 * 128 - 2 * 64 * 64)
        #expect(long - 2 * short == attention - 768 * 768)  // the pooler reads one token at any length
    }
}

/// `FreezeGroup`'s text form: every registry model's groups read back from their names, and near
/// misses are refused.
@Suite struct FreezeGroupTextTests {
    @Test func everyRegistryGroupReadsBackFromItsName() {
        for model in Registry.models {
            for group in model.build(nil).freezeGroups { #expect(FreezeGroup(group.description) == group, "\(model.name): \(group)") }
        }
    }

    @Test func nearMissesAreRefused() {
        for text in ["", "stage", "stag1", "stage-1", "stage01", "Stage1", "layer 2", "heads", "layer٣", "stage1x"] { #expect(FreezeGroup(text) == nil, "\(text)") }
    }
}
