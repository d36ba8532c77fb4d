import Foundation
import TestSupport
import Testing

/// The real MiniLM in a Hugging Face cache built as the Hub lays it out: a cache folder opens at
/// its ref, a Hub id resolves through HF_HUB_CACHE or HF_HOME, `zoo run --weights` takes the id,
/// and an id that is not cached exits 2 saying where zoo looked and that it downloads nothing.
@Suite(.enabled(if: RealAssets.haveMiniLM, "needs assets/all-MiniLM-L6-v2 (make assets)"))
struct HubCacheCommandTests {
    static let id = "sentence-transformers/all-MiniLM-L6-v2"
    let folder: TemporaryFolder
    let hub: HubCacheFolder

    init() throws {
        folder = try TemporaryFolder()
        hub = HubCacheFolder(in: folder.file("home/hub"))
        // Every file, those of 1_Pooling/ (which modules.json names) in their subfolder, as the Hub lays them out.
        let names = try FileManager.default.subpathsOfDirectory(atPath: RealAssets.miniLM).filter { name in
            var folder: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: RealAssets.miniLM + "/" + name, isDirectory: &folder) && !folder.boolValue
        }
        try hub.add(Self.id, files: Dictionary(uniqueKeysWithValues: names.map { ($0, RealAssets.miniLM + "/" + $0) }))
    }

    @Test func aCacheFolderAndAHubIdOpenTheSnapshot() throws {
        let direct = try Zoo.run("inspect", RealAssets.miniLM + "/model.safetensors", "--json")
        let expected = try JSONSerialization.jsonObject(with: Data(direct.stdout.utf8)) as! [[String: Any]]
        for (arguments, environment) in [
            (["inspect", hub.repository(Self.id), "--json"], [String: String]()),
            (["inspect", Self.id, "--json"], ["HF_HUB_CACHE": hub.cache]),
            (["inspect", Self.id, "--json"], ["HF_HOME": folder.file("home"), "HF_HUB_CACHE": ""]),
        ] {
            let result = try Zoo.run(arguments: arguments, environment: environment)
            try #require(result.status == 0, "\(arguments) \(environment): \(result.stderr)")
            let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [[String: Any]]
            #expect((report[0]["path"] as! String).hasSuffix("/snapshots/\(HubCacheFolder.revision)/model.safetensors"))
            #expect(report[0]["totals"] as? [String: Int] == expected[0]["totals"] as? [String: Int])
        }
    }

    @Test func runTakesAHubIdAsTheWeights() throws {
        let result = try Zoo.run(arguments: ["run", "--weights", Self.id, "--text", "Hello world.", "--json"], environment: ["HF_HUB_CACHE": hub.cache])
        try #require(result.status == 0, "\(result.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect((report["reading"] as! [String: Any])["model"] as? String == "minilm_l6_h384")
    }

    @Test func anIdThatIsNotCachedIsBadInputAndNothingIsDownloaded() throws {
        let result = try Zoo.run(arguments: ["inspect", "google-bert/bert-base-uncased"], environment: ["HF_HUB_CACHE": hub.cache])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("zoo: error: google-bert/bert-base-uncased: ") && result.stderr.contains(hub.repository("google-bert/bert-base-uncased"))
                && result.stderr.contains("downloads nothing"), "\(result.stderr)")
    }
}
