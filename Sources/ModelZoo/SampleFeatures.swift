import Advisor
import Preprocessing

extension ModelRunner {
    /// The penultimate features (images) or mean-pooled embeddings (text) of a labelled sample's
    /// inputs, as float64 rows for transferability scoring; `chunk` inputs are decoded and run at a
    /// time, so memory stays bounded by one chunk's images.
    public func features(
        of inputs: LabelledSample.Inputs, preprocessing: ImagePreprocessing, tokenizer: (any Tokenizer)?, chunk: Int = 32
    ) throws -> FeatureMatrix {
        var rows = [[Float]]()
        switch inputs {
        case .images(let paths):
            for start in stride(from: 0, to: paths.count, by: chunk) {
                let images = try paths[start..<min(start + chunk, paths.count)].map { try RGBImage(contentsOfFile: $0) }
                rows += try run(images: images, preprocessing: preprocessing).features
            }
        case .greyImages(let set, let indices):
            for start in stride(from: 0, to: indices.count, by: chunk) {
                let images = indices[start..<min(start + chunk, indices.count)].map { set.image($0) }
                rows += try run(images: images, preprocessing: preprocessing).features
            }
        case .texts(let texts):
            let tokenizer = try tokenizer ?? self.tokenizer()
            for start in stride(from: 0, to: texts.count, by: chunk) {
                rows += try run(texts: Array(texts[start..<min(start + chunk, texts.count)]), tokenizer: tokenizer).embeddings
            }
        }
        return FeatureMatrix(samples: rows)
    }
}
