import Foundation
import Testing
import TestSupport
@testable import Advisor
import Plans

@Suite struct QuantityParsingTests {
    @Test func durationsInSecondsMinutesHoursDaysAndCompounds() {
        #expect(Quantities.seconds("90s") == 90)
        #expect(Quantities.seconds("30m") == 1800)
        #expect(Quantities.seconds("2h") == 7200)
        #expect(Quantities.seconds("1h30m") == 5400)
        #expect(Quantities.seconds("1.5h") == 5400)
        #expect(Quantities.seconds("1d") == 86400)
        for bad in ["", "2", "h", "2x", "-1h", "0s", "2h30", "1..5h"] { #expect(Quantities.seconds(bad) == nil, "\(bad)") }
    }

    @Test func memorySizesNeedAUnitDecimalOrBinary() {
        #expect(Quantities.bytes("16GB") == 16_000_000_000)
        #expect(Quantities.bytes("16GiB") == 17_179_869_184)
        #expect(Quantities.bytes("512 MB") == 512_000_000)
        #expect(Quantities.bytes("1.5gb") == 1_500_000_000)
        for bad in ["16", "GB", "16XB", "", "-1GB", "0GB"] { #expect(Quantities.bytes(bad) == nil, "\(bad)") }
    }

    @Test func countsWithSuffixes() {
        #expect(Quantities.count("3700") == 3700)
        #expect(Quantities.count("25M") == 25_000_000)
        #expect(Quantities.count("3.5k") == 3500)
        for bad in ["0", "-3", "2.5", "lots", "3.5x"] { #expect(Quantities.count(bad) == nil, "\(bad)") }
    }

    @Test func budgetsNameTheirDeviceAndDuration() throws {
        #expect(try ComputeBudget(parsing: "cpu:2h") == ComputeBudget(device: .cpu, wallClockSeconds: 7200))
        #expect(try ComputeBudget(parsing: "gpu:a100:30m") == ComputeBudget(device: .gpu("a100", count: 1), wallClockSeconds: 1800))
        #expect(try ComputeBudget(parsing: "4xgpu:a100:8h", memory: "80GB")
            == ComputeBudget(device: .gpu("a100", count: 4), wallClockSeconds: 28800, memoryBytes: 80_000_000_000))
        // The canonical text reads back to the same budget.
        let budget = try ComputeBudget(parsing: "4xgpu:h100:1h30m")
        #expect(try ComputeBudget(parsing: budget.description) == budget)
    }

    @Test func badBudgetsSayWhichPartIsWrong() {
        #expect(throws: ProfileError("budget", "'tpu' is not a device (cpu, gpu:CLASS or NxGPU:CLASS, for example gpu:a100)")) {
            try ComputeBudget(parsing: "tpu:2h")
        }
        #expect(throws: ProfileError("budget", "'forever' is not a duration (for example 90s, 30m, 2h, 1h30m, 1d)")) {
            try ComputeBudget(parsing: "cpu:forever")
        }
        for bad in ["cpu", "0xgpu:a100:1h", "gpu::1h", "gpu:a/100:1h"] {
            #expect(throws: ProfileError.self, "\(bad)") { try ComputeBudget(parsing: bad) }
        }
        #expect(throws: ProfileError("memory", "'16' is not a memory size (for example 512MB, 16GB, 16GiB)")) {
            try ComputeBudget(parsing: "cpu:1h", memory: "16")
        }
    }

    @Test func domainShiftsReadAndWriteTheSameText() {
        #expect(DomainShift("input:medical") == .input(.medical))
        #expect(DomainShift("input") == .input(.other))
        #expect(DomainShift("Label") == .label)
        for shift in [DomainShift.none, .input(.satellite), .label, .unknown] { #expect(DomainShift(shift.description) == shift) }
        for bad in ["input:x-ray", "label:new", "sideways", ""] { #expect(DomainShift(bad) == nil, "\(bad)") }
    }
}

@Suite struct TaskSourceTests {
    /// Every field but the dataset. Parsing checks each value alone; the two per-class counts only
    /// fit 2 classes, which `flagsResolveToTheProfileBudgetAndPreferencesTheySay` uses.
    static let flags = [
        "--task", "image-classification", "--classes", "37", "--examples", "3700", "--examples-per-class", "100, 3600",
        "--shift", "input:medical", "--robustness", "--max-latency-ms=20", "--max-parameters", "25M", "--cpu-only",
        "--budget", "gpu:a100:30m", "--memory", "16GB", "--model", "resnet50", "--exclude", "vgg,mobilenet", "--objective", "cheapest",
    ]

    static let yaml = """
        task: image-classification
        classes: 37
        examples: 3700
        examples_per_class: [100, 3600]
        shift: input:medical
        robustness: true
        max_latency_ms: 20.0
        max_parameters: 25000000
        cpu_only: yes
        budget: gpu:a100:30m
        memory: 16GB
        model: resnet50
        exclude: [vgg, mobilenet]
        objective: cheapest
        """

    static let json = """
        {"task": "image-classification", "classes": 37, "examples": "3.7k", "examples_per_class": [100, 3600],
         "shift": "input:medical", "robustness": true, "max_latency_ms": 20, "max_parameters": "25M", "cpu_only": true,
         "budget": "gpu:a100:30m", "memory": "16 GB", "model": "resnet50", "exclude": "vgg, mobilenet", "objective": "cheapest"}
        """

    static func write(_ text: String, _ name: String, in folder: TemporaryFolder) throws -> String {
        let path = folder.file(name)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    @Test func yamlAndJsonTaskFilesEqualTheSameFlags() throws {
        let folder = try TemporaryFolder()
        let fromFlags = try TaskDraft(flags: Self.flags)
        let fromYAML = try TaskDraft(file: Self.write(Self.yaml, "task.yaml", in: folder))
        let fromJSON = try TaskDraft(file: Self.write(Self.json, "task.json", in: folder))
        #expect(fromYAML == fromFlags)
        #expect(fromJSON == fromFlags)
        #expect(fromFlags[.modality] == "image" && fromFlags[.task] == "single-label")
        #expect(fromFlags.values.count == DraftField.allCases.count - 1)  // all but dataset
    }

    @Test func flagsResolveToTheProfileBudgetAndPreferencesTheySay() throws {
        var flags = Self.flags
        flags[flags.firstIndex(of: "37")!] = "2"
        let request = try TaskDraft(flags: flags).resolve()
        #expect(request.profile == TaskProfile(
            modality: .image, kind: .singleLabel, classes: 2, examples: 3700, examplesPerClass: [100, 3600], classNames: nil,
            shift: .input(.medical), robustness: true, deployment: .init(maxLatencyMs: 20, maxParameters: 25_000_000, cpuOnly: true)))
        #expect(request.profile.smallestClass == 100)
        #expect(request.budget == ComputeBudget(device: .gpu("a100", count: 1), wallClockSeconds: 1800, memoryBytes: 16_000_000_000))
        #expect(request.preferences == Preferences(model: "resnet50", excludedFamilies: ["vgg", "mobilenet"], objective: .cheapestGoodEnough))
    }

    @Test func flagsOverrideTheFileAndDefaultsFillTheRest() throws {
        let folder = try TemporaryFolder()
        let file = try TaskDraft(file: Self.write("modality: text\nclasses: 4\nexamples: 800\nbudget: cpu:2h\nshift: label\n", "task.yaml", in: folder))
        let request = try file.merging(TaskDraft(flags: ["--classes", "3", "--budget", "cpu:30m"])).resolve()
        #expect(request.profile.classes == 3)
        #expect(request.budget.wallClockSeconds == 1800)
        #expect(request.profile.examples == 800 && request.profile.modality == .text && request.profile.shift == .label)
        #expect(request.profile.kind == .singleLabel && !request.profile.robustness && request.preferences.objective == .maximiseAccuracy)
        #expect(try file.resolve().profile.classes == 4)
    }

    @Test(arguments: [
        (["--modality", "image", "--classes", "1", "--examples", "10", "--budget", "cpu:1h"], "classes"),
        (["--modality", "image", "--classes", "3", "--examples", "10", "--examples-per-class", "3,3,3", "--budget", "cpu:1h"], "examples_per_class"),
        (["--modality", "image", "--classes", "3", "--examples", "10", "--examples-per-class", "5,5", "--budget", "cpu:1h"], "examples_per_class"),
        (["--modality", "image", "--task", "sentence-pair", "--classes", "3", "--examples", "10", "--budget", "cpu:1h"], "task"),
        (["--modality", "image", "--classes", "3", "--examples", "10"], "budget"),
        (["--classes", "3", "--examples", "10", "--budget", "cpu:1h"], "modality"),
    ])
    func inconsistentOrMissingFieldsAreNamed(flags: [String], field: String) throws {
        let draft = try TaskDraft(flags: flags)
        #expect { try draft.resolve() } throws: { ($0 as? ProfileError)?.field == field }
    }

    @Test func badValuesAreRefusedAsTheyAreSetNamingTheField() {
        #expect { try TaskDraft(flags: ["--classes", "many"]) } throws: { ($0 as? ProfileError)?.field == "classes" }
        #expect { try TaskDraft(flags: ["--shift", "sideways"]) } throws: { ($0 as? ProfileError)?.field == "shift" }
        #expect { try TaskDraft(flags: ["--classes"]) } throws: { ($0 as? ProfileError)?.field == "classes" }
        #expect(throws: ProfileError("--clases", "unknown flag; did you mean --classes?")) { try TaskDraft(flags: ["--clases", "3"]) }
    }

    @Test func unknownModelsAndFamiliesSuggestTheClosestRegistryNames() {
        #expect(throws: ProfileError("model", "'resnet5' is not a registry model; did you mean resnet50, resnet152, resnet18?")) {
            try TaskDraft(flags: ["--model", "resnet5"])
        }
        #expect(throws: ProfileError("exclude", "'mobilnet' is not a model family; did you mean mobilenet?")) {
            try TaskDraft(flags: ["--exclude", "vgg,mobilnet"])
        }
        #expect(throws: ProfileError("model", "'vgg16' is in the excluded family 'vgg'")) {
            try Preferences(model: "vgg16", excludedFamilies: ["vgg"]).validate()
        }
    }

    @Test func modelsAreNamedAsUsersKnowThemInFlagsAndTaskFiles() throws {
        let flags = try TaskDraft(flags: ["--model", "google-bert/bert-base-uncased", "--exclude", "distilbert-base-uncased, ResNet50_Weights"])
        #expect(flags[.model] == "bert_base_uncased")
        #expect(flags[.exclude] == "distilbert,resnet")
        let folder = try TemporaryFolder()
        try "model: resnet50.tv_in1k\nexclude: [mobilenet-v2]\n".write(toFile: folder.file("task.yaml"), atomically: true, encoding: .utf8)
        let file = try TaskDraft(file: folder.file("task.yaml"))
        #expect(file[.model] == "resnet50" && file[.exclude] == "mobilenet")
    }

    @Test func unknownTaskFileKeysAreNamed() throws {
        let folder = try TemporaryFolder()
        let path = try Self.write("classes: 3\nexample: 10\n", "task.yaml", in: folder)
        #expect { try TaskDraft(file: path) } throws: { error in
            let error = error as? ProfileError
            return error?.field == "example" && error?.reason.hasSuffix("did you mean examples?") == true
        }
        let list = try Self.write("- classes\n", "list.yaml", in: folder)
        #expect { try TaskDraft(file: list) } throws: { ($0 as? ProfileError)?.field == list }
    }
}

