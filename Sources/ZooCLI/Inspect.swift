import ArgumentParser
import Foundation
import ModelZoo

/// `zoo inspect FILE…`: what a checkpoint holds.
struct Inspect: CommonOptionsCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the tensors in checkpoints: name, dtype, shape, elements, bytes; trainable parameters and buffers apart.",
        discussion: """
            FILE may be a safetensors file, a sharded index (*.safetensors.index.json), a NumPy .npy \
            or .npz, a PyTorch .pth/.bin/.pt (zip or legacy; no pickle code ever runs), an HDF5/Keras \
            .h5 or .weights.h5, a TensorFlow checkpoint (its .index, or the prefix), or a model \
            folder, a Hugging Face cache folder (models--ORG--NAME, opened at its current ref) or a Hub \
            id (ORG/NAME) already in the local cache ($HF_HUB_CACHE, else $HF_HOME/hub, else \
            ~/.cache/huggingface/hub; nothing is downloaded). The format is detected from the content, not \
            the name. Tensors that are not model weights (optimizer slots, step counters) are marked in a \
            ROLE column. The totals count trainable parameters and buffers apart, as torch's parameters() \
            and buffers() do (Keras: trainable and non-trainable): buffers are batch-norm running \
            statistics (running_mean, running_var, num_batches_tracked; Keras moving_mean, \
            moving_variance), position ids and any integer or boolean tensor.

            \(ExitStatus.summary)
            """)

    enum SortKey: String, ExpressibleByArgument, CaseIterable {
        case file, name, size
    }

    @Argument(help: "Checkpoint files, model folders or Hub ids in the local cache.")
    var files: [String]

    @Option(help: "Show only tensors whose name matches this shell glob (e.g. 'encoder.layer.0.*').")
    var filter: String?

    @Option(help: "Order of the rows: file (as stored), name, or size (largest first).")
    var sort: SortKey = .file

    @Flag(help: "Read every tensor and show its CRC-32 (to compare checkpoints bit for bit).")
    var checksum = false

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var common: CommonOptions

    func run() throws {
        var reports: [InspectReport] = []
        for path in files {
            let reader = try Checkpoint.open(path)
            reports.append(try InspectReport(reader, filter: filter, sort: sort, checksum: checksum))
        }
        if json {
            try printJSON(reports)
        } else {
            print(reports.map(\.table).joined(separator: "\n\n"))
            reports.flatMap(\.warnings).forEach(warn)
        }
    }
}

/// One checkpoint's inspection, as rows for people and as JSON for scripts.
struct InspectReport: Encodable {
    struct Row: Encodable {
        let name: String
        let dtype: String
        let shape: [Int]
        /// Elements (a parameter count for a trainable tensor).
        let elements: Int
        let bytes: Int
        /// weight, optimizer or bookkeeping.
        let role: String
        /// A weight that is saved but not trained (batch-norm statistics, position ids).
        let buffer: Bool
        /// For Keras HDF5 files: the layer and the weight's name (or variable index) in it.
        let kerasLayer: String?
        let kerasWeight: String?
        let crc32: String?
    }

    struct Totals: Encodable {
        let tensors: Int
        /// Trainable parameters: the weights that are not buffers (torch's `parameters()`).
        let parameters: Int
        /// Elements of buffers (torch's `buffers()`; Keras's non-trainable weights).
        let buffers: Int
        let bufferTensors: Int
        let bytes: Int
    }

    let path: String
    let format: String
    /// For HDF5: keras-legacy, keras3 or plain.
    let layout: String?
    let metadata: [String: String]
    let warnings: [String]
    let tensors: [Row]
    let totals: Totals

    init(_ reader: CheckpointReader, filter: String?, sort: Inspect.SortKey, checksum: Bool) throws {
        path = reader.path
        format = reader.format.rawValue
        let hdf5 = reader as? HDF5Reader
        layout = hdf5?.layout.rawValue
        metadata = reader.metadata
        warnings = reader.warnings
        let selected = reader.tensors.filter { info in filter.map { fnmatch($0, info.name, 0) == 0 } ?? true }
        let crcs = checksum ? try reader.checksums(of: selected) : nil
        var rows = selected.enumerated().map { index, info in
            let keras = hdf5?.entries[info.name]
            return Row(
                name: info.name, dtype: info.dtype.rawValue, shape: info.shape.dims, elements: info.elementCount, bytes: info.byteCount,
                role: reader.role(of: info.name).rawValue, buffer: BufferNames.isBuffer(info.name, dtype: info.dtype), kerasLayer: keras?.kerasLayer, kerasWeight: keras?.kerasWeight,
                crc32: crcs.map { String(format: "%08x", $0[index]) })
        }
        switch sort {
        case .file: break
        case .name: rows.sort { $0.name < $1.name }
        case .size: rows.sort { ($0.bytes, $1.name) > ($1.bytes, $0.name) }
        }
        tensors = rows
        let weights = rows.filter { $0.role == TensorRole.weight.rawValue }
        let buffers = weights.filter(\.buffer)
        totals = Totals(
            tensors: rows.count, parameters: weights.filter { !$0.buffer }.reduce(0) { $0 + $1.elements },
            buffers: buffers.reduce(0) { $0 + $1.elements }, bufferTensors: buffers.count, bytes: rows.reduce(0) { $0 + $1.bytes })
    }

    var table: String {
        var text = "\(path)  (\(CheckpointFormat(rawValue: format)?.displayName ?? format)\(layout.map { ", \($0) layout" } ?? ""))\n"
        if !metadata.isEmpty {
            text += "metadata: " + metadata.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + "\n"
        }
        let withCRC = tensors.first?.crc32 != nil
        let withRole = tensors.contains { $0.role != TensorRole.weight.rawValue }
        let body = tensors.map { row in
            [row.name, row.dtype, "[" + row.shape.map(String.init).joined(separator: ", ") + "]", Format.count(row.elements), Format.bytes(row.bytes)]
                + (withRole ? [row.role] : []) + (withCRC ? [row.crc32!] : [])
        }
        let footer = ["total: \(totals.tensors) tensors", "", "", Format.count(tensors.reduce(0) { $0 + $1.elements }), Format.bytes(totals.bytes)]
            + (withRole ? [""] : []) + (withCRC ? [""] : [])
        let header = ["NAME", "DTYPE", "SHAPE", "ELEMENTS", "BYTES"] + (withRole ? ["ROLE"] : []) + (withCRC ? ["CRC32"] : [])
        text += Table(header: header, rightAligned: [3, 4], rows: body, footer: footer).rendered
        text += "\ntrainable: \(Format.count(totals.parameters)) parameters · buffers: \(Format.count(totals.buffers)) "
            + "in \(totals.bufferTensors) tensors (batch-norm statistics, position ids; not trained)"
        for role in [TensorRole.optimizer, .bookkeeping] {
            let rows = tensors.filter { $0.role == role.rawValue }
            if !rows.isEmpty {
                text += "\n\(role.rawValue): \(rows.count) tensors, \(Format.bytes(rows.reduce(0) { $0 + $1.bytes })) (zoo convert --weights-only drops them)"
            }
        }
        return text
    }
}
