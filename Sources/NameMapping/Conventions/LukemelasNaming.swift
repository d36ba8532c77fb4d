import Architectures

/// Not yet written.
struct LukemelasNaming: ConventionNaming {

    func layout(of model: RegisteredModel, graph: ModelGraph) -> ConventionLayout? { nil }
}