@Suite struct DatasetCountingTests {
    static func imageFolder(_ counts: [String: Int], in folder: TemporaryFolder) throws -> String {
        let root = folder.file("images")
        for (label, count) in counts {
            try FileManager.default.createDirectory(atPath: root + "/" + label, withIntermediateDirectories: true)
            for index in 0..<count {
                try touch("\(root)/\(label)/\(index).\(index.isMultiple(of: 2) ? "jpg" : "PNG")")
            }
            try touch("\(root)/\(label)/notes.txt")
        }
        try FileManager.default.createDirectory(atPath: root + "/.cache/hidden", withIntermediateDirectories: true)
        try touch(root + "/.cache/hidden/0.jpg")
        return root
    }

    /// Counting reads names only, so one byte stands in for an image.
    static func touch(_ path: String) throws { try Data([0xFF]).write(to: URL(fileURLWithPath: path)) }

    @Test func anImageFolderGivesModalityClassesAndCountsPerClass() throws {
        let folder = try TemporaryFolder()
        let path = try Self.imageFolder(["dog": 2, "cat": 3, "owl": 5], in: folder)
        let profile = try TaskDraft(flags: ["--dataset", path, "--budget", "cpu:1h"]).resolve().profile
        #expect(profile.modality == .image)
        #expect(profile.classes == 3 && profile.examples == 10)
        #expect(profile.classNames == ["cat", "dog", "owl"] && profile.examplesPerClass == [3, 2, 5])
        #expect(profile.smallestClass == 2)
    }

