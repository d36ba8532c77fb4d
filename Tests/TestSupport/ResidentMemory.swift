import Foundation

/// How many bytes of the memory map holding `bytes` are in this process's resident set, from
/// Linux's /proc/self/smaps; nil where that file cannot be read (other systems).
public func residentBytes(ofMapping bytes: UnsafeRawBufferPointer) -> Int? {
    // Read to the end: procfs hands the file out a page at a time, and String(contentsOfFile:) stops after one.
    guard let base = bytes.baseAddress, let data = try? FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/self/smaps")).readToEnd(),
          let smaps = String(data: data, encoding: .utf8) else { return nil }
    let address = UInt(bitPattern: base)
    var inMapping = false
    for line in smaps.split(separator: "\n") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        // A mapping's first line: "start-end perms offset device inode [path]", addresses in hex.
        let range = fields.first?.split(separator: "-")
        if let range, range.count == 2, let start = UInt(range[0], radix: 16), let end = UInt(range[1], radix: 16) {
            inMapping = start <= address && address < end
        } else if inMapping, fields.first == "Rss:", fields.count >= 2, let kilobytes = Int(fields[1]) {
            return kilobytes * 1024
        }
    }
    return nil
}
