import Architectures

/// Not yet written.
struct KerasHubNaming: ConventionNaming {

    func layout(of model: RegisteredModel, graph: ModelGraph) -> ConventionLayout? { nil }
}
