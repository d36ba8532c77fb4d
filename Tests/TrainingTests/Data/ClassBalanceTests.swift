import Testing
import Training

@Suite struct ClassBalanceTests {
    @Test func countsRatioAndSklearnBalancedWeights() {
        // 10 examples over 3 classes, counts 6, 3, 1. scikit-learn's compute_class_weight("balanced")
        // is n_samples / (n_classes × count): 10/18 = 0.5556, 10/9 = 1.1111, 10/3 = 3.3333.
        let targets = [0, 1, 0, 2, 0, 1, 0, 0, 1, 0]
        let examples = LabelledExamples(
            examples: targets.map { Example(input: .text("x"), target: .label($0), origin: "") }, classes: ["a", "b", "c"])
        let balance = ClassBalance(examples)
        #expect(balance.counts == [6, 3, 1] && balance.examples == 10)
        #expect(abs(balance.minimumToMaximumRatio - 1.0 / 6.0) < 1e-12)
        let expected = [10.0 / 18.0, 10.0 / 9.0, 10.0 / 3.0]
        #expect(zip(balance.balancedWeights, expected).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(abs(balance.balancedWeights[0] - 0.5555555555555556) < 1e-15 && abs(balance.balancedWeights[2] - 3.3333333333333335) < 1e-15)
    }

    @Test func multiLabelCountsEachPresentClass() {
        let examples = LabelledExamples(
            examples: [[0, 1], [1], [], [1, 2]].map { Example(input: .text("x"), target: .labels($0), origin: "") }, classes: ["a", "b", "c"])
        #expect(ClassBalance(examples).counts == [1, 3, 1])
    }

    @Test func aWeightMappingNamesClassesAndDefaultsTheRestToOne() throws {
        #expect(try ClassBalance.weights(["cat": 2.5], classes: ["bird", "cat", "dog"]) == [1, 2.5, 1])
        #expect(throws: DataError.unsuitable("class_weights", reason: "'zebra' is not a class (the classes are bird, cat)")) {
            try ClassBalance.weights(["zebra": 2], classes: ["bird", "cat"])
        }
        #expect(throws: DataError.self) { try ClassBalance.weights(["cat": -1], classes: ["bird", "cat"]) }
    }
}
