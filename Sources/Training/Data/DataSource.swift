import Foundation

/// The one reader of labelled data: dispatches a path to the reader its contents call for.
///
/// - a folder holding `train-images-idx3-ubyte[.gz]` and `train-labels-idx1-ubyte[.gz]`: `IDXFolderReader`;
/// - a folder holding `train.csv`, `train.tsv` or `train.jsonl`: `TextFileReader`, its files the splits;
/// - any other folder: `ImageFolderReader` (class folders, or `train/`, `val/`, `test/` of class folders);
/// - a file: `TextFileReader` (`.csv`, `.jsonl`; anything else is read as TSV, or legacy `label<TAB>text` lines).
public enum DataSource {
    public static func read(_ path: String, options: DataOptions = DataOptions()) throws(DataError) -> DataSplits {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw .missing(path) }
        guard isFolder.boolValue else { return try TextFileReader.read(path, options: options) }
        if IDXFolderReader.holdsIDX(path) { return try IDXFolderReader.read(path, options: options) }
        if TextFileReader.holdsSplitFiles(path) { return try TextFileReader.read(path, options: options) }
        return try ImageFolderReader.read(path, options: options)
    }
}
