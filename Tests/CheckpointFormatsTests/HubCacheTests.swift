import CheckpointFormats
import Foundation
import TestSupport
import Testing

/// A Hugging Face cache repository opens at its current ref, a Hub id through the cache the
/// environment names; nothing is downloaded, and what is missing says where zoo looked.
@Suite struct HubCacheTests {
    let folder: TemporaryFolder
    let hub: HubCacheFolder
    let fixture = Fixtures.path("safetensors", "all_dtypes.safetensors")

    init() throws {
        folder = try TemporaryFolder()
        hub = HubCacheFolder(in: folder.file("hub"))
    }

    @Test func theCacheFolderComesFromTheEnvironment() {
        #expect(HubCache.folder(environment: ["HF_HUB_CACHE": "/a", "HF_HOME": "/b", "HOME": "/c"]) == "/a")
        #expect(HubCache.folder(environment: ["HF_HOME": "/b", "HOME": "/c"]) == "/b/hub")
        #expect(HubCache.folder(environment: ["HOME": "/c"]) == "/c/.cache/huggingface/hub")
    }

    @Test func aRepositoryOpensAtMainThroughTheBlobSymlinks() throws {
        let snapshot = try hub.add("org/model", files: ["model.safetensors": fixture])
        try hub.add("org/model", files: ["model.safetensors": Fixtures.path("safetensors", "no_metadata.safetensors")], ref: "v2", revision: String(repeating: "1", count: 40))
        let reader = try Checkpoint.open(hub.repository("org/model"))
        #expect(reader.path == snapshot + "/model.safetensors")
        #expect(reader.tensors.count == (try Checkpoint.open(fixture)).tensors.count)
    }

    @Test func theOnlyRefServesWithoutMainAndSeveralRefsWithoutMainAreRefused() throws {
        let snapshot = try hub.add("org/single", files: ["model.safetensors": fixture], ref: "v1")
        #expect(try HubCache.snapshot(ofRepository: hub.repository("org/single")) == snapshot)
        try hub.add("org/single", files: ["model.safetensors": fixture], ref: "v2", revision: String(repeating: "2", count: 40))
        let error = #expect(throws: HubCacheError.self) { try HubCache.snapshot(ofRepository: hub.repository("org/single")) }
        #expect(error?.reason.contains("v1, v2") == true)
    }

    @Test func aHubIdOpensItsCachedCopyAndAnAbsentOneSaysWhereZooLooked() throws {
        let snapshot = try hub.add("org/model", files: ["model.safetensors": fixture])
        #expect(try HubCache.snapshot(forID: "org/model", cache: hub.cache) == snapshot)
        let error = #expect(throws: HubCacheError.self) { try HubCache.snapshot(forID: "org/absent", cache: hub.cache) }
        #expect(error?.description.contains(hub.repository("org/absent")) == true && error?.description.contains("downloads nothing") == true)
        #expect(HubCache.isHubID("sentence-transformers/all-MiniLM-L6-v2") && !HubCache.isHubID("./a/b") && !HubCache.isHubID("a/b/c"))
    }
}
