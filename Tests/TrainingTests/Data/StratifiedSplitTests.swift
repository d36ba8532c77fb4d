import Testing
import Training

/// Seeded splits: per-class proportions, determinism, whole groups on one side.
@Suite struct StratifiedSplitTests {
    static func labelled(_ counts: [Int], groups: ((Int) -> String?)? = nil) -> LabelledExamples {
        var examples = [Example]()
        for (label, count) in counts.enumerated() {
            for _ in 0..<count {
                let index = examples.count
                examples.append(Example(input: .text("\(index)"), target: .label(label), origin: "\(index)", group: groups?(index)))
            }
        }
        return LabelledExamples(examples: examples, classes: counts.indices.map { "c\($0)" })
    }

    @Test func eachClassGivesItsShareAndAtLeastOneWhenItHasTwo() {
        // Counts 40, 20, 3, 2, 1 at 10%: round(4.0) = 4, round(2.0) = 2, round(0.3) = 0 → 1, round(0.2) = 0 → 1, a lone example stays in training.
        let examples = Self.labelled([40, 20, 3, 2, 1])
        let (train, validation) = StratifiedSplit.indices(of: examples, validationFraction: 0.1, seed: 7)
        #expect(ClassBalance(examples.subset(validation)).counts == [4, 2, 1, 1, 0])
        #expect(ClassBalance(examples.subset(train)).counts == [36, 18, 2, 1, 1])
        #expect(Set(train).isDisjoint(with: validation) && Set(train + validation) == Set(0..<66))
        #expect(train == train.sorted() && validation == validation.sorted())
    }

    @Test func theSameSeedGivesTheSameSplitAndAnotherSeedAnother() {
        let examples = Self.labelled([50, 30])
        let first = StratifiedSplit.indices(of: examples, validationFraction: 0.2, seed: 42)
        let again = StratifiedSplit.indices(of: examples, validationFraction: 0.2, seed: 42)
        let other = StratifiedSplit.indices(of: examples, validationFraction: 0.2, seed: 43)
        #expect(first.validation == again.validation && first.train == again.train)
        #expect(first.validation != other.validation)
        #expect(first.validation.count == 16 && other.validation.count == 16)
        let (train, validation) = StratifiedSplit.split(examples, validationFraction: 0.2, seed: 42)
        #expect(validation.examples.map(\.origin) == first.validation.map(String.init) && train.count == 64 && validation.classes == ["c0", "c1"])
    }

    @Test func groupsStayOnOneSide() {
        // 12 movies of 2 to 6 reviews each.
        let examples = Self.labelled([30, 19]) { "movie\($0 * 7 % 12)" }
        let (train, validation) = StratifiedSplit.indices(of: examples, validationFraction: 0.25, seed: 3)
        let trainGroups = Set(train.map { examples.examples[$0].group! }), validationGroups = Set(validation.map { examples.examples[$0].group! })
        #expect(trainGroups.isDisjoint(with: validationGroups) && !validationGroups.isEmpty && !trainGroups.isEmpty)
        #expect(trainGroups.count + validationGroups.count == 12 && train.count + validation.count == 49)
        #expect(validation.count >= 12 && validation.count <= 12 + 5, "about a quarter of 49, give or take a group: \(validation.count)")
        #expect(StratifiedSplit.indices(of: examples, validationFraction: 0.25, seed: 3).validation == validation)
    }

    @Test func regressionAndMultiLabelSplitAtRandom() {
        let examples = LabelledExamples(
            examples: (0..<30).map { Example(input: .text("\($0)"), target: .values([Float($0)]), origin: "\($0)") }, classes: ["y"])
        let (train, validation) = StratifiedSplit.indices(of: examples, validationFraction: 0.2, seed: 1)
        #expect(validation.count == 6 && train.count == 24 && Set(train + validation).count == 30)
        #expect(validation != Array(24..<30) && validation != Array(0..<6))
    }

    @Test func foldsCoverEveryExampleOnceStratifiedAndBalanced() {
        let examples = Self.labelled([23, 11, 7, 2])
        let folds = StratifiedSplit.folds(of: examples, count: 5, seed: 9)
        #expect(folds.count == 5 && folds.joined().sorted() == Array(0..<43) && folds.allSatisfy { $0 == $0.sorted() })
        let sizes = folds.map(\.count)
        #expect(sizes.max()! - sizes.min()! <= 1, "fold sizes \(sizes)")
        for label in 0..<4 {
            let perFold = folds.map { ClassBalance(examples.subset($0)).counts[label] }
            #expect(perFold.max()! - perFold.min()! <= 1, "class \(label) per fold: \(perFold)")
        }
        #expect(StratifiedSplit.folds(of: examples, count: 5, seed: 9) == folds && StratifiedSplit.folds(of: examples, count: 5, seed: 10) != folds)
    }

    @Test func groupFoldsKeepEachGroupWholeAndOthersAreDealtAtRandom() {
        let grouped = Self.labelled([30, 19]) { "movie\($0 * 7 % 12)" }
        let folds = StratifiedSplit.folds(of: grouped, count: 4, seed: 2)
        #expect(folds.joined().sorted() == Array(0..<49))
        let groups = folds.map { Set($0.map { grouped.examples[$0].group! }) }
        for (i, a) in groups.enumerated() { for b in groups[(i + 1)...] { #expect(a.isDisjoint(with: b)) } }
        #expect(folds.allSatisfy { (9...16).contains($0.count) }, "sizes \(folds.map(\.count))")
        let values = LabelledExamples(examples: (0..<10).map { Example(input: .text("\($0)"), target: .values([Float($0)]), origin: "\($0)") }, classes: ["y"])
        let random = StratifiedSplit.folds(of: values, count: 3, seed: 1)
        #expect(random.map(\.count).sorted() == [3, 3, 4] && random.joined().sorted() == Array(0..<10) && random[0] != [0, 1, 2, 3])
    }
}
