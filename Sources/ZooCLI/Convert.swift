import ArgumentParser
import Foundation
import ModelZoo

/// `zoo convert IN OUT`: change a checkpoint's container format (names unchanged).
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert a checkpoint to another format, streaming, atomically.",
        discussion: """
            Tensor names are kept. The output format comes from --format or OUT's extension \
            (\(OutputFormat.extensionList)). Memory stays bounded by the largest tensor; OUT appears only \
            when complete, and IN is never modified.

            \(ExitStatus.summary)
            """)

    @Argument(help: "The checkpoint to read (any format `zoo inspect` reads).")
    var input: String

    @Argument(help: "The file to write.")
    var output: String

    @Option(help: "Output format: \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", ")) (default: from OUT's extension).")
    var format: String?

    @Option(help: "Cast float tensors to f32, f16 or bf16 (round to nearest even); other tensors are unchanged.")
    var dtype: String?

    @Option(help: "Split safetensors output into shards of at most this size (e.g. 2GB, 500MiB), with a Hugging Face index.json.")
    var shardSize: String?

    @Flag(help: "Compress: deflate the members of an .npz (like np.savez_compressed), or chunk an HDF5 output's datasets with shuffle + gzip.")
    var compress = false

    @Flag(help: "Keep only model weights: drop optimizer state (Adam slots, …) and step counters.")
    var weightsOnly = false

    @Flag(help: "Print the result as JSON.")
    var json = false

    /// The output format: --format, else OUT's extension.
    private var target: OutputFormat? { format.flatMap(OutputFormat.init(rawValue:)) ?? OutputFormat(path: output) }

    func validate() throws {
        if let format, OutputFormat(rawValue: format) == nil {
            throw ValidationError("--format must be one of \(OutputFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if target == nil {
            throw ValidationError("cannot tell the output format from '\(output)': name it \(OutputFormat.extensionList), or use --format")
        }
        if let dtype, DType(userName: dtype)?.isConvertibleFloat != true {
            throw ValidationError("--dtype must be f64, f32, f16 or bf16")
        }
        if compress && ![.npz, .kerasH5, .kerasWeights].contains(target) { throw ValidationError("--compress applies to .npz and HDF5 output only") }
        if shardSize != nil && target != .safetensors { throw ValidationError("--shard-size applies to safetensors output only") }
        if let shardSize, Format.parseBytes(shardSize) == nil {
            throw ValidationError("--shard-size must be a positive size such as 2GB, 500MiB or 1048576")
        }
    }

    func run() throws {
        let options = ConversionOptions(
            format: target!,
            dtype: dtype.flatMap(DType.init(userName:)),
            maxShardBytes: shardSize.flatMap(Format.parseBytes),
            compress: compress,
            weightsOnly: weightsOnly)
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
}