    @Test func aLabelledTextFileIsCountedLineByLine() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("train.tsv")
        try "pos\tgreat film\nneg\tdull\r\n\npos\tfine\npos\tloved it\n".write(toFile: path, atomically: false, encoding: .utf8)
        let profile = try TaskDraft(flags: ["--dataset", path, "--budget", "cpu:1h"]).resolve().profile
        #expect(profile.modality == .text)
        #expect(profile.classNames == ["neg", "pos"] && profile.examplesPerClass == [1, 3] && profile.examples == 4)
    }

    @Test func aCSVFileIsCountedByItsLabelColumnAndMultiLabelByEachClass() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("reviews.csv")
        try "id,text,labels\n1,\"great, and\nlong\",pos|funny\n2,dull,neg\n3,fine,pos\n".write(toFile: path, atomically: false, encoding: .utf8)
        let single = try TaskDraft(flags: ["--dataset", path, "--budget", "cpu:1h"]).resolve().profile
        #expect(single.modality == .text && single.classNames == ["neg", "pos", "pos|funny"] && single.examplesPerClass == [1, 1, 1])
        let multi = try TaskDraft(flags: ["--dataset", path, "--task", "multi-label", "--budget", "cpu:1h"]).resolve().profile
        #expect(multi.kind == .multiLabel && multi.classNames == ["funny", "neg", "pos"] && multi.examplesPerClass == [1, 1, 2] && multi.examples == 3)
    }

    @Test func anIDXFolderAndATrainValFolderCountTheirTrainingSplit() throws {
        let folder = try TemporaryFolder()
        let idx = folder.file("mnist")
        try FileManager.default.createDirectory(atPath: idx, withIntermediateDirectories: true)
        let labels: [UInt8] = [2, 1, 2, 0]
        try Data([0, 0, 8, 3, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 2] + [UInt8](repeating: 7, count: 8)).write(to: URL(fileURLWithPath: idx + "/train-images-idx3-ubyte"))
        try Data([0, 0, 8, 1, 0, 0, 0, 4] + labels).write(to: URL(fileURLWithPath: idx + "/train-labels-idx1-ubyte"))
        let mnist = try TaskDraft(flags: ["--dataset", idx, "--budget", "cpu:1h"]).resolve().profile
        #expect(mnist.modality == .image && mnist.classNames == ["0", "1", "2"] && mnist.examplesPerClass == [1, 1, 2] && mnist.examples == 4)
        let split = folder.file("split")
        for (part, label, count) in [("train", "cat", 3), ("train", "dog", 2), ("val", "cat", 4), ("test", "dog", 5)] {
            try FileManager.default.createDirectory(atPath: "\(split)/\(part)/\(label)", withIntermediateDirectories: true)
            for index in 0..<count { try Self.touch("\(split)/\(part)/\(label)/\(index).jpg") }
        }
        let profile = try TaskDraft(flags: ["--dataset", split, "--budget", "cpu:1h"]).resolve().profile
        #expect(profile.classNames == ["cat", "dog"] && profile.examplesPerClass == [3, 2] && profile.examples == 5)
    }

    @Test func givenCountsThatDisagreeWithTheDatasetAreRefused() throws {
        let folder = try TemporaryFolder()
        let path = try Self.imageFolder(["a": 2, "b": 2], in: folder)
        #expect(throws: ProfileError("classes", "given as 3, but the dataset at \(path) has 2")) {
            try TaskDraft(flags: ["--dataset", path, "--classes", "3", "--budget", "cpu:1h"]).resolve()
        }
        #expect { try TaskDraft(flags: ["--dataset", path, "--modality", "text", "--budget", "cpu:1h"]).resolve() } throws: {
            ($0 as? ProfileError)?.field == "modality"
        }
        #expect { try TaskDraft(flags: ["--dataset", folder.file("nothing"), "--budget", "cpu:1h"]).resolve() } throws: {
            ($0 as? ProfileError) == ProfileError("dataset", "\(folder.file("nothing")): no such file or folder", isBadInput: true)
        }
    }
}

