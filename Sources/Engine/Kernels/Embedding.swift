import Architectures

/// Which table row each token of a run reads: by token id, by position, or by token type.
struct EmbeddingRows: Sendable {
    /// The graph node, for errors.
    let node: String
    let length: Int
    let rowCount: Int
    let index: Op.EmbeddingIndex

    /// Refuses a run whose ids, types or positions fall outside the table.
    func validate(_ workspace: Workspace) throws {
        for (token, row) in rows(workspace).enumerated() where row < 0 || row >= rowCount {
            throw EngineError.tokenOutOfRange(node: node, sample: token / length, position: token % length, id: row, tableSize: rowCount)
        }
    }

    /// The row each token of the current run reads.
    func rows(_ workspace: Workspace) -> [Int] {
        switch index {
        case .token: return workspace.tokenIDs
        case .tokenType: return workspace.tokenTypes
        case .position: return (0..<workspace.batch * length).map { $0 % length }
        case .positionAfterPadding(let padding):
            var rows: [Int] = []
            rows.reserveCapacity(workspace.batch * length)
            for sample in 0..<workspace.batch {
                var counted = 0
                for position in 0..<length {
                    let isPadding = workspace.tokenIDs[sample * length + position] == padding
                    if !isPadding { counted += 1 }
                    rows.append(isPadding ? padding : padding + counted)
                }
            }
            return rows
        }
    }
}

/// Looks up one table row per token.
struct EmbeddingLookup: Kernel {
    let output: Int
    let rows: EmbeddingRows
    let dimension: Int
    let table: [Float]

    func run(_ workspace: Workspace) {
        let target = workspace.buffers[output], d = dimension
        table.withUnsafeBufferPointer { table in
            for (token, row) in rows.rows(workspace).enumerated() { (target + token * d).update(from: table.baseAddress! + row * d, count: d) }
        }
    }
}

/// The first token's vector of every sample (`[CLS]`).
struct FirstToken: Kernel {
    let input: Int
    let output: Int
    let length: Int
    let dimension: Int

    func run(_ workspace: Workspace) {
        let source = workspace.buffers[input], target = workspace.buffers[output]
        for sample in 0..<workspace.batch {
            (target + sample * dimension).update(from: source + sample * length * dimension, count: dimension)
        }
    }
}
