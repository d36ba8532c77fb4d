// swift-tools-version: 6.0
import Foundation
import PackageDescription

/// libFuzzer targets (`LLVMFuzzerTestOneInput` entry points, linked with libFuzzer by Fuzz/run.sh)
/// join the package only when `ZOO_FUZZ=1`, so ordinary builds never see them.
let fuzzing = ProcessInfo.processInfo.environment["ZOO_FUZZ"] == "1"
let fuzzTargets: [Target] = fuzzing
    ? [.target(name: "FuzzSupport", dependencies: ["CheckpointFormats"], path: "Fuzz/Support")]
        + ["Safetensors", "NumPy", "Zip", "PyTorch", "HDF5", "TensorFlow", "Detection"].map {
            .target(name: "Fuzz\($0)", dependencies: ["CheckpointFormats", "FuzzSupport"], path: "Fuzz/\($0)")
        }
    : []

let package = Package(
    name: "ModelZoo",
    products: [
        .library(name: "ModelZoo", targets: ["ModelZoo"]),
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "CheckpointFormats", targets: ["CheckpointFormats"]),
        .library(name: "Architectures", targets: ["Architectures"]),
        .library(name: "Preprocessing", targets: ["Preprocessing"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "NameMapping", targets: ["NameMapping"]),
        .library(name: "Plans", targets: ["Plans"]),
        .library(name: "Advisor", targets: ["Advisor"]),
        .library(name: "Training", targets: ["Training"]),
        .executable(name: "zoo", targets: ["ZooCLI"]),
        .executable(name: "zoo-hdf5-probe", targets: ["HDF5Probe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlibShim", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "Tensors", dependencies: ["COpenBLAS"]),
        .target(name: "CheckpointFormats", dependencies: ["Tensors", "CZlibShim", "CHDF5"]),
        .target(name: "Architectures", dependencies: ["Tensors", .product(name: "Yams", package: "Yams")], plugins: ["EmbedFiles"]),
        .executableTarget(name: "ResourceEmbedder"),
        .plugin(name: "EmbedFiles", capability: .buildTool(), dependencies: ["ResourceEmbedder"]),
        .plugin(name: "BuildInfo", capability: .buildTool()),
        .target(name: "Charts"),
        .target(name: "Preprocessing", dependencies: ["Tensors", "CJPEG", "CPNG"]),
        .target(name: "Engine", dependencies: ["Tensors", "Architectures", "CheckpointFormats"]),
        .target(name: "NameMapping", dependencies: ["Tensors", "CheckpointFormats", "Architectures", "Engine"]),
        .target(name: "Plans", dependencies: ["Tensors", "Architectures", "CheckpointFormats"]),
        .target(
            name: "Advisor",
            dependencies: ["Tensors", "COpenBLAS", "Architectures", "Engine", "CheckpointFormats", "Plans", "Training", .product(name: "Yams", package: "Yams")]),
        .target(name: "Training", dependencies: ["Engine", "Architectures", "Tensors", "Plans", "Preprocessing", "NameMapping", "CheckpointFormats", "Charts", "CZlibShim", "CCrypto"]),
        .target(
            name: "Export", dependencies: ["Training", "Plans", "Architectures", "NameMapping", "CheckpointFormats", "Tensors"], exclude: ["torchrun"],
            plugins: ["EmbedFiles"]),
        .target(name: "ModelZoo", dependencies: ["Tensors", "CheckpointFormats", "Architectures", "Charts", "Preprocessing", "Engine", "NameMapping", "Plans", "Advisor", "Training", "Export"]),
        .executableTarget(
            name: "ZooCLI",
            dependencies: ["ModelZoo", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            plugins: ["BuildInfo"]),
        .executableTarget(name: "HDF5Probe", dependencies: ["CheckpointFormats", "CHDF5"]),
        .executableTarget(
            name: "EngineBench", dependencies: ["Engine", "Architectures", "Tensors", "Plans", "Advisor", "Training", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks/EngineBench"),
        .executableTarget(name: "SafetensorsBench", dependencies: ["CheckpointFormats"], path: "Benchmarks/SafetensorsBench"),
        .target(name: "TestSupport", dependencies: ["CheckpointFormats"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "CheckpointFormats", "TestSupport"]),
        .testTarget(
            name: "CheckpointFormatsTests",
            dependencies: ["CheckpointFormats", "CHDF5", "TestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .testTarget(name: "ArchitecturesTests", dependencies: ["Architectures", "TestSupport"]),
        .testTarget(name: "ChartsTests", dependencies: ["Charts"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Architectures", "CheckpointFormats", "Preprocessing", "TestSupport"]),
        .testTarget(name: "NameMappingTests", dependencies: ["NameMapping", "Architectures", "CheckpointFormats", "Engine", "Preprocessing", "TestSupport"]),
        .testTarget(name: "PreprocessingTests", dependencies: ["Preprocessing", "CheckpointFormats", "TestSupport"]),
        .testTarget(name: "AdvisorTests", dependencies: ["Advisor", "Plans", "Tensors", "Architectures", "TestSupport"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "CZlibShim", "Engine", "Architectures", "CheckpointFormats", "Tensors", "NameMapping", "Preprocessing", "TestSupport"]),
        .testTarget(name: "ModelZooTests", dependencies: ["ModelZoo", "TestSupport"]),
        .testTarget(name: "ZooCLITests", dependencies: ["ZooCLI", "CheckpointFormats", "Plans", "Advisor", "Training", "Export", "TestSupport"]),
    ] + fuzzTargets
)
