import Foundation

/// Reads labelled text: a `.csv`, `.tsv` or `.jsonl` file (see `TextTable`), or a folder holding
/// `train.csv` (or `.tsv`, `.jsonl`) and optional `val.*` (`valid.*`, `validation.*`) and `test.*`
/// as the splits. Columns are chosen by `DataOptions`; the task kind decides the targets:
/// single-label and sentence-pair → `.label` (class names sorted), multi-label → `.labels` (the
/// field split by `multiLabelSeparator`, or a JSON array), regression → `.values` (the label
/// column(s) as numbers; `classes` are the column names). Inputs are `.textRecord`s: each row's
/// text (and pair, when a pair column is found or given) is read again from the memory-mapped file
/// when a batch needs it, so only where it is, its targets and its group stay in memory.
public enum TextFileReader {
    static let extensions = ["csv", "tsv", "jsonl"]

    /// The split file `name.csv`/`.tsv`/`.jsonl` in `folder`, when there is one.
    static func splitFile(_ names: [String], in folder: String) -> String? {
        for name in names {
            for ext in extensions where FileManager.default.fileExists(atPath: "\(folder)/\(name).\(ext)") { return "\(folder)/\(name).\(ext)" }
        }
        return nil
    }

    static func holdsSplitFiles(_ folder: String) -> Bool { splitFile(["train"], in: folder) != nil }

    public static func read(_ path: String, options: DataOptions) throws(DataError) -> DataSplits {
        var skipped = [SkippedExample]()
        guard ImageFolderReader.isFolder(path) else {
            let train = try examples(path, classes: nil, options: options, skipped: &skipped)
            return DataSplits(train: train, skipped: skipped, source: "\(TextTable.format(of: path).rawValue.uppercased()) file \(path)", modality: .text)
        }
        guard let trainPath = splitFile(["train"], in: path) else { throw .empty(path, expected: "train.csv, train.tsv or train.jsonl") }
        let train = try examples(trainPath, classes: nil, options: options, skipped: &skipped)
        var names = [(trainPath as NSString).lastPathComponent]
        let validation = try splitFile(["val", "valid", "validation"], in: path).map { (file) throws(DataError) in
            names.append((file as NSString).lastPathComponent)
            return try examples(file, classes: train.classes, options: options, skipped: &skipped)
        }
        let test = try splitFile(["test"], in: path).map { (file) throws(DataError) in
            names.append((file as NSString).lastPathComponent)
            return try examples(file, classes: train.classes, options: options, skipped: &skipped)
        }
        return DataSplits(
            train: train, validation: validation, test: test, skipped: skipped,
            source: "text folder \(path) (\(names.joined(separator: ", ")))", modality: .text)
    }

