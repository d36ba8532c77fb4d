import ArgumentParser
import Foundation
import ModelZoo

/// `zoo models …`: browse the architecture registry.
struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Browse the architectures zoo knows: parameters, compute, freeze groups and fine-tuning cost.",
        discussion: ExitStatus.summary,
        subcommands: [List.self, Show.self, Search.self, Plot.self])

    /// One registry row, for tables and JSON.
    struct Row: Encodable {
        let name: String
        let family: String
        let task: String
        let parameters: Int
        let gmacs: Double
        let input: String
        /// Best published ImageNet acc@1 (or other top-1 accuracy) on the model's card, if any.
        let accuracy: Double?

        init(_ model: RegisteredModel) {
            let graph = model.graph
            name = model.name
            family = model.family
            task = model.task
            parameters = graph.parameterCount
            gmacs = Double(graph.totalMultiplyAccumulates()) / 1e9
            input = Models.describe(graph.input)
            accuracy = Models.cards[model.name]?.best("acc@1")?.value
        }
    }

    /// The model cards (built in, or `$ZOO_CARDS`); browsing works without them.
    static let cards: [String: ModelCard] = {
        do {
            return try ModelCards.standard().mapValues(\.card)
        } catch {
            warn("model cards not loaded: \(error)")
            return [:]
        }
    }()

    static func describe(_ input: InputSpec) -> String {
        switch input {
        case .image(let channels, let size): "\(channels)×\(size)×\(size)"
        case .tokens(let length): "\(length) tokens"
        }
    }

    static func table(_ rows: [Row]) -> String {
        Table(header: ["NAME", "FAMILY", "TASK", "PARAMS", "GMACs", "ACC@1", "INPUT"], rightAligned: [3, 4, 5],
              rows: rows.map {
                  [$0.name, $0.family, $0.task, Format.count($0.parameters), String(format: "%.3f", $0.gmacs),
                   $0.accuracy.map { String(format: "%.2f", $0) } ?? "—", $0.input]
              }).rendered
    }

    struct List: CommonOptionsCommand {
        static let configuration = CommandConfiguration(
            abstract: "List registry models, filtered and sorted.",
            discussion: """
                GMACs are multiply-accumulates per sample at the default input (encoders: per 128-token sequence). \
                ACC@1 is the best ImageNet-1K top-1 accuracy on the model's card in zoo/ (— where none is published there).
                """)

        enum SortKey: String, ExpressibleByArgument, CaseIterable {
            case name, params, gmacs, accuracy

            /// `flops`, the old name of `gmacs`, still sorts by multiply-accumulates.
            init?(argument: String) { self.init(rawValue: argument == "flops" ? "gmacs" : argument) }
        }

        @Option(help: "Only this family (e.g. resnet, vgg, mobilenet, efficientnet_lite, bert, roberta, distilbert, minilm).")
        var family: String?

        @Option(help: "Only image or text models.")
        var task: String?

        @Option(help: "At most this many parameters (e.g. 25M, 1.5B, 4000000).")
        var maxParams: String?

        @Option(help: "At most this many GMACs (billions of multiply-accumulates) per sample.")
        var maxGmacs: Double?

        /// The old name of --max-gmacs, which counted multiply-accumulates too.
        @Option(name: .customLong("max-gflops"), help: .hidden)
        var maxGflops: Double?

        @Option(help: "Order: name, params, gmacs, or accuracy (best first).")
        var sort: SortKey = .name

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        @OptionGroup var common: CommonOptions

        func validate() throws {
            if let task, !["image", "text"].contains(task) { throw ValidationError("--task must be image or text") }
            if let maxParams, Format.parseCount(maxParams) == nil { throw ValidationError("--max-params must be a count such as 25M or 4000000") }
            if let family, !Registry.models.contains(where: { $0.family == family }) {
                throw ValidationError("unknown family '\(family)'; known: \(Set(Registry.models.map(\.family)).sorted().joined(separator: ", "))")
            }
        }

        func run() throws {
            let limit = maxParams.flatMap(Format.parseCount), maxGmacs = maxGmacs ?? maxGflops
            var rows = Registry.models
                .filter { family == nil || $0.family == family }
                .filter { task == nil || $0.task == task }
                .map(Row.init)
                .filter { limit == nil || $0.parameters <= limit! }
                .filter { maxGmacs == nil || $0.gmacs <= maxGmacs! }
            switch sort {
            case .name: rows.sort { $0.name < $1.name }
            case .params: rows.sort { $0.parameters < $1.parameters }
            case .gmacs: rows.sort { $0.gmacs < $1.gmacs }
            case .accuracy: rows.sort { ($0.accuracy ?? -1, $1.name) > ($1.accuracy ?? -1, $0.name) }
            }
            if json { try printJSON(rows) } else { print(Models.table(rows)) }
        }
    }

    struct Search: CommonOptionsCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find models by name, family or task: TEXT anywhere in one, or a shell glob ('*lite*', 'resnet?0*').",
            discussion: "Names include the Hugging Face ids and torchvision weights on the cards; case and -/_ do not matter.")

        @Argument(help: "Text to look for, or a glob with * ? [ ] (quote it).")
        var text: String

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        @OptionGroup var common: CommonOptions

        func run() throws {
            let rows = ModelNames.standard.search(text).map(Row.init)
            if json { try printJSON(rows) } else { print(rows.isEmpty ? "no model matches '\(text)'" : Models.table(rows)) }
        }
    }

    struct Show: CommonOptionsCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a model's structure by freeze group and what fine-tuning costs at each freeze depth.",
            discussion: """
                Row k of the cost table freezes every group above it. Frozen groups run in inference mode \
                (their batch-norm layers keep their running statistics fixed: FROZEN BN) and need no backward pass; their output can be cached. Memory is \
                f32: weights, gradients, optimizer state and the activations stored for the backward pass.
                """)

        @Argument(help: "A model: its registry name, a Hugging Face id on its card (bert-base-uncased), a torchvision weight (ResNet50_Weights.IMAGENET1K_V2) or a timm name (resnet50.tv_in1k).")
        var name: String

        @Option(help: "Image size for image models (default: the model's own).")
        var input: Int?

        @Option(help: "Sequence length for text models.")
        var seq: Int = 128

        @Option(help: "Batch size for the activation memory.")
        var batch: Int = 32

        @Option(help: "Optimizer for the state memory: sgd or adamw.")
        var optimizer: String = "adamw"

        @Option(help: "Classes of the task head (default: the published head).")
        var classes: Int?

        @Flag(help: "Print JSON instead of tables.")
        var json = false

        @OptionGroup var common: CommonOptions

        func validate() throws {
            do { _ = try ModelNames.standard.resolve(name) } catch { throw ValidationError(error.description) }
            if FreezePlan.Optimizer(rawValue: optimizer) == nil { throw ValidationError("--optimizer must be sgd or adamw") }
            // Upper bounds keep every memory and FLOP figure inside Int (the largest model at the
            // largest input, batch and sequence); beyond them the arithmetic trapped.
            guard (1...65536).contains(batch), (1...65536).contains(seq), (32...8192).contains(input ?? 32), (1...1_000_000).contains(classes ?? 1) else {
                throw ValidationError("--batch and --seq must be 1 to 65536, --input 32 to 8192, --classes 1 to 1000000")
            }
        }

        struct Group: Encodable {
            let group: String
            let parameters: Int
            let gmacs: Double
            /// The group's parameters and buffers by canonical name (what freezing it freezes).
            let tensors: [String]
        }

        struct Depth: Encodable {
            let frozenThrough: String
            let trainableParameters: Int
            let forwardGmacs: Double
            let backwardGmacs: Double
            let cacheableFeatures: Int
            let frozenBatchNorms: Int
            let memoryBytes: [String: Int]
        }

        struct Checkpoint: Encodable {
            struct Figure: Encodable {
                let metric: String
                let value: Double
                let dataset: String
                let source: String
            }

            let name: String
            let library: String
            let file: String?
            let published: [Figure]
            let sizeMB: Double?
            let preprocessing: String?
            let licence: String
            let note: String?
        }

        struct Report: Encodable {
            let model: Row
            let paper: String?
            let checkpoints: [Checkpoint]
            let input: String
            let batch: Int
            let optimizer: String
            let groups: [Group]
            let freezeDepths: [Depth]
        }

        /// Images: resize, crop, interpolation; text: tokenizer, vocabulary, casing, length.
        static func describe(_ p: ModelCard.Preprocessing) -> String {
            if let tokenizer = p.tokenizer {
                return [tokenizer, p.vocabulary.map { "\($0) tokens" }, p.lowercase.map { $0 ? "lower-cased" : "cased" },
                        p.maxLength.map { "max \($0)" }].compactMap { $0 }.joined(separator: ", ")
            }
            return [p.resize.map { "resize \($0)" }, p.crop.map { "crop \($0)" }, p.interpolation].compactMap { $0 }.joined(separator: ", ")
        }

        static func format(_ value: Double) -> String { value == value.rounded() ? String(format: "%.1f", value) : String(value) }

        func run() throws {
            let model = try ModelNames.standard.resolve(name)
            let graph = model.build(classes ?? model.publishedClasses)
            let spec: InputSpec
            switch graph.input {
            case .image(let channels, let size): spec = .image(channels: channels, size: input ?? size)
            case .tokens: spec = .tokens(length: seq)
            }
            let macs = graph.multiplyAccumulates(input: spec)
            let groups = graph.freezeGroups.map { group in
                Group(
                    group: group.description,
                    parameters: graph.parameters.filter { $0.group == group && !$0.spec.isBuffer }.reduce(0) { $0 + $1.spec.elementCount },
                    gmacs: Double(graph.nodes.indices.filter { graph.nodes[$0].group == group }.reduce(0) { $0 + macs[$1] }) / 1e9,
                    tensors: graph.parameters.filter { $0.group == group }.map(\.name))
            }
            let chosen = FreezePlan.Optimizer(rawValue: optimizer)!
            let depths = (0..<graph.freezeGroups.count).map { frozen in
                let plan = FreezePlan(graph, frozenGroups: frozen, input: spec)
                let bytes = plan.trainingBytes(batch: batch, optimizer: chosen)
                return Depth(
                    frozenThrough: plan.frozen.last?.description ?? "nothing", trainableParameters: plan.trainableParameters,
                    forwardGmacs: Double(plan.forwardMACs) / 1e9, backwardGmacs: Double(plan.backwardMACs) / 1e9,
                    cacheableFeatures: plan.cacheableFeatures, frozenBatchNorms: plan.frozenBatchNorms.count,
                    memoryBytes: ["weights": bytes.weights, "gradients": bytes.gradients, "optimizer": bytes.optimizer, "activations": bytes.activations])
            }
            let card = Models.cards[model.name]
            let checkpoints = (card?.checkpoints ?? []).map { checkpoint in
                Checkpoint(
                    name: checkpoint.name, library: checkpoint.library, file: checkpoint.file,
                    published: checkpoint.accuracy.map { .init(metric: $0.metric, value: $0.value, dataset: $0.dataset, source: $0.source) },
                    sizeMB: checkpoint.sizeMB, preprocessing: checkpoint.preprocessing.map(Self.describe), licence: checkpoint.licence,
                    note: checkpoint.note)
            }
            let paper = card?.paper.map { "\($0.title) (\($0.authors), \($0.year)) \($0.url)" }
            let report = Report(
                model: Row(model), paper: paper, checkpoints: checkpoints, input: Models.describe(spec), batch: batch,
                optimizer: optimizer, groups: groups, freezeDepths: depths)
            if json { return try printJSON(report) }

            print("\(model.name)  (\(model.family), \(model.task))  \(Format.count(graph.parameterCount)) parameters, input \(report.input)")
            if case .tokens(let length) = spec {
                let total = Double(macs.reduce(0, +)) / 1e9
                print(String(format: "compute: %.3f GMACs per %d-token sequence, %.4f per token", total, length, total / Double(length)))
            }
            if let paper { print("paper: \(paper)") }
            if !checkpoints.isEmpty {
                print()
                print(Table(
                    header: ["CHECKPOINT", "FILE", "PUBLISHED", "SIZE", "PREPROCESSING"], rightAligned: [3],
                    rows: checkpoints.map { checkpoint in
                        let figures = checkpoint.published.prefix(3).map { "\($0.metric) \(Self.format($0.value))" }.joined(separator: ", ")
                        return [checkpoint.name, checkpoint.file ?? "—", figures.isEmpty ? "—" : figures,
                                checkpoint.sizeMB.map { String(format: "%.1f MB", $0) } ?? "—", checkpoint.preprocessing ?? "—"]
                    }).rendered)
                // Each distinct (dataset, source) once, numbered as the figures cite them.
                var cited: [String] = []
                for figure in checkpoints.flatMap(\.published) where !cited.contains("\(figure.dataset): \(figure.source)") {
                    cited.append("\(figure.dataset): \(figure.source)")
                }
                for citation in cited.prefix(4) { print("source: \(citation)") }
                if cited.count > 4 { print("source: … \(cited.count - 4) more (see --json)") }
                for licence in Set(checkpoints.map(\.licence)).sorted() { print("licence: \(licence)") }
            } else {
                print("no model card in zoo/ for this model yet")
            }
            print()
            print(Table(header: ["GROUP", "PARAMS", "GMACs"], rightAligned: [1, 2],
                        rows: groups.map { [$0.group, Format.count($0.parameters), String(format: "%.3f", $0.gmacs)] }).rendered)
            print()
            print("Fine-tuning cost per sample and memory at batch \(batch) with \(optimizer) (f32):")
            print(Table(
                header: ["FROZEN THROUGH", "TRAINABLE", "FWD GMACs", "BWD GMACs", "CACHEABLE", "FROZEN BN", "WEIGHTS", "GRADS+OPT", "ACTIVATIONS", "TOTAL"],
                rightAligned: Set(1...9),
                rows: depths.map { depth in
                    let memory = depth.memoryBytes
                    return [depth.frozenThrough, Format.count(depth.trainableParameters), String(format: "%.3f", depth.forwardGmacs),
                            String(format: "%.3f", depth.backwardGmacs), depth.cacheableFeatures == 0 ? "—" : Format.count(depth.cacheableFeatures),
                            String(depth.frozenBatchNorms),
                            Format.bytes(memory["weights"]!), Format.bytes(memory["gradients"]! + memory["optimizer"]!),
                            Format.bytes(memory["activations"]!), Format.bytes(memory.values.reduce(0, +))]
                }).rendered)
        }
    }

    struct Plot: CommonOptionsCommand {
        static let configuration = CommandConfiguration(
            abstract: "Plot published accuracy against compute (log scale) as an SVG, Pareto front marked.",
            discussion: "Only models whose card publishes an ImageNet-1K acc@1 appear; each at its best checkpoint.")

        @Option(help: "Only image or text models.")
        var task: String?

        @Option(name: .shortAndLong, help: "Where to write the SVG.")
        var output: String = "models.svg"

        @OptionGroup var common: CommonOptions

        func validate() throws {
            if let task, !["image", "text"].contains(task) { throw ValidationError("--task must be image or text") }
            if !output.lowercased().hasSuffix(".svg") { throw ValidationError("--output must name an .svg file") }
        }

        func run() throws {
            let rows = Registry.models.filter { task == nil || $0.task == task }.map(Row.init).filter { $0.accuracy != nil }
            guard !rows.isEmpty else {
                throw ValidationError("no model\(task.map { " for task \($0)" } ?? "") has a published accuracy on its card yet")
            }
            let plot = ScatterPlot(
                title: "ImageNet-1K top-1 accuracy against compute", xLabel: "GMACs per image (log scale)", yLabel: "top-1 accuracy (%)",
                logX: true, points: rows.map { ScatterPlot.Point(label: $0.name, x: $0.gmacs, y: $0.accuracy!, group: $0.family) })
            try AtomicFile.write(Array(plot.svg().utf8), to: output)
            let front = plot.paretoFront.map { rows[$0].name }
            print("wrote \(output): \(rows.count) models; Pareto front: \(front.joined(separator: " → "))")
        }
    }
}
