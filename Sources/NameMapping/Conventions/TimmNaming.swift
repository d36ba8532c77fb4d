import Architectures

/// Not yet written.
struct TimmNaming: ConventionNaming {

    func layout(of model: RegisteredModel, graph: ModelGraph) -> ConventionLayout? { nil }
}
