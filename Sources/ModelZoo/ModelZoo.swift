// The umbrella library: `import ModelZoo` gives a Swift program everything the `zoo` tool uses.
@_exported import CheckpointFormats
@_exported import Tensors
@_exported import Architectures
@_exported import Charts
@_exported import Engine
@_exported import Preprocessing
@_exported import NameMapping
@_exported import Plans
@_exported import Advisor
@_exported import Training
@_exported import Export
