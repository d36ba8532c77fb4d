/// Candidates ordered by score, near-equal ones reported as ties.
public enum TransferabilityRanking {
    /// One candidate's place.
    public struct Entry: Sendable, Equatable, Codable {
        public let name: String
        /// 1 for the best; tied candidates share the rank of the best among them.
        public let rank: Int
        /// Whether another candidate shares this rank.
        public let tied: Bool
        public let score: BootstrapScore
    }

    /// Sorts by score (highest first). A candidate joins the rank of the group above it when its
    /// 95% interval reaches that group's leader's interval (overlapping intervals: the data cannot
    /// order them); otherwise it starts a new rank.
    public static func rank(_ candidates: [(name: String, score: BootstrapScore)]) -> [Entry] {
        let sorted = candidates.sorted { $0.score.score > $1.score.score }
        var ranks = [Int]()
        var leader = 0
        for index in sorted.indices {
            if index > 0, sorted[index].score.high >= sorted[leader].score.low {
                ranks.append(ranks[leader])
            } else {
                leader = index
                ranks.append(index + 1)
            }
        }
        return sorted.indices.map { index in
            Entry(name: sorted[index].name, rank: ranks[index], tied: ranks.filter { $0 == ranks[index] }.count > 1, score: sorted[index].score)
        }
    }
}
