// swift-tools-version: 6.0
// A package that uses ModelZoo the way another project would: by version. `make consumer` builds and
// runs it against a clone of this repository tagged with zoo's version (MODELZOO_URL).
import Foundation
import PackageDescription

let modelZoo = ProcessInfo.processInfo.environment["MODELZOO_URL"] ?? "https://github.com/modelzoo/ModelZoo"

let package = Package(
    name: "Consumer",
    dependencies: [.package(url: modelZoo, from: "0.1.0")],
    targets: [.executableTarget(name: "Consumer", dependencies: [.product(name: "ModelZoo", package: "ModelZoo")])]
)
