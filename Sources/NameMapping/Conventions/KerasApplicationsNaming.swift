import Architectures

/// Not yet written.
struct KerasApplicationsNaming: ConventionNaming {
    let convention: Convention
    func layout(of model: RegisteredModel, graph: ModelGraph) -> ConventionLayout? { nil }
}
