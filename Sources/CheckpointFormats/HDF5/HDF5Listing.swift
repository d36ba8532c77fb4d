import Tensors

/// What parsing an HDF5 checkpoint finds: its layout, its tensors in order with where each lives,
/// metadata, and warnings (without the file name). `zoo-hdf5-probe` sends it back as JSON, so the
/// caller never has to let libhdf5 decode a file's metadata itself.
struct HDF5Listing: Codable {
    struct Item: Codable {
        let info: TensorInfo
        let entry: HDF5Reader.Entry
    }

    let layout: HDF5Reader.Layout
    let tensors: [Item]
    let metadata: [String: String]
    let warnings: [String]
}
