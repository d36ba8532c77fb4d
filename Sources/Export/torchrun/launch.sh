#!/bin/sh
# Launches train.py with torchrun on this machine, or as one node of several.
#   ./launch.sh [--nproc N] [--nnodes N --node-rank R --master HOST:PORT] [train.py options…]
# Defaults: one process per GPU (else 2 on the CPU, gloo), one node. README.md has the Slurm line.
set -eu
cd "$(dirname "$0")"
nproc=""
nnodes=1
node_rank=0
master="127.0.0.1:29500"
while [ $# -gt 0 ]; do
    case "$1" in
        --nproc) nproc="$2"; shift 2 ;;
        --nnodes) nnodes="$2"; shift 2 ;;
        --node-rank) node_rank="$2"; shift 2 ;;
        --master) master="$2"; shift 2 ;;
        *) break ;;
    esac
done
if [ -z "$nproc" ]; then
    nproc=$(python3 -c 'import torch; print(torch.cuda.device_count() or 2)')
fi
if [ "$nnodes" -eq 1 ]; then
    exec torchrun --standalone --nproc_per_node "$nproc" train.py "$@"
fi
exec torchrun --nnodes "$nnodes" --node_rank "$node_rank" --nproc_per_node "$nproc" \
    --rdzv_backend c10d --rdzv_endpoint "$master" --rdzv_id "${RDZV_ID:-zoo}" train.py "$@"