/// Answers from a script; records what was asked and told.
final class ScriptedDialogue: Dialogue {
    var answers: [String]
    var asked: [String] = [], told: [String] = []

    init(_ answers: [String]) { self.answers = answers }

    func ask(_ prompt: String) -> String? {
        asked.append(String(prompt.prefix { $0 != " " }))
        return answers.isEmpty ? nil : answers.removeFirst()
    }

    func tell(_ line: String) { told.append(line) }
}

@Suite struct InteractiveCompletionTests {
    @Test func asksOnlyWhatIsMissingAndTakesDefaultsOnEmptyAnswers() throws {
        let given = try TaskDraft(flags: ["--classes", "5", "--budget", "cpu:2h", "--shift", "none"])
        let dialogue = ScriptedDialogue(["text", "", "1200", "", ""])
        let request = try InteractiveCompletion.complete(given, dialogue: dialogue)
        #expect(dialogue.asked == ["modality", "task", "examples", "robustness", "objective"])
        #expect(dialogue.told.isEmpty && dialogue.answers.isEmpty)
        #expect(request.profile.modality == .text && request.profile.kind == .singleLabel)
        #expect(request.profile.classes == 5 && request.profile.examples == 1200 && request.profile.shift == .none)
        #expect(request.budget.wallClockSeconds == 7200 && !request.profile.robustness)
    }

