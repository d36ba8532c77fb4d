// The CPU inference engine: a `ModelGraph` compiled into a forward plan of kernels.
