#!/usr/bin/env bash
# Regret-prioritised step-1 A2C runs (issue 19 item 4): the annealed step-1 command of docs/regret.md,
# one seed, plus the regret sampler, with (iw) or without (noiw) importance weights.
# usage: bash studies/results/mechanism_bayes/prio/prio.sh iw|noiw [core]
set -eu
cd "$(dirname "$0")/../../../.."  # the repository root
export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false"  # single-threaded, so two runs fit 2 cores
extra=""; [ "$1" = noiw ] && extra="--no-importance-weights"
taskset -c "${2:-0}" eqtools train a2c --mode mechanism --preset cpu --seeds 1 --eval-every 250 --eval-episodes 512 \
    --mechanism-iterations 7500,0,0 --out runs/a2c_prio_$1 \
    --sampler regret --sampler-buffer 2048 --sampler-refresh 32 $extra \
    --hyper '1:entropy_coef=0.01,reward_scale=0.02,gae_lambda=1.0,lr=0.003,entropy_final=0.0005,lr_final=0.0005,anneal_start=2000,anneal_iters=4500'
