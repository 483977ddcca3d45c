import os

# Keep XLA from grabbing more threads than the 2-core CI machine has.
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=true")
