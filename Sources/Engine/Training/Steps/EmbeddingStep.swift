import Tensors

/// An embedding table in training: the forward pass copies each token's row out of the parameter
/// store; the backward pass adds each token's gradient into its row (scatter-add; a row read by
/// several tokens sums their gradients).
final class EmbeddingStep: TrainingStep {
    let values: StepValues
    let rows: EmbeddingRows
    let dimension: Int
    let table: Parameter
    private var lastRows: [Int] = []

    init(values: StepValues, rows: EmbeddingRows, dimension: Int, table: Parameter) {
        self.values = values
        self.rows = rows
        self.dimension = dimension
        self.table = table
    }

    func forward(_ workspace: Workspace) throws {
        try rows.validate(workspace)
        lastRows = rows.rows(workspace)
        let target = workspace.buffers[values.output], d = dimension
        for (token, row) in lastRows.enumerated() { (target + token * d).update(from: table.values + row * d, count: d) }
    }

    func backward(_ workspace: Workspace) {
        guard let gradient = table.gradient else { return }
        let dY = workspace.buffers[values.outputGradient], d = dimension
        for (token, row) in lastRows.enumerated() {
            let g = dY + token * d, target = gradient + row * d
            for index in 0..<d { target[index] += g[index] }
        }
    }
}
