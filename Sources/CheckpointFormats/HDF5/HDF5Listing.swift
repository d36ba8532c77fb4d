import Tensors

/// What parsing an HDF5 checkpoint finds: its layout, its tensors in order with where each lives,
/// metadata, and warnings (without the file name). `zoo-hdf5-probe` sends it back as JSON, so the
/// caller never has to let libhdf5 decode a file's metadata itself.
struct HDF5Listing: Codable {
    let layout: HDF5Reader.Layout
    let tensors: [HDF5Reader.Entry]
    let metadata: [String: String]
    let warnings: [String]
}

/// What `zoo-hdf5-probe` prints: the listing of a readable file, or why it refused the file, so
/// the caller reports the same typed error without letting libhdf5 near a malformed file.
struct HDF5ProbeReport: Codable {
    struct Refusal: Codable {
        let problem: HDF5Problem
        let tensor: String?
        let offset: Int?
    }

    var listing: HDF5Listing?
    var refusal: Refusal?
}
