import Architectures

/// Not yet written.
struct TF1BERTNaming: ConventionNaming {

    func layout(of model: RegisteredModel, graph: ModelGraph) -> ConventionLayout? { nil }
}
