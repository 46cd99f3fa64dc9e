"""What only the command-line tools use: config loading and dataset checks (:mod:`.config`), FLOPs (:mod:`.flops`),
ONNX export and the onnxruntime check (:mod:`.deploy`)."""
