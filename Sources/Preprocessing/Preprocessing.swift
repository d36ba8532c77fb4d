// Turning a user's raw inputs into the tensors a model reads: images (decoded through the system's
// libjpeg-turbo and libpng, resized, cropped and normalised as a model card says) and text
// (WordPiece and byte-level BPE tokenizers equal to Hugging Face's).
