import CheckpointFormats
import Foundation
import Tensors

// The zoo side of `make bench` (driven by Benchmarks/safetensors_bench.py, which runs the Python
// `safetensors` package side by side). Each mode prints its result and the seconds the work took
// inside the process, so both sides can be checked to have computed the same thing and process
// start-up can be told apart from the work.
//   open-one FILE NAME   open the file, read one tensor, print the wrapping sum of its 64-bit words
//   read-all FILE        read every tensor, print the wrapping sum of all their 64-bit words
//   memcpy MIB           copy MIB mebibytes between two buffers, print GB/s (the physical limit)

/// Wrapping sum of a tensor's bytes read as little-endian 64-bit words (sizes are multiples of 8).
func wordSum(_ tensor: Tensor) -> UInt64 {
    tensor.withUnsafeBytes { bytes in
        let words = bytes.count / 8
        let partials = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 2)
        defer { partials.deallocate() }
        partials.initialize(repeating: 0)
        let lock = NSLock()
        parallelChunks(count: words, minimumChunk: 1 << 18) { range in
            var sum: UInt64 = 0
            for index in range { sum &+= bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self) }
            lock.lock()
            partials[0] &+= sum
            lock.unlock()
        }
        return partials[0]
    }
}

let arguments = CommandLine.arguments
let start = DispatchTime.now().uptimeNanoseconds
func report(_ result: UInt64) {
    print(result, String(format: "%.6f", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
}
switch (arguments.count, arguments.count > 1 ? arguments[1] : "") {
case (4, "open-one"):
    let reader = try SafetensorsReader(path: arguments[2])
    report(wordSum(try reader.tensor(named: arguments[3])))
case (3, "read-all"):
    let reader = try SafetensorsReader(path: arguments[2])
    reader.adviseSequential()
    var total: UInt64 = 0
    for info in reader.tensors {
        let tensor = try reader.tensor(named: info.name)
        total &+= wordSum(tensor)
        tensor.storage.releaseMappedPages()
    }
    report(total)
case (3, "memcpy"):
    /// Unoptimised so the compiler cannot drop a copy whose destination is never read.
    @_optimize(none) func copy(_ destination: UnsafeMutableRawPointer, _ source: UnsafeRawPointer, _ count: Int) {
        memcpy(destination, source, count)
    }
    let bytes = Int(arguments[2])! << 20
    let source = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    let destination = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    memset(source, 1, bytes)
    memset(destination, 0, bytes)
    var best = Double.infinity
    for _ in 0..<5 {
        let start = DispatchTime.now().uptimeNanoseconds
        copy(destination, source, bytes)
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    print(String(format: "%.2f", Double(bytes) / best / 1e9))
default:
    FileHandle.standardError.write(Data("usage: SafetensorsBench open-one FILE NAME | read-all FILE | memcpy MIB\n".utf8))
    exit(1)
}
