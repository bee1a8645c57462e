"""Records the inputs of every linear layer of a Llama/Qwen2 model as a SpikeChip trace
(docs/trace-format.md) for `spikechip replay`."""

__version__ = "0.1.0"
