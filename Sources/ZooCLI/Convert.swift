import ArgumentParser
import Foundation
import ModelZoo

/// `zoo convert IN OUT [--to CONVENTION]`: change a checkpoint's format, and with `--to` its
/// framework's names and layouts.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a checkpoint to another format or framework, streaming, atomically, checked by outputs.",
        discussion: """
            Without --to, tensor names are kept and only the container changes. With --to CONVENTION \
            (\(Convention.allCases.map(\.rawValue).joined(separator: ", "))) the source is identified (as `zoo identify` \
            does, or fixed by --model/--from), every tensor is renamed and re-laid-out for the target (OIHW→HWIO, \
            Linear→Dense, …), streamed to a staging file, verified (names, shapes, bytes) and checked by a forward pass \
            against the source before it is moved into place. Where the two frameworks compute the model differently \
            (batch-norm ε, padding, ResNet v1 strides, GELU form) the output difference is measured and reported; \
            --fold-epsilon rescales batch-norm weights so the target's ε computes the source's function. Hugging Face \
            targets are written as a folder (config.json + safetensors) that from_pretrained loads.

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

    @Flag(help: "Keep only model weights: drop optimizer state (Adam slots, …) and step counters.")
    var weightsOnly = false

    @Option(help: "Map names and layouts to this convention (see above).")
    var to: Convention?

    @Option(help: "With --to: the source's registry model (default: identified).")
    var model: String?

    @Option(name: .customLong("from"), help: "With --to: the source's convention (default: identified).")
    var sourceConvention: Convention?

    @Flag(help: "With --to: drop optimizer slots (a source that has them is refused otherwise).")
    var dropOptimizer = false

    @Option(help: "With --to: keep or drop the classifier head.")
    var head: MappedConversionOptions.Head = .keep

    @Flag(help: "With --to: rescale batch-norm weights so the target's ε computes the source's function.")
    var foldEpsilon = false

    @Flag(help: "With --to: skip the forward-pass comparison of the written file with the source.")
    var skipOutputCheck = false

    @Flag(help: "Replace an OUT that is a symbolic link, device node, FIFO or socket (the name itself; nothing is written through it) instead of refusing it.")
    var replaceSpecialOutput = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    /// The output format: --format, else OUT's extension, else (with --to) the convention's.
    private var target: OutputFormat? {
        format.flatMap(OutputFormat.init(userName:)) ?? OutputFormat(path: output) ?? to.map(\.defaultFormat)
    }

    func validate() throws {
        if let format, OutputFormat(userName: format) == nil {
            throw ValidationError("--format must be one of \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if to == nil && (model != nil || sourceConvention != nil || dropOptimizer || head == .drop || foldEpsilon || skipOutputCheck) {
            throw ValidationError("--model, --from, --drop-optimizer, --head, --fold-epsilon and --skip-output-check apply with --to only")
        }
        if to != nil && (compress || weightsOnly) { throw ValidationError("--compress and --weights-only apply without --to only (use --drop-optimizer)") }
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
            print("wrote \(report.tensors) tensors (\(Format.bytes(report.bytesWritten))\(cast)) to \(report.files.joined(separator: ", "))")
        }
        for warning in reader.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
    }

    struct Result: Encodable {
        let files: [String]
        let tensors: Int
        let bytesRead: Int
        let bytesWritten: Int
        let castTensors: Int
        let droppedTensors: Int

        init(_ report: ConversionReport) {
            files = report.files
            tensors = report.tensors
            bytesRead = report.bytesRead
            bytesWritten = report.bytesWritten
            castTensors = report.castTensors
            droppedTensors = report.droppedTensors
        }
    }

    private func runMapped(_ convention: Convention) throws {
        let options = MappedConversionOptions(
            target: convention, format: writesFolder ? nil : target, dtype: dtype.flatMap(DType.init(userName:)),
            maxShardBytes: shardSize.flatMap(Format.parseBytes), dropOptimizer: dropOptimizer, head: head, foldEpsilon: foldEpsilon,
            checkOutputs: !skipOutputCheck, sourceModel: model, sourceConvention: sourceConvention, replaceSpecialOutput: replaceSpecialOutput)
        let reader = try Checkpoint.open(input)
        let bar = ProgressBar(label: "converting", enabled: !json && isatty(STDERR_FILENO) == 1)
        let report = try MappedConversion.run(reader, to: output, options: options) { bar.update(done: $0, total: $1) }
        bar.finish()
        if json { return try printJSON(MappedResult(report)) }
        let source = report.source
        print("\(input): \(source.model) in \(source.convention)\(source.prefix.isEmpty ? "" : " under '\(source.prefix)'") → \(convention)")
        print("wrote \(report.tensorsWritten) tensors (\(Format.bytes(report.bytesWritten))) to \(report.files.joined(separator: ", "))")
        printFields(report.transforms.sorted { $0.value > $1.value }.map { [$0.key, "\($0.value)"] })
        if !report.dropped.isEmpty { print("dropped: \(IdentificationReport.extrasSummary(report.dropped))") }
        for (side, differences) in [("source", source.layout.differences), ("target", report.targetDifferences)] where !differences.isEmpty {
            print("\(side) (\(side == "source" ? source.convention : convention)) computes differently from the registry graph: \(differences.map(\.description).joined(separator: "; "))")
        }
        if report.foldedScales > 0 { print("folded the ε difference into \(report.foldedScales) batch-norm scales") }
        if let outputs = report.outputs {
            let verdict = !report.sameComputation ? "the target computes a DIFFERENT function"
                : outputs.isEquivalent ? "same function" : "same function, up to the \(options.dtype?.rawValue ?? "") cast"
            print("outputs, target vs source: \(describe(outputs)) → \(verdict)")
        }
        for warning in reader.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
    }

    struct MappedResult: Encodable {
        let source: IdentificationReport.Reading
        let target: String
        let files: [String]
        let tensors: Int
        let bytesWritten: Int
        let transforms: [String: Int]
        let dropped: [ExtraTensor]
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
            targetDifferences = report.targetDifferences.map(\.description)
            foldedScales = report.foldedScales
            outputs = report.outputs
            sameFunction = report.sameComputation
        }
    }
}
extension MappedConversionOptions.Head: ExpressibleByArgument {}
