// swift-tools-version: 6.0
import Foundation
import PackageDescription

/// Fuzz targets are libFuzzer entry points without a `main`; they join the package only when
/// `ZOO_FUZZ=1` (see Fuzz/README.md), so ordinary builds never try to link them.
let fuzzing = ProcessInfo.processInfo.environment["ZOO_FUZZ"] == "1"
let fuzzTargets: [Target] = fuzzing
    ? ["Safetensors", "NumPy", "Zip", "Detection"].map {
        .executableTarget(
            name: "Fuzz\($0)", dependencies: ["CheckpointFormats"], path: "Fuzz/\($0)",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])])
    }
    : []

let package = Package(
    name: "ModelZoo",
    products: [
        .library(name: "ModelZoo", targets: ["ModelZoo"]),
        .library(name: "Tensors", targets: ["Tensors"]),
        .library(name: "CheckpointFormats", targets: ["CheckpointFormats"]),
        .executable(name: "zoo", targets: ["ZooCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        .systemLibrary(name: "CZlibShim", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "COpenBLAS", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "Tensors", dependencies: ["COpenBLAS"]),
        .target(name: "CheckpointFormats", dependencies: ["Tensors", "CZlibShim"]),
        .target(name: "ModelZoo", dependencies: ["Tensors", "CheckpointFormats"]),
        .executableTarget(
            name: "ZooCLI",
            dependencies: ["ModelZoo", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "SafetensorsBench", dependencies: ["CheckpointFormats"], path: "Benchmarks/SafetensorsBench"),
        .target(name: "TestSupport", dependencies: ["CheckpointFormats"], path: "Tests/TestSupport"),
        .testTarget(name: "TensorsTests", dependencies: ["Tensors", "CheckpointFormats", "TestSupport"]),
        .testTarget(
            name: "CheckpointFormatsTests",
            dependencies: ["CheckpointFormats", "TestSupport", .product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .testTarget(name: "ZooCLITests", dependencies: ["ZooCLI", "TestSupport"]),
    ] + fuzzTargets
)