    /// The examples of one file. `classes` nil: a training file, whose labels are the classes;
    /// else every label must be one of `classes`.
    static func examples(
        _ path: String, classes known: [String]?, options: DataOptions, skipped: inout [SkippedExample]
    ) throws(DataError) -> LabelledExamples {
        let table = try TextTable(path: path, options: options)
        let kind = options.kind
        let header = table.columns.joined(separator: ", ")
        func column(_ given: String?, _ candidates: [String], _ what: String, required: Bool) throws(DataError) -> String? {
            if let given {
                guard table.columns.contains(given) else { throw .malformed(path, line: 1, reason: "no \(what) column '\(given)' (the columns are \(header))") }
                return given
            }
            if let found = candidates.first(where: table.columns.contains) { return found }
            guard !required else {
                throw .malformed(path, line: 1, reason: "no \(what) column: expected one of \(candidates.joined(separator: ", ")) (the columns are \(header))")
            }
            return nil
        }
        let labelColumns: [String]
        if table.legacy {
            guard kind != .sentencePair else { throw .malformed(path, line: 1, reason: "a sentence pair needs a header row naming a pair column (text_pair or sentence2)") }
            labelColumns = ["label"]
        } else if kind == .regression, let given = options.labelColumn, given.contains(",") {
            labelColumns = try given.split(separator: ",").map { (name) throws(DataError) in try column(String(name), [], "label", required: true)! }
        } else {
            labelColumns = [try column(options.labelColumn, DataOptions.labelColumns, "label", required: true)!]
        }
        let textColumn = table.legacy ? "text" : try column(options.textColumn, DataOptions.textColumns, "text", required: true)!
        let pairColumn = table.legacy ? nil : try column(options.pairColumn, DataOptions.pairColumns, "pair", required: kind == .sentencePair)
        let groupColumn = table.legacy ? nil : try options.groupColumn.flatMap { (name) throws(DataError) in try column(name, [], "group", required: true) }

        func bad(_ line: Int, _ reason: String) throws(DataError) {
            guard options.skipBad else { throw .malformed(path, line: line, reason: reason) }
            skipped.append(SkippedExample(origin: "\(path):\(line)", reason: reason))
        }
        func text(_ row: TextTable.Row, _ name: String) throws(DataError) -> String? {
            switch row.fields[name] {
            case .string(let text)? where !text.allSatisfy(\.isWhitespace): return text
            case .string?: try bad(row.line, "empty text in column '\(name)'")
            case nil: try bad(row.line, "no '\(name)' field")
            case let value?: try bad(row.line, "'\(name)' is \(value), not text")
            }
            return nil
        }

        enum Raw {
            case labels([String]), values([Float])
            var labels: [String] { if case .labels(let labels) = self { labels } else { [] } }
            var width: Int { if case .values(let values) = self { values.count } else { 0 } }
        }
        // Only where each row's text is, its targets and group are kept: the texts are read again when a batch needs them.
        let records = TextRecords(table: table, textColumn: textColumn, pairColumn: pairColumn)
        var read = [(line: Int, input: ExampleInput, raw: Raw, group: String?)]()
        try table.forEachRow(bad: bad) { (row) throws(DataError) in
            guard try text(row, textColumn) != nil else { return }
            if let pairColumn, try text(row, pairColumn) == nil { return }
            let input = ExampleInput.textRecord(records, offset: row.offset, line: row.line)
            var raw: Raw
            switch kind {
            case .singleLabel, .sentencePair, .multiLabel:
                let name = labelColumns[0]
                var labels: [String]
                switch row.fields[name] {
                case nil: try bad(row.line, "no '\(name)' field"); return
                case .list(let values)?:
                    guard kind == .multiLabel else { try bad(row.line, "'\(name)' is a list, but the task is \(kind.rawValue)"); return }
                    labels = values.compactMap(\.label)
                    guard labels.count == values.count else { try bad(row.line, "'\(name)' holds a value that is not a label"); return }
                case let value?:
                    guard let label = value.label else { try bad(row.line, "'\(name)' is not a label"); return }
                    labels = kind == .multiLabel
                        ? label.split(separator: options.multiLabelSeparator).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                        : [label]
                }
                if kind != .multiLabel && labels[0].allSatisfy(\.isWhitespace) { try bad(row.line, "empty label in column '\(name)'"); return }
                raw = .labels(labels)
            case .regression:
                var values = [Float]()
                for name in labelColumns {
                    switch row.fields[name] {
                    case nil: try bad(row.line, "no '\(name)' field"); return
                    case .number(let number)?: values.append(Float(number))
                    case .list(let list)? where labelColumns.count == 1:
                        for element in list {
                            guard case .number(let number) = element else { try bad(row.line, "'\(name)' holds a value that is not a number"); return }
                            values.append(Float(number))
                        }
                    case .string(let string)?:
                        guard let number = Float(string.trimmingCharacters(in: .whitespaces)), number.isFinite else {
                            try bad(row.line, "'\(string)' in column '\(name)' is not a number")
                            return
                        }
                        values.append(number)
                    case let value?: try bad(row.line, "'\(name)' is \(value), not a number"); return
                    }
                }
                raw = .values(values)
            }
            read.append((row.line, input, raw, groupColumn.flatMap { row.fields[$0]?.label }.flatMap { $0.isEmpty ? nil : $0 }))
        }

        let classes: [String]
        if kind == .regression {
            let widths = Set(read.map(\.raw.width))
            guard widths.count <= 1 else { throw .malformed(path, line: read[0].line, reason: "rows have \(widths.sorted().map(String.init).joined(separator: " and ")) target values") }
            let width = widths.first ?? labelColumns.count
            classes = labelColumns.count == width ? labelColumns : (0..<width).map { "\(labelColumns[0])[\($0)]" }
            if let known, known != classes { throw .unsuitable(path, reason: "targets \(classes.joined(separator: ", ")), but the training file's are \(known.joined(separator: ", "))") }
        } else {
            classes = known ?? Set(read.flatMap(\.raw.labels)).sorted()
        }
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var examples = [Example]()
        examples.reserveCapacity(read.count)
        for (line, input, raw, group) in read {
            let target: ExampleTarget
            switch raw {
            case .values(let values): target = .values(values)
            case .labels(let labels):
                var indices = [Int]()
                for label in labels {
                    guard let position = index[label] else {
                        throw .unknownClass("\(path):\(line)", split: (path as NSString).lastPathComponent, label: label)
                    }
                    indices.append(position)
                }
                target = kind == .multiLabel ? .labels(Array(Set(indices)).sorted()) : .label(indices[0])
            }
            examples.append(Example(input: input, target: target, origin: "\(path):\(line)", group: group))
        }
        guard !examples.isEmpty || known != nil else { throw .empty(path, expected: "labelled records") }
        if known == nil && kind != .regression && classes.count < 2 { throw .singleClass(path, label: classes.first ?? "") }
        return LabelledExamples(examples: examples, classes: classes)
    }
}
