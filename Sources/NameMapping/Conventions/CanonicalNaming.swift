import Architectures

/// The registry's own names: torchvision's for its families, Hugging Face's for encoders (and
/// timm's for the timm-native families, through `TimmNaming`). Every parameter maps to itself.
struct CanonicalNaming: ConventionNaming {
    let convention: Convention
    let families: Set<String>

    func layout(of model: RegisteredModel, graph: ModelGraph) -> ConventionLayout? {
        guard families.contains(model.namingFamily) else { return nil }
        var builder = LayoutBuilder(convention, model, graph)
        for parameter in graph.parameters { builder.map(parameter.name, to: parameter.name) }
        return builder.finish()
    }
}

/// Hugging Face task models (`BertForSequenceClassification`…): the encoder under the family's
/// attribute (`bert.`, `roberta.`, `distilbert.`), the head (`classifier`) at the top level.
struct PrefixedHuggingFaceNaming: ConventionNaming {
    func layout(of model: RegisteredModel, graph: ModelGraph) -> ConventionLayout? {
        let prefix: String
        switch model.namingFamily {
        case "bert", "minilm": prefix = "bert."
        case "roberta": prefix = "roberta."
        case "distilbert": prefix = "distilbert."
        default: return nil
        }
        var builder = LayoutBuilder(.huggingfacePrefixed, model, graph)
        for parameter in graph.parameters {
            builder.map(parameter.name, to: parameter.group == .head ? parameter.name : prefix + parameter.name)
        }
        return builder.finish()
    }
}
