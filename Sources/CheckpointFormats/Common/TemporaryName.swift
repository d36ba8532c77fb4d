/// The name of a hidden temporary file or folder beside an output: `.NAME.zoo-XXXXXX` (a
/// `mkstemp` / `mkdtemp` template), with NAME cut short at a character boundary where needed so
/// the whole name fits in NAME_MAX (255 bytes) whatever the output's own name, which can be as
/// long as NAME_MAX itself.
enum TemporaryName {
    static let nameMax = 255
    private static let suffix = ".zoo-XXXXXX"

    /// The template for an output named `name` (its last path component).
    static func template(for name: String) -> String {
        let room = nameMax - 1 - suffix.utf8.count
        var used = 0
        let kept = name.unicodeScalars.prefix(while: { scalar in
            used += UTF8.width(scalar)
            return used <= room
        })
        return "." + String(kept) + suffix
    }
}