    @Test func reAsksAfterAnAnswerThatDoesNotParseOrDoesNotFit() throws {
        let given = try TaskDraft(flags: ["--modality", "image", "--examples", "300", "--robustness", "--objective", "cheapest"])
        // classes: "many" does not parse; 1 parses but a single-label task needs 2; then 3.
        let dialogue = ScriptedDialogue(["", "many", "1", "input:xray", "input:medical", "cpu", "", "3"])
        let request = try InteractiveCompletion.complete(given, dialogue: dialogue)
        #expect(dialogue.asked == ["task", "classes", "classes", "shift", "shift", "budget", "budget", "classes"])
        #expect(dialogue.told.count == 4)
        #expect(dialogue.told.last == "classes: a single-label task needs at least 2 classes, got 1")
        #expect(request.profile.classes == 3 && request.profile.shift == .input(.medical) && request.budget.wallClockSeconds == 3600)
    }

    @Test func aDatasetAnswersTheCountsAndTheEndOfInputIsAnError() throws {
        let folder = try TemporaryFolder()
        let path = try DatasetCountingTests.imageFolder(["a": 1, "b": 2], in: folder)
        let dialogue = ScriptedDialogue(["", "label"])
        #expect(throws: ProfileError("robustness", "no answer: the input ended")) {
            try InteractiveCompletion.complete(TaskDraft(flags: ["--dataset", path]), dialogue: dialogue)
        }
        #expect(dialogue.asked == ["task", "shift", "robustness"])
    }
}
