import Foundation
import Preprocessing
import TestSupport
import Testing

/// Image and tokenizer files that are FIFOs are refused by name, without blocking on the open.
@Suite struct SpecialFileTests {
    @Test func anImageThatIsAFIFOIsRefused() throws {
        let folder = try TemporaryFolder()
        let fifo = try FIFOFixture(at: folder.file("photo.jpg"))
        defer { fifo.finish() }
        #expect {
            _ = try RGBImage(contentsOfFile: fifo.path)
        } throws: { "\($0)".contains(fifo.path) && "\($0)".contains("a FIFO") }
    }

    @Test func aVocabularyThatIsAFIFOIsRefused() throws {
        let folder = try TemporaryFolder()
        let fifo = try FIFOFixture(at: folder.file("vocab.txt"))
        defer { fifo.finish() }
        #expect {
            _ = try WordPieceTokenizer(vocabularyFile: fifo.path)
        } throws: { "\($0)".contains(fifo.path) && "\($0)".contains("a FIFO") }
    }
}
