import CheckpointFormats
import Foundation
import Testing

/// A staging folder dropped before it is published leaves nothing, module folders included.
@Suite struct StagingFolderTests {
    @Test func aDroppedStagingFolderIsRemovedWithItsSubfolders() throws {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("zoo-staging-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: parent) }
        var path = ""
        do {
            let staging = try StagingFolder(beside: parent + "/model")
            path = staging.path
            try FileManager.default.createDirectory(atPath: staging.file("1_Pooling"), withIntermediateDirectories: true)
            try Data("{}".utf8).write(to: URL(fileURLWithPath: staging.file("1_Pooling/config.json")))
            try Data("x".utf8).write(to: URL(fileURLWithPath: staging.file("vocab.txt")))
        }
        #expect(!path.isEmpty && !FileManager.default.fileExists(atPath: path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent).isEmpty)
    }
}
