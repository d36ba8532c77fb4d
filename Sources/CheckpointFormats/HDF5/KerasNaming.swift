/// How zoo names the weights of Keras HDF5 files, and how it groups names back into Keras layers
/// when writing, so that reading a file zoo wrote gives back the same names.
public enum KerasNaming {
    /// The zoo name of weight `weight` of legacy-layout layer `layer`: the weight name itself when
    /// it already starts with the layer's name (`dense/kernel:0` in layer `dense`), otherwise
    /// `layer/weight` (a nested model's `sequential/dense/kernel:0`).
    public static func tensorName(layer: String, weight: String) -> String {
        if weight == layer || weight.hasPrefix(layer + "/") || weight.hasPrefix(layer + ".") { return weight }
        return layer + "/" + weight
    }

    /// The legacy-layout layer a tensor name belongs to when zoo writes it: the first `/`
    /// component (`dense/kernel:0` → `dense`), else everything before the last `.`
    /// (`features.0.weight` → `features.0`), else the name itself. The weight keeps the full name.
    public static func layer(of name: String) -> String {
        if let slash = name.firstIndex(of: "/") { return String(name[..<slash]) }
        if let dot = name.lastIndex(of: "."), dot != name.startIndex { return String(name[..<dot]) }
        return name
    }

    /// Keras 3 `.weights.h5`: the layer path and variable index of `layers/…/vars/<i>`, if the
    /// name has that form.
    public static func keras3Parts(_ name: String) -> (layer: String, weight: String)? {
        guard let range = name.range(of: "/vars/", options: .backwards) else { return nil }
        let index = name[range.upperBound...]
        guard !index.isEmpty, index.allSatisfy(\.isASCII), index.allSatisfy(\.isNumber) else { return nil }
        return (String(name[..<range.lowerBound]), String(index))
    }

    /// The order zoo lists a group's children in: all-digit names by value (then by name, so
    /// "007" and "7" have an order), before other names in byte order: `vars/2` before `vars/10`.
    public static func childOrder(_ a: String, _ b: String) -> Bool {
        func digits(_ name: String) -> [UInt8]? {
            let bytes = Array(name.utf8)
            guard !bytes.isEmpty, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return Array(bytes.drop { $0 == 0x30 })  // the value, compared by length then digits
        }
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        switch (digits(a), digits(b)) {
        case (let p?, let q?):
            if p.count != q.count { return p.count < q.count }
            if p != q { return p.lexicographicallyPrecedes(q) }
            return x.lexicographicallyPrecedes(y)
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return x.lexicographicallyPrecedes(y)
        }
    }

    /// Keras's limit on one attribute's data; longer name lists are split into `name0`, `name1`, …
    static let attributeLimit = 64512
}
