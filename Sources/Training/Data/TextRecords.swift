import Preprocessing

/// The texts of a text file's rows, read again from the memory-mapped file when a batch needs
/// them, so the examples of a file larger than memory hold where their text is, not the text.
public final class TextRecords: Sendable {
    let table: TextTable
    let textColumn: String
    /// The second text of a sentence pair.
    let pairColumn: String?

    init(table: TextTable, textColumn: String, pairColumn: String?) {
        (self.table, self.textColumn, self.pairColumn) = (table, textColumn, pairColumn)
    }

    /// The file the rows are in.
    public var path: String { table.path }

    /// The text, or the pair of texts, of the row at `offset` on `line`.
    func input(offset: Int, line: Int) throws(DataError) -> TextInput {
        let row = try table.row(at: offset, line: line)
        func text(_ column: String) throws(DataError) -> String {
            guard case .string(let text)? = row.fields[column] else { throw table.changed(line: line) }
            return text
        }
        guard let pairColumn else { return .single(try text(textColumn)) }
        return .pair(try text(textColumn), try text(pairColumn))
    }
}
