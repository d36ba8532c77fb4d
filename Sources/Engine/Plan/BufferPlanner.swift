/// Assigns the plan's values to as few physical buffers as their lifetimes allow: a value's
/// buffer returns to the pool after the last step that reads it, and a later value takes the
/// smallest free buffer that fits (growing the largest free one when none does).
struct BufferPlanner {
    /// Floats each value needs, and the steps that write and last read it.
    struct Value {
        var size: Int
        var defined: Int
        var lastRead: Int
    }

    /// For each value, the physical buffer it lives in; and each buffer's capacity.
    static func assign(_ values: [Value]) -> (buffers: [Int], capacities: [Int]) {
        var assignment = [Int](repeating: -1, count: values.count)
        var capacities: [Int] = []
        var free: Set<Int> = []
        // Values in order of definition; a buffer is freed once every value in it has been read
        // for the last time before the defining step.
        let order = values.indices.sorted { (values[$0].defined, $0) < (values[$1].defined, $1) }
        var live: [(value: Int, lastRead: Int)] = []
        for value in order {
            let step = values[value].defined
            live.removeAll { entry in
                guard entry.lastRead < step else { return false }
                free.insert(assignment[entry.value])
                return true
            }
            let need = values[value].size
            let fitting = free.filter { capacities[$0] >= need }.min { capacities[$0] < capacities[$1] }
            let buffer: Int
            if let fitting {
                buffer = fitting
            } else if let largest = free.max(by: { capacities[$0] < capacities[$1] }) {
                buffer = largest
                capacities[largest] = need
            } else {
                buffer = capacities.count
                capacities.append(need)
            }
            free.remove(buffer)
            assignment[value] = buffer
            live.append((value, values[value].lastRead))
        }
        return (assignment, capacities)
    }
}
