"""The Python side of `make bench`: the same work as Benchmarks/SafetensorsBench with the
`safetensors` package (numpy framework), printing the same result and the seconds the work took
after the imports.

    open-one FILE NAME   open, read one tensor, print the wrapping sum of its 64-bit words
    read-all FILE        read every tensor, print the wrapping sum of all their 64-bit words
"""
import sys
import time

import numpy as np
from safetensors import safe_open

START = time.perf_counter()


def report(result):
    print(result, "%.6f" % (time.perf_counter() - START))


def word_sum(array):
    return int(array.reshape(-1).view("<u8").sum(dtype=np.uint64))


def main(argv):
    if len(argv) == 4 and argv[1] == "open-one":
        with safe_open(argv[2], framework="numpy") as f:
            report(word_sum(f.get_tensor(argv[3])))
    elif len(argv) == 3 and argv[1] == "read-all":
        total = 0
        with safe_open(argv[2], framework="numpy") as f:
            for name in f.keys():
                total = (total + word_sum(f.get_tensor(name))) % (1 << 64)
        report(total)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
