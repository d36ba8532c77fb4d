/// A merges.txt: ordered pairs of tokens, each merged into the token their concatenation names,
/// earlier lines first. Applying them merges, over and over, the adjacent pair of lowest rank
/// (the leftmost one on a tie) until no adjacent pair is listed, as Hugging Face tokenizers' BPE.
struct BPEMerges: Sendable {
    private struct Pair: Hashable {
        let left: Int
        let right: Int
    }

    /// Rank (the line number) and merged token id per pair of token ids.
    private let merges: [Pair: (rank: Int, id: Int)]

    /// Reads `path`, whose tokens must all be in `vocabulary`; "#version" lines are skipped.
    init(path: String, vocabulary: Vocabulary) throws(TokenizerError) {
        let file = try TextFile(path: path)
        var merges: [Pair: (rank: Int, id: Int)] = [:]
        for line in file.lines where !line.bytes.starts(with: "#version".utf8) {
            let parts = line.bytes.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false).map(Array.init)
            guard parts.count == 2 else {
                throw .malformedLine(
                    file: path, line: line.number, reason: "expected two tokens separated by one space, found \(parts.count) part(s)")
            }
            var ids: [Int] = []
            for token in [parts[0], parts[1], parts[0] + parts[1]] {
                guard let id = vocabulary[token] else {
                    throw .malformedLine(
                        file: path, line: line.number,
                        reason: "'\(String(decoding: token, as: UTF8.self))' is not in \(vocabulary.file)")
                }
                ids.append(id)
            }
            let pair = Pair(left: ids[0], right: ids[1])
            if let earlier = merges[pair] {
                throw .duplicate(file: path, line: line.number, entry: String(decoding: line.bytes, as: UTF8.self), firstLine: earlier.rank)
            }
            merges[pair] = (line.number, ids[2])
        }
        self.merges = merges
    }

    /// The ids after every possible merge.
    func apply(_ ids: [Int]) -> [Int] {
        var ids = ids
        while ids.count > 1 {
            var best: (index: Int, rank: Int, id: Int)?
            for index in 0..<(ids.count - 1) {
                if let merge = merges[Pair(left: ids[index], right: ids[index + 1])], merge.rank < best?.rank ?? .max {
                    best = (index, merge.rank, merge.id)
                }
            }
            guard let best else { break }
            ids[best.index] = best.id
            ids.remove(at: best.index + 1)
        }
        return ids
    }
}
