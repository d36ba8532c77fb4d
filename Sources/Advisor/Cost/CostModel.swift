import Architectures

/// Prices fine-tuning a graph with some freeze groups frozen (`FreezePlan`) on a device:
/// each node's work (multiply-accumulates, or elements for memory-bound operations) divided by
/// the device's throughput for the node's `OperationKind` (evidence §4: wall time = work ÷
/// measured speed per operation type).
///
/// Backward, per node on the backward path (`ModelGraph.backwardWork`): FreezePlan's weight- and
/// input-gradient multiply-accumulates for the compute kinds (a weight gradient ≈ the node's
/// forward products, an input gradient the same, twice for attention's two products), and for the
/// memory-bound kind the node's elements once per gradient it computes; nodes of the frozen prefix
/// cost nothing. That work is priced at the device's *backward* throughput per kind
/// (`DeviceClass.backwardThroughput`): on the CPU measured by the calibration's backward probes
/// (the engine's `TrainingPlan` on the same layer shapes), so a slow backward kernel (depthwise
/// weight gradients, say) is priced as slow as it is; on GPUs, which no test here can time, the
/// forward throughput (backward kernels assumed as fast as forward ones, which with the work rule
/// above gives Epoch AI's backward:forward ≈ 2:1).
/// The optimizer step reads and writes each trainable parameter, its gradient and its state
/// once (memory-bound). Activation memory is FreezePlan's: stored only above the lowest
/// trainable layer, for the share of the batch on one device.
public enum CostModel {
    /// With the first `frozenGroups` groups frozen.
    public static func estimate(
        _ graph: ModelGraph, frozenGroups: Int, batch: Int, input: InputSpec? = nil,
        optimizer: FreezePlan.Optimizer = .adamW, device: DeviceClass
    ) -> CostEstimate {
        estimate(graph, frozen: Array(graph.freezeGroups.prefix(frozenGroups)), batch: batch, input: input, optimizer: optimizer, device: device)
    }

    /// With any of the graph's groups frozen (surgical fine-tuning included).
    public static func estimate(
        _ graph: ModelGraph, frozen: [FreezeGroup], batch: Int, input: InputSpec? = nil,
        optimizer: FreezePlan.Optimizer = .adamW, device: DeviceClass
    ) -> CostEstimate {
        let plan = FreezePlan(graph, frozen: frozen, input: input)
        let work = graph.work(input: input), backwardWork = graph.backwardWork(plan, input: input)
        let speed = device.throughput, backwardSpeed = device.backwardThroughput
        var forward = 0.0, prefix = 0.0, backward = 0.0
        for (index, node) in work.enumerated() {
            guard let kind = node.kind else { continue }
            let seconds = speed.seconds(kind, work: Double(node.amount))
            forward += seconds
            if !plan.backward[index].isOnPath { prefix += seconds }
            backward += backwardSpeed.seconds(kind, work: Double(backwardWork[index].amount))
        }
        let perDevice = (batch + device.count - 1) / device.count
        let bytes = plan.trainingBytes(batch: perDevice, optimizer: optimizer)
        // Parameter and gradient read, parameter written; each optimizer state read and written.
        let updatedElements = 3 * plan.trainableParameters + 2 * bytes.optimizer / 4
        let scale = Double(batch) / device.parallelSpeedup
        return CostEstimate(
            batch: batch, forwardSeconds: forward * scale, prefixForwardSeconds: prefix * scale, backwardSeconds: backward * scale,
            optimizerSeconds: speed.seconds(.memoryBound, work: Double(updatedElements)),
            memory: bytes, deviceMemoryBytes: device.memoryBytes, uncertaintyFactor: device.uncertaintyFactor)
    }
}
