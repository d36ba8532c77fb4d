import ArgumentParser
import Foundation
import ModelZoo

/// `zoo convert IN OUT [--to CONVENTION]`: change a checkpoint's format, and with `--to` its
/// framework's names and layouts.
struct Convert: CommonOptionsCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a checkpoint to another format or framework, streaming, atomically, checked by outputs.",
        discussion: """
            Without --to, tensor names are kept and only the container changes. With --to CONVENTION \
            (\(Convention.allCases.map(\.rawValue).joined(separator: ", "))) the source is identified (as `zoo identify` \
            does, or fixed by --model/--from), every tensor is renamed and re-laid-out for the target (OIHW→HWIO, \
            Linear→Dense, …), streamed to a staging file, verified (names, shapes, bytes) and checked by a forward pass \
            against the source before it is moved into place. Where the two frameworks compute the model differently \
            (batch-norm ε, padding, ResNet v1 strides, GELU form) the output difference is measured and reported; \
            --fold-epsilon rescales batch-norm weights so the target's ε computes the source's function. A target \
            that still computes a different function is refused (exit 6, nothing written) unless \
            --allow-different-function accepts it; to keep PyTorch's function in Keras, write a whole model: \
            --to keras3 OUT.keras. Hugging Face \
            targets are written as a folder (config.json + safetensors) that from_pretrained loads, with the \
            source folder's tokenizer files (vocab.txt, tokenizer.json, …) and sentence-transformers files \
            (modules.json, its modules' folders such as 1_Pooling/, sentence_bert_config.json) carried over.

            The output format comes from --format or OUT's extension (\(OutputFormat.extensionList)), or with --to \
            from the convention. Memory stays bounded by the largest tensor; OUT appears only when complete and \
            verified, and IN is never modified.

            \(ExitStatus.summary)
            """)

    @Argument(help: "The checkpoint to read (any format `zoo inspect` reads).")
    var input: String

    @Argument(help: "The file to write.")
    var output: String

    @Option(help: "Output format: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")), or an extension (pth, h5, weights.h5, …) (default: from OUT's extension).")
    var format: String?

    @Option(help: "Cast float tensors to f32, f16 or bf16 (round to nearest even); other tensors are unchanged.")
    var dtype: String?

    @Option(help: "Split safetensors output into shards of at most this size (e.g. 2GB, 500MiB), with a Hugging Face index.json.")
    var shardSize: String?

    @Flag(help: "Compress: deflate the members of an .npz (like np.savez_compressed), or chunk an HDF5 output's datasets with shuffle + gzip.")
    var compress = false

    @Flag(name: [.customLong("weights-only"), .customLong("drop-optimizer")],
          help: "Keep only the model's weights: drop optimizer state (Adam slots, …) and step counters, and write the model's own state dict (a training checkpoint's model. and a DataParallel module. prefix removed, as --to removes them). --drop-optimizer is the same flag.")
    var weightsOnly = false

    @Option(help: "Map names and layouts to this convention (see above).")
    var to: Convention?

    @Option(help: "With --to: the source's registry model (default: identified).")
    var model: String?

    @Option(name: .customLong("from"), help: "With --to: the source's convention (default: identified).")
    var sourceConvention: Convention?

    @Option(help: "With --to: keep or drop the classifier head.")
    var head: MappedConversionOptions.Head = .keep

    @Flag(help: "With --to: rescale batch-norm weights so the target's ε computes the source's function.")
    var foldEpsilon = false

    @Flag(help: "With --to: skip the forward-pass comparison of the written file with the source.")
    var skipOutputCheck = false

    @Flag(help: "With --to: write the target even where it computes a different function from the source (refused otherwise, exit 6; a warning on stderr says what differs).")
    var allowDifferentFunction = false

    @Flag(help: "Replace an OUT that is a symbolic link, device node, FIFO or socket (the name itself; nothing is written through it) instead of refusing it.")
    var replaceSpecialOutput = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    /// The output format: --format, else OUT's extension, else (with --to) the convention's.
    private var target: OutputFormat? {
        format.flatMap(OutputFormat.init(userName:)) ?? OutputFormat(path: output) ?? to.map(\.defaultFormat)
    }

    @OptionGroup var common: CommonOptions

    func validate() throws {
        if let format, OutputFormat(userName: format) == nil {
            throw ValidationError("--format must be one of \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if to == nil && (model != nil || sourceConvention != nil || head == .drop || foldEpsilon || skipOutputCheck || allowDifferentFunction) {
            throw ValidationError("--model, --from, --head, --fold-epsilon, --skip-output-check and --allow-different-function apply with --to only")
        }
        if to != nil && compress { throw ValidationError("--compress applies without --to only") }
        if target == nil {
            throw ValidationError("cannot tell the output format from '\(output)': name it \(OutputFormat.extensionList), or use --format")
        }
        if let dtype, DType(userName: dtype)?.isConvertibleFloat != true {
            throw ValidationError("--dtype must be f64, f32, f16 or bf16")
        }
        if target == .kerasModel && to != .keras3 { throw ValidationError("a .keras whole-model file is written with --to keras3") }
        if compress && ![.npz, .kerasH5, .kerasWeights].contains(target) { throw ValidationError("--compress applies to .npz and HDF5 output only") }
        if shardSize != nil && target != .safetensors && !writesFolder { throw ValidationError("--shard-size applies to safetensors output only") }
        if let shardSize, Format.parseBytes(shardSize) == nil {
            throw ValidationError("--shard-size must be a positive size such as 2GB, 500MiB or 1048576")
        }
    }

    /// Hugging Face targets without a named format or a file extension are folders.
    private var writesFolder: Bool {
        (to == .huggingface || to == .huggingfacePrefixed) && format == nil && OutputFormat(path: output) == nil
    }

    func run() throws {
        if let to { return try runMapped(to) }
        let options = ConversionOptions(
            format: target!,
            dtype: dtype.flatMap(DType.init(userName:)),
            maxShardBytes: shardSize.flatMap(Format.parseBytes),
            compress: compress,
            weightsOnly: weightsOnly,
            replaceSpecialOutput: replaceSpecialOutput)
        let reader = try Checkpoint.open(input)
        let bar = ProgressBar(label: "converting", enabled: !json && isatty(STDERR_FILENO) == 1)
        let report = try CheckpointConversion.run(reader, to: output, options: options) { bar.update(done: $0, total: $1) }
        bar.finish()
        if json {
            try printJSON(Result(report))
        } else {
            var cast = report.castTensors > 0 ? ", \(report.castTensors) cast to \(options.dtype!.rawValue)" : ""
            if report.droppedTensors > 0 { cast += ", \(report.droppedTensors) non-weight tensors dropped" }
            if !report.removedPrefix.isEmpty { cast += ", prefix '\(report.removedPrefix)' removed" }
            print("wrote \(report.tensors) tensors (\(Format.bytes(report.bytesWritten))\(cast)) to \(report.files.joined(separator: ", "))")
        }
        reader.warnings.forEach(warn)
    }

    struct Result: Encodable {
        let files: [String]
        let tensors: Int
        let bytesRead: Int
        let bytesWritten: Int
        let castTensors: Int
        let droppedTensors: Int
        let removedPrefix: String

        init(_ report: ConversionReport) {
            files = report.files
            tensors = report.tensors
            bytesRead = report.bytesRead
            bytesWritten = report.bytesWritten
            castTensors = report.castTensors
            droppedTensors = report.droppedTensors
            removedPrefix = report.removedPrefix
        }
    }

    private func runMapped(_ convention: Convention) throws {
        let options = MappedConversionOptions(
            target: convention, format: writesFolder ? nil : target, dtype: dtype.flatMap(DType.init(userName:)),
            maxShardBytes: shardSize.flatMap(Format.parseBytes), dropOptimizer: weightsOnly, head: head, foldEpsilon: foldEpsilon,
            checkOutputs: !skipOutputCheck, sourceModel: model, sourceConvention: sourceConvention, requireSameFunction: !allowDifferentFunction,
            replaceSpecialOutput: replaceSpecialOutput)
        let reader = try Checkpoint.open(input)
        let bar = ProgressBar(label: "converting", enabled: !json && isatty(STDERR_FILENO) == 1)
        let report = try MappedConversion.run(reader, to: output, options: options) { bar.update(done: $0, total: $1) }
        bar.finish()
        if let change = report.functionChange {
            let measured = report.outputs.map { "; on a fixed input: \(describe($0))" } ?? ""
            warn((change.remedy.map { $0 + ". " } ?? "") + "\(output) was written as asked, but \(change.summary)\(measured)")
        }
        if json { return try printJSON(MappedResult(report)) }
        let source = report.source
        print("\(input): \(source.model) in \(source.convention)\(source.prefix.isEmpty ? "" : " under '\(source.prefix)'") → \(report.target.convention)")
        print("wrote \(report.tensorsWritten) tensors (\(Format.bytes(report.bytesWritten))) to \(report.files.joined(separator: ", "))")
        printFields(report.transforms.sorted { $0.value > $1.value }.map { [$0.key, "\($0.value)"] })
        if !report.dropped.isEmpty { print("dropped: \(IdentificationReport.extrasSummary(report.dropped))") }
        if !report.carriedFiles.isEmpty {
            print("carried over from \(URL(fileURLWithPath: reader.path).deletingLastPathComponent().path): \(report.carriedFiles.joined(separator: ", "))")
        } else if writesFolder {
            print("no tokenizer or sentence-transformers files beside \(input) to carry over: add the tokenizer's files to \(output) before loading it")
        }
        for (side, differences) in [("source", source.layout.differences), ("target", report.targetDifferences)] where !differences.isEmpty {
            print("\(side) (\(side == "source" ? source.convention : report.target.convention)) computes differently from the registry graph: \(differences.map(\.description).joined(separator: "; "))")
        }
        if report.foldedScales > 0 { print("folded the ε difference into \(report.foldedScales) batch-norm scales") }
        if let outputs = report.outputs {
            let verdict = !report.sameComputation ? "a different function (see the warning)"
                : outputs.isEquivalent ? "same function" : "same function, up to the \(options.dtype?.rawValue ?? "") cast"
            print("outputs, target vs source: \(describe(outputs)) → \(verdict)")
        }
        reader.warnings.forEach(warn)
    }

    struct MappedResult: Encodable {
        let source: IdentificationReport.Reading
        let target: String
        let files: [String]
        let tensors: Int
        let bytesWritten: Int
        let transforms: [String: Int]
        let dropped: [ExtraTensor]
        /// Tokenizer and sentence-transformers files copied from the source's folder.
        let carriedFiles: [String]
        let targetDifferences: [String]
        let foldedScales: Int
        let outputs: OutputComparison?
        let sameFunction: Bool

        init(_ report: MappedConversionReport) {
            source = .init(report.source)
            target = report.target.convention.rawValue
            files = report.files
            tensors = report.tensorsWritten
            bytesWritten = report.bytesWritten
            transforms = report.transforms
            dropped = report.dropped
            carriedFiles = report.carriedFiles
            targetDifferences = report.targetDifferences.map(\.description)
            foldedScales = report.foldedScales
            outputs = report.outputs
            sameFunction = report.sameComputation
        }
    }
}
extension MappedConversionOptions.Head: ExpressibleByArgument {}
